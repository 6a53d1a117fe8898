// SPDX-License-Identifier: MIT
// The *installed* PromQt module: `cmake --install` into a temporary prefix, then
//  - a QQmlEngine in this process (which links neither promqt nor the QML module) imports
//    PromQt through the installed import path, and the libraries it loads are the installed ones;
//  - a consumer project is configured against the installed package (find_package(promqt),
//    promqt::qml), built, and run: QML records, C++ reads promqt::Qml::defaultRegistry().
#include <QFile>
#include <QGuiApplication>
#include <QProcess>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

class tst_Installed : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void importsTheInstalledModule();
    void consumerProjectUsesTheInstalledPackage();

private:
    bool run(const QString& program, const QStringList& arguments, int timeoutMs,
             QByteArray* output = nullptr);

    QTemporaryDir m_dir;
    QString m_prefix;
    QString m_qmlDir;
};

bool tst_Installed::run(const QString& program, const QStringList& arguments, int timeoutMs,
                        QByteArray* output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        qWarning() << program << arguments << "did not finish in time";
        return false;
    }
    const QByteArray out = process.readAll();
    if (output)
        *output = out;
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        qWarning().noquote() << program << arguments.join(QLatin1Char(' ')) << "failed:\n" << out;
        return false;
    }
    return true;
}

void tst_Installed::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_prefix = m_dir.filePath(QStringLiteral("prefix"));
    m_qmlDir = m_prefix + QLatin1Char('/') + QStringLiteral(PROMQT_INSTALL_QMLDIR);
    QVERIFY(run(QStringLiteral(CMAKE_COMMAND),
                {QStringLiteral("--install"), QStringLiteral(PROMQT_BINARY_DIR_PATH),
                 QStringLiteral("--prefix"), m_prefix},
                60000));
    for (const char* file : {"qmldir", "promqt_qml.qmltypes", "libpromqt_qmlplugin.so"})
        QVERIFY2(QFile::exists(m_qmlDir + QStringLiteral("/PromQt/") + QLatin1String(file)), file);
}

void tst_Installed::importsTheInstalledModule()
{
    QQmlEngine engine;
    engine.addImportPath(m_qmlDir);
    QQmlComponent component(&engine);
    component.setData("import PromQt\n"
                      "Counter { name: \"installed_total\"; Component.onCompleted: inc(2) }\n",
                      QUrl(QStringLiteral("file:///installed.qml")));
    std::unique_ptr<QObject> counter(component.create());
    QVERIFY2(counter, qPrintable(component.errorString()));
    QCOMPARE(counter->property("value").toDouble(), 2.0);
    QCOMPARE(counter->property("valid").toBool(), true);

    // The libraries backing it are the installed copies, not the build tree's.
    QFile maps(QStringLiteral("/proc/self/maps"));
    QVERIFY(maps.open(QIODevice::ReadOnly));
    const QByteArray mapped = maps.readAll();
    const QByteArray prefix = QFile::encodeName(m_prefix);
    QVERIFY(mapped.contains(prefix + "/" PROMQT_INSTALL_QMLDIR "/PromQt/libpromqt_qmlplugin.so"));
    QVERIFY(mapped.contains(prefix + "/" PROMQT_INSTALL_LIBDIR "/libpromqtqml.so"));
    QVERIFY(!mapped.contains(PROMQT_BINARY_DIR_PATH "/qml/"));
}

void tst_Installed::consumerProjectUsesTheInstalledPackage()
{
    const QString build = m_dir.filePath(QStringLiteral("consumer-build"));
    QVERIFY(run(QStringLiteral(CMAKE_COMMAND),
                {QStringLiteral("-S"), QStringLiteral(PROMQT_SOURCE_DIR_PATH "/tests/qml/consumer"),
                 QStringLiteral("-B"), build, QStringLiteral("-G"), QStringLiteral("Ninja"),
                 QStringLiteral("-DCMAKE_BUILD_TYPE=Debug"),
                 QStringLiteral("-DCMAKE_PREFIX_PATH=") + m_prefix,
                 QStringLiteral("-DCMAKE_CXX_FLAGS=" PROMQT_CONSUMER_FLAGS),
                 QStringLiteral("-DCMAKE_EXE_LINKER_FLAGS=" PROMQT_CONSUMER_FLAGS)},
                120000));
    QVERIFY(run(QStringLiteral(CMAKE_COMMAND), {QStringLiteral("--build"), build}, 240000));
    QByteArray output;
    QVERIFY(run(build + QStringLiteral("/qml_consumer"), {m_qmlDir}, 30000, &output));
    QVERIFY2(output.contains("ok: consumer_clicks_total 5 seen from C++"), output.constData());
}

QTEST_MAIN(tst_Installed)
#include "tst_installed.moc"
