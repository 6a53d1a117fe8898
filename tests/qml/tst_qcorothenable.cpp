// SPDX-License-Identifier: MIT
// time(promise) with a thenable that is not a JavaScript Promise: QCoro's QmlTask, a C++
// coroutine handed to QML (C++20; built only when QCoro's Qml component is found).
#include <QCoro/QCoroQml>
#include <QCoro/QCoroQmlTask>
#include <QCoro/QCoroTimer>

#include <QQmlComponent>
#include <QQmlContext>
#include <QQmlEngine>
#include <QRegularExpression>
#include <QTest>

#include <chrono>
#include <memory>

class Backend : public QObject {
    Q_OBJECT

public:
    /// A coroutine that answers after `milliseconds`, as a QML thenable.
    Q_INVOKABLE QCoro::QmlTask fetch(int milliseconds)
    {
        return [](int ms) -> QCoro::Task<QString> {
            co_await QCoro::sleepFor(std::chrono::milliseconds(ms));
            co_return QStringLiteral("answer");
        }(milliseconds);
    }
};

class tst_QCoroThenable : public QObject {
    Q_OBJECT

private slots:
    void timesAQCoroTask();
};

void tst_QCoroThenable::timesAQCoroTask()
{
    QCoro::Qml::registerTypes();
    QQmlEngine engine;
    engine.addImportPath(QStringLiteral(PROMQT_BUILD_QML_DIR));
    Backend backend;
    engine.rootContext()->setContextProperty(QStringLiteral("backend"), &backend);
    QQmlComponent component(&engine);
    component.setData(R"(
import QtQuick
import PromQt
QtObject {
    property Registry registry: Registry {}
    property Histogram histogram: Histogram { registry: registry; name: "qcoro_fetch_seconds" }
    property string answer
    function go() {
        // A QmlTask can be consumed only once: time() consumes it and returns a Promise that
        // settles like it, so the app still gets the answer.
        histogram.time(backend.fetch(60)).then(function (result) { answer = result })
    }
}
)", QUrl(QStringLiteral("file:///qcoro.qml")));
    std::unique_ptr<QObject> root(component.create());
    QVERIFY2(root, qPrintable(component.errorString()));
    auto* histogram = root->property("histogram").value<QObject*>();
    QVERIFY(histogram);

    // QmlTask::then() takes one function: it must not be called with two (QML would warn).
    QTest::failOnWarning(QRegularExpression(QStringLiteral("Too many arguments")));
    QMetaObject::invokeMethod(root.get(), "go");
    QTRY_COMPARE(histogram->property("count").toDouble(), 1.0);
    QVERIFY(histogram->property("sum").toDouble() >= 0.06);
    QTRY_COMPARE(root->property("answer").toString(), QStringLiteral("answer"));
}

QTEST_MAIN(tst_QCoroThenable)
#include "tst_qcorothenable.moc"
