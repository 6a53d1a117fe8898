// SPDX-License-Identifier: MIT
// The network demo: signal adapters, QNetworkAccessManager instrumentation, event-loop lag and
// process metrics, served on /metrics.
//
//   promqt-network-demo [--address 127.0.0.1] [--port 9465] [--url URL] [--interval-ms 1000]
//                       [--command "sleep 0.2"] [--stall-ms 0] [--quit-after-ms 0] [--self-check]
//
// Every interval the demo
//   - fetches --url (default: its own /metrics, so it needs no network) through an instrumented
//     QNetworkAccessManager, and times that one reply explicitly with promqt::timeUntil();
//   - runs --command with /bin/sh in a QProcess timed start→finish with promqt::timeBetween();
//   - optionally blocks its own event loop for --stall-ms, which the lag monitor shows.
// --self-check scrapes its own /metrics once everything ran, prints whether every demo family
// is there, and exits (0: all present) — used as a smoke test.
#include <promqt/eventloop.h>
#include <promqt/metricsserver.h>
#include <promqt/network.h>
#include <promqt/process.h>
#include <promqt/signals.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTimer>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("promqt-network-demo"));

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("promqt network demo: serves /metrics"));
    cli.addHelpOption();
    cli.addOption({QStringLiteral("address"), QStringLiteral("Address to listen on."), QStringLiteral("address"),
                   QStringLiteral("127.0.0.1")});
    cli.addOption({QStringLiteral("port"), QStringLiteral("Port to listen on (0: any free port)."),
                   QStringLiteral("port"), QStringLiteral("9465")});
    cli.addOption({QStringLiteral("url"), QStringLiteral("URL to fetch every interval (default: our /metrics)."),
                   QStringLiteral("url")});
    cli.addOption({QStringLiteral("interval-ms"), QStringLiteral("Milliseconds between rounds."),
                   QStringLiteral("ms"), QStringLiteral("1000")});
    cli.addOption({QStringLiteral("command"), QStringLiteral("Shell command run (and timed) every round."),
                   QStringLiteral("command"), QStringLiteral("sleep 0.2")});
    cli.addOption({QStringLiteral("stall-ms"), QStringLiteral("Block the event loop this long every round."),
                   QStringLiteral("ms"), QStringLiteral("0")});
    cli.addOption({QStringLiteral("quit-after-ms"), QStringLiteral("Quit after this long (0: run until killed)."),
                   QStringLiteral("ms"), QStringLiteral("0")});
    cli.addOption({QStringLiteral("self-check"), QStringLiteral("Scrape our own /metrics after two rounds, check, exit.")});
    cli.process(app);

    auto registry = std::make_shared<prometheus::Registry>();

    // --- the QNetworkAccessManager: every request measured, no change at the call sites --------
    QNetworkAccessManager nam;
    new promqt::NetworkInstrumentation(&nam, *registry, &nam);

    // One reply timed explicitly, with a timeout: the plain-Qt equivalent is a QElapsedTimer and
    // a connect() to finished, plus a QTimer for the timeout.
    auto& fetchSeconds = prometheus::BuildHistogram()
                             .Name("promqt_demo_fetch_seconds")
                             .Help("Seconds until the demo's periodic fetch finished.")
                             .Register(*registry)
                             .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.025, 0.1, 0.5, 2.5});
    auto& fetchTimeouts = prometheus::BuildCounter()
                              .Name("promqt_demo_fetch_timeouts_total")
                              .Help("Periodic fetches that took longer than 5 s.")
                              .Register(*registry)
                              .Add({});

    // --- a QProcess: every start→finish interval -------------------------------------------
    auto& processSeconds = prometheus::BuildHistogram()
                               .Name("promqt_demo_process_seconds")
                               .Help("Seconds from QProcess::started to QProcess::finished.")
                               .Register(*registry)
                               .Add({}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5});
    auto& processRunning = prometheus::BuildGauge()
                               .Name("promqt_demo_processes_running")
                               .Help("Demo processes between started and finished.")
                               .Register(*registry)
                               .Add({});
    auto& processErrors = prometheus::BuildCounter()
                              .Name("promqt_demo_process_errors_total")
                              .Help("QProcess::errorOccurred emissions.")
                              .Register(*registry)
                              .Add({});
    QProcess process;
    promqt::timeBetween(processSeconds, &process, &QProcess::started, &QProcess::finished);
    promqt::trackInProgress(processRunning, &process, &QProcess::started, &QProcess::finished);
    promqt::countSignal(processErrors, &process, &QProcess::errorOccurred);

    // --- the event loop of this (main) thread, and the process itself ------------------------
    new promqt::EventLoopLagMonitor(*registry, &app);
    auto processMetrics = std::make_shared<promqt::ProcessCollector>();

    promqt::MetricsServer server;
    server.registerCollectable(registry);
    server.registerCollectable(processMetrics);
    const QHostAddress address(cli.value(QStringLiteral("address")));
    bool portOk = false;
    const uint port = cli.value(QStringLiteral("port")).toUInt(&portOk);
    if (address.isNull() || !portOk || port > 65535) {
        std::fprintf(stderr, "promqt-network-demo: invalid --address or --port\n");
        return 2;
    }
    if (!server.listen(address, quint16(port))) {
        std::fprintf(stderr, "promqt-network-demo: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    const QUrl metricsUrl = server.url();
    const QUrl fetchUrl = cli.isSet(QStringLiteral("url")) ? QUrl(cli.value(QStringLiteral("url"))) : metricsUrl;
    std::printf("Serving %s (fetching %s every round)\n", qPrintable(metricsUrl.toString()),
                qPrintable(fetchUrl.toString()));
    std::fflush(stdout);

    const QString command = cli.value(QStringLiteral("command"));
    const int stallMs = cli.value(QStringLiteral("stall-ms")).toInt();
    auto round = [&] {
        QNetworkReply* reply = nam.get(QNetworkRequest(fetchUrl));
        promqt::timeUntil(fetchSeconds, reply, &QNetworkReply::finished, 5s, &fetchTimeouts);
        QObject::connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        if (process.state() == QProcess::NotRunning)
            process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), command});
        if (stallMs > 0) {
            QElapsedTimer stall; // a slow slot, for the lag monitor to see
            stall.start();
            while (stall.elapsed() < stallMs) {
            }
        }
    };
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, &app, round);
    tick.start(cli.value(QStringLiteral("interval-ms")).toInt());
    round();

    if (const int quitAfter = cli.value(QStringLiteral("quit-after-ms")).toInt(); quitAfter > 0)
        QTimer::singleShot(quitAfter, &app, &QCoreApplication::quit);

    int exitCode = 0;
    if (cli.isSet(QStringLiteral("self-check"))) {
        // Once the process has run once and a fetch has completed, scrape ourselves.
        auto* check = new QTimer(&app);
        QObject::connect(check, &QTimer::timeout, &app, [&, check] { // `check` by value: its scope ends before exec()
            if (fetchSeconds.Collect().histogram.sample_count < 1 || processSeconds.Collect().histogram.sample_count < 1)
                return;
            check->stop();
            QNetworkReply* scrape = nam.get(QNetworkRequest(metricsUrl));
            QObject::connect(scrape, &QNetworkReply::finished, &app, [&, scrape] {
                const QByteArray body = scrape->readAll();
                scrape->deleteLater();
                for (const char* family :
                     {"promqt_demo_fetch_seconds_count", "promqt_demo_process_seconds_count",
                      "promqt_demo_processes_running", "promqt_network_request_duration_seconds_count{",
                      "promqt_network_requests_in_flight", "promqt_event_loop_lag_seconds_count{thread=\"main\"}",
                      "promqt_event_loop_lag_max_seconds{thread=\"main\"}", "process_open_fds",
                      "process_cpu_seconds_total"}) {
                    const bool present = body.contains(family);
                    std::printf("%-60s %s\n", family, present ? "ok" : "MISSING");
                    if (!present)
                        exitCode = 1;
                }
                std::fflush(stdout);
                app.quit();
            });
        });
        check->start(50);
    }

    const int loop = app.exec();
    return exitCode ? exitCode : loop;
}
