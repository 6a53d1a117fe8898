// SPDX-License-Identifier: MIT
// Runner for the Qt Quick Test suites tests/qml/tst_*.qml: the stock QUICK_TEST_MAIN plus the
// PromQtTest helper singleton. ctest runs it once per suite with `-input <file> -import <build>/qml`.
#include "quicktesthelper.h"

#include <QQmlEngine>
#include <QtQuickTest/quicktest.h>

class Setup : public QObject {
    Q_OBJECT

public slots:
    void qmlEngineAvailable(QQmlEngine* engine)
    {
        qmlRegisterSingletonInstance("PromQtTest", 1, 0, "PromQtTest", new QuickTestHelper(engine));
    }
};

QUICK_TEST_MAIN_WITH_SETUP(promqt_qml, Setup)

#include "quicktest_main.moc"
