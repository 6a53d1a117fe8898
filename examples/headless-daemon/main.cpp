// SPDX-License-Identifier: MIT
// promqt-headless-daemon: the embedded/headless case. A QCoreApplication service that serves its
// metrics from a ThreadedMetricsServer (scrapes never wait for the main loop), exports process
// metrics and its own event-loop lag, registers with Consul and/or a file_sd directory, and
// shuts down cleanly on SIGTERM/SIGINT — deregistering before it stops serving.
//
//   promqt-headless-daemon --address 0.0.0.0 --port 9464 --consul http://127.0.0.1:8500
//                          --file-sd /var/lib/prometheus/file_sd
//
// Signals: the handler only write()s the signal number into a socketpair (async-signal-safe);
// a QSocketNotifier on the other end runs the shutdown in the event loop. No Qt call ever runs
// in the handler.
#include <promqt/discovery.h>
#include <promqt/eventloop.h>
#include <promqt/process.h>
#include <promqt/threadedmetricsserver.h>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int g_signalFd[2] = {-1, -1}; // [0]: read by the loop, [1]: written by the handler

extern "C" void onSignal(int signo) {
    const int saved = errno;
    const char byte = char(signo);
    // Async-signal-safe; if the pipe is full a shutdown is already pending.
    [[maybe_unused]] const ssize_t n = ::write(g_signalFd[1], &byte, 1);
    errno = saved;
}

bool installSignalHandlers() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalFd) != 0)
        return false;
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    return ::sigaction(SIGTERM, &sa, nullptr) == 0 && ::sigaction(SIGINT, &sa, nullptr) == 0;
}

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("promqt-headless-daemon"));
    QCoreApplication::setApplicationVersion(QStringLiteral("1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A headless service exposing Prometheus metrics with promqt."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption addressOpt(QStringLiteral("address"), QStringLiteral("Address to listen on (default 127.0.0.1; 0.0.0.0 for all)."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption portOpt(QStringLiteral("port"), QStringLiteral("Port to listen on (default 9464; 0 picks a free one)."),
                                     QStringLiteral("port"), QStringLiteral("9464"));
    const QCommandLineOption consulOpt(QStringLiteral("consul"), QStringLiteral("Register with the Consul agent at URL."),
                                       QStringLiteral("URL"));
    const QCommandLineOption fileSdOpt(QStringLiteral("file-sd"), QStringLiteral("Write a Prometheus file_sd target into DIR."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption advertiseOpt(QStringLiteral("advertise"),
                                          QStringLiteral("Address to register (default: the listen address, or this host's address for 0.0.0.0)."),
                                          QStringLiteral("address"));
    const QCommandLineOption nameOpt(QStringLiteral("service-name"), QStringLiteral("Service name in Consul (default: the program name)."),
                                     QStringLiteral("name"), QCoreApplication::applicationName());
    parser.addOptions({addressOpt, portOpt, consulOpt, fileSdOpt, advertiseOpt, nameOpt});
    parser.process(app);

    const QHostAddress address(parser.value(addressOpt));
    bool portOk = false;
    const uint port = parser.value(portOpt).toUInt(&portOk);
    if (address.isNull() || !portOk || port > 65535) {
        std::fprintf(stderr, "invalid --address or --port\n");
        return 2;
    }
    if (!installSignalHandlers()) {
        std::perror("signal handlers");
        return 1;
    }

    // Metrics: the app's own, the process's, and the main loop's lag.
    auto registry = std::make_shared<prometheus::Registry>();
    auto& ticks = prometheus::BuildCounter()
                      .Name("daemon_work_ticks_total")
                      .Help("Units of work the daemon has done.")
                      .Register(*registry)
                      .Add({});
    auto process = std::make_shared<promqt::ProcessCollector>();
    promqt::EventLoopLagMonitor lag(*registry);
    QTimer work;
    QObject::connect(&work, &QTimer::timeout, &app, [&ticks] { ticks.Increment(); });
    work.start(1000);

    promqt::ThreadedMetricsServer server;
    server.registerCollectable(registry);
    server.registerCollectable(process);
    if (!server.listen(address, quint16(port))) {
        std::fprintf(stderr, "cannot listen on %s:%u: %s\n", qPrintable(address.toString()), port,
                     qPrintable(server.errorString()));
        return 1;
    }
    std::printf("listening on %s\n", qPrintable(server.url().toString()));
    std::fflush(stdout);

    // What to advertise: given, or the listen address unless it is "any" (then promqt's default:
    // this host's first non-loopback IPv4 address).
    QString advertise = parser.value(advertiseOpt);
    if (advertise.isEmpty() && address != QHostAddress(QHostAddress::AnyIPv4) && address != QHostAddress(QHostAddress::Any) &&
        address != QHostAddress(QHostAddress::AnyIPv6))
        advertise = address.toString();

    std::unique_ptr<promqt::ConsulAgent> consul;
    if (parser.isSet(consulOpt)) {
        consul = std::make_unique<promqt::ConsulAgent>();
        consul->setAgentUrl(QUrl(parser.value(consulOpt)));
        consul->setServiceName(parser.value(nameOpt));
        consul->setServiceId(QStringLiteral("%1-%2").arg(parser.value(nameOpt)).arg(server.serverPort()));
        consul->setTags({QStringLiteral("promqt")});
        consul->setAdvertiseAddress(advertise);
        consul->setServer(&server);
        QObject::connect(consul.get(), &promqt::ConsulAgent::registered, &app, [] {
            std::printf("registered with consul\n");
            std::fflush(stdout);
        });
        QObject::connect(consul.get(), &promqt::ConsulAgent::registrationFailed, &app,
                         [](const QString& why) { std::fprintf(stderr, "%s (will retry)\n", qPrintable(why)); });
    }
    std::unique_ptr<promqt::FileSdTarget> fileSd;
    if (parser.isSet(fileSdOpt)) {
        fileSd = std::make_unique<promqt::FileSdTarget>(parser.value(fileSdOpt));
        fileSd->setAdvertiseAddress(advertise);
        fileSd->setLabels({{QStringLiteral("service"), parser.value(nameOpt)}});
        fileSd->setServer(&server);
        QObject::connect(fileSd.get(), &promqt::FileSdTarget::errorOccurred, &app,
                         [](const QString& why) { std::fprintf(stderr, "%s\n", qPrintable(why)); });
    }

    // Shutdown, in the loop: leave discovery first (Prometheus stops scraping us before we go),
    // then stop serving. The deregistration is awaited for at most 3 s.
    bool shuttingDown = false;
    bool finished = false;
    auto finish = [&] {
        if (finished)
            return;
        finished = true;
        if (fileSd)
            fileSd->remove();
        server.stop();
        app.quit();
    };
    QSocketNotifier notifier(g_signalFd[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char signo = 0;
        [[maybe_unused]] const ssize_t n = ::read(g_signalFd[0], &signo, 1);
        if (shuttingDown)
            return;
        shuttingDown = true;
        std::printf("signal %d: shutting down\n", int(signo));
        std::fflush(stdout);
        if (!consul) {
            finish();
            return;
        }
        QObject::connect(consul.get(), &promqt::ConsulAgent::deregistered, &app, finish);
        QObject::connect(consul.get(), &promqt::ConsulAgent::deregistrationFailed, &app, finish);
        QTimer::singleShot(3000, &app, finish);
        consul->setRetryEnabled(false);
        consul->deregister();
    });

    const int rc = app.exec();
    std::printf("stopped\n");
    return rc;
}
