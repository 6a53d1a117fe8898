// SPDX-License-Identifier: MIT
// The console demo: background jobs timed with promqt's QFuture adapters, served on /metrics.
//
//   promqt-console-demo [--address 127.0.0.1] [--port 9464] [--interval-ms 200]
//
// Every interval a job starts on the global thread pool. It takes 10–300 ms and fails one time
// in five. promqt times each job into a Histogram, counts failures and tracks how many jobs run.
#include <promqt/future.h>
#include <promqt/metricsserver.h>
#include <promqt/version.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QRandomGenerator>
#include <QThread>
#include <QTimer>
#include <QtConcurrent>

#include <cstdio>
#include <stdexcept>

namespace {

struct JobFailed : std::runtime_error {
    JobFailed() : std::runtime_error("job failed") {}
};

// Simulated work: what the histogram measures.
int runJob(int id) {
    const int millis = 10 + QRandomGenerator::global()->bounded(290);
    QThread::msleep(static_cast<unsigned long>(millis));
    if (QRandomGenerator::global()->bounded(5) == 0)
        throw JobFailed();
    return id;
}

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("promqt-console-demo"));

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("promqt console demo: serves /metrics"));
    cli.addHelpOption();
    cli.addOption({QStringLiteral("address"), QStringLiteral("Address to listen on."), QStringLiteral("address"),
                   QStringLiteral("127.0.0.1")});
    cli.addOption({QStringLiteral("port"), QStringLiteral("Port to listen on (0: any free port)."),
                   QStringLiteral("port"), QStringLiteral("9464")});
    cli.addOption({QStringLiteral("interval-ms"), QStringLiteral("Milliseconds between jobs."),
                   QStringLiteral("ms"), QStringLiteral("200")});
    cli.process(app);

    auto registry = std::make_shared<prometheus::Registry>();
    auto& duration = prometheus::BuildHistogram()
                         .Name("promqt_demo_job_duration_seconds")
                         .Help("Seconds each demo job took, whatever its outcome.")
                         .Register(*registry)
                         .Add({}, prometheus::Histogram::BucketBoundaries{0.025, 0.05, 0.1, 0.2, 0.3, 0.5});
    auto& failures = prometheus::BuildCounter()
                         .Name("promqt_demo_job_failures_total")
                         .Help("Demo jobs that failed with JobFailed.")
                         .Register(*registry)
                         .Add({});
    auto& inProgress = prometheus::BuildGauge()
                           .Name("promqt_demo_jobs_in_progress")
                           .Help("Demo jobs running now.")
                           .Register(*registry)
                           .Add({});
    prometheus::BuildGauge()
        .Name("promqt_demo_build_info")
        .Help("Always 1; the labels say which promqt serves this demo.")
        .Register(*registry)
        .Add({{"version", promqt::version()}})
        .Set(1);

    // The decorator form: every call of `job` is timed, counted and tracked.
    auto job = promqt::timed(duration, promqt::exceptionsCounted<JobFailed>(failures, promqt::inProgressTracked(inProgress, [](int id) {
        return QtConcurrent::run(runJob, id);
    })));

    promqt::MetricsServer server;
    server.registerCollectable(registry);
    const QHostAddress address(cli.value(QStringLiteral("address")));
    bool portOk = false;
    const uint port = cli.value(QStringLiteral("port")).toUInt(&portOk);
    if (address.isNull() || !portOk || port > 65535) {
        std::fprintf(stderr, "promqt-console-demo: invalid --address or --port\n");
        return 2;
    }
    if (!server.listen(address, quint16(port))) {
        std::fprintf(stderr, "promqt-console-demo: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    const QString url = server.url().toString();
    std::printf("Serving %s\n", qPrintable(url));
    std::printf("Try:  curl %s\n", qPrintable(url));
    std::printf("      curl -H 'Accept: application/openmetrics-text' %s\n", qPrintable(url));
    std::printf("      curl --compressed '%s?name[]=promqt_demo_job_duration_seconds'\n", qPrintable(url));
    std::printf("Stop with Ctrl-C.\n");
    std::fflush(stdout);

    int next = 0;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, &app, [&] { job(next++); });
    tick.start(cli.value(QStringLiteral("interval-ms")).toInt());
    return app.exec();
}
