// SPDX-License-Identifier: MIT
// The PromQt QML desktop example. All instrumentation is in Main.qml; this file only starts the
// engine, passes the command line on, and prints where the metrics are served.
//
//   promqt-qml-desktop [--port 9464] [--address 127.0.0.1] [--autopilot]
//   curl http://127.0.0.1:9464/metrics
//
// Runs headless too: QT_QPA_PLATFORM=offscreen promqt-qml-desktop --port 0 --autopilot
#include <QCommandLineParser>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QUrl>

#include <cstdio>

int main(int argc, char* argv[])
{
    QGuiApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("promqt-qml-desktop"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Qt Quick app instrumented from QML with PromQt"));
    parser.addHelpOption();
    const QCommandLineOption portOption(QStringLiteral("port"),
            QStringLiteral("Port for /metrics (0: any free port)."), QStringLiteral("port"),
            QStringLiteral("9464"));
    const QCommandLineOption addressOption(QStringLiteral("address"),
            QStringLiteral("Address for /metrics."), QStringLiteral("address"),
            QStringLiteral("127.0.0.1"));
    const QCommandLineOption autopilotOption(QStringLiteral("autopilot"),
            QStringLiteral("Click, reload and call the network by itself (demos, tests)."));
    parser.addOptions({portOption, addressOption, autopilotOption});
    parser.process(app);

    bool portOk = false;
    const int port = parser.value(portOption).toInt(&portOk);
    if (!portOk || port < 0 || port > 65535) {
        std::fprintf(stderr, "invalid --port %s\n", qPrintable(parser.value(portOption)));
        return 2;
    }

    QQmlApplicationEngine engine;
#ifdef PROMQT_BUILD_QML_DIR
    engine.addImportPath(QStringLiteral(PROMQT_BUILD_QML_DIR));
#endif
    engine.setInitialProperties({
            {QStringLiteral("metricsPort"), port},
            {QStringLiteral("metricsAddress"), parser.value(addressOption)},
            {QStringLiteral("autopilot"), parser.isSet(autopilotOption)},
    });
    engine.load(QUrl(QStringLiteral("qrc:/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;

    // Report the URL (or the failure) once; QML's MetricsServer starts with the window.
    QObject* server = engine.rootObjects().constFirst()->findChild<QObject*>(QStringLiteral("metricsServer"));
    if (!server)
        return 1;
    if (!server->property("running").toBool()) {
        std::fprintf(stderr, "cannot serve metrics: %s\n",
                     qPrintable(server->property("errorString").toString()));
        return 1;
    }
    std::printf("metrics at %s\n", qPrintable(server->property("url").toUrl().toString()));
    std::fflush(stdout);
    return app.exec();
}
