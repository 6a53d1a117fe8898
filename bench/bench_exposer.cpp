// SPDX-License-Identifier: MIT
// A metrics server for load tests: the same registry served by promqt's MetricsServer or by
// prometheus-cpp's civetweb Exposer. bench/exposer.sh runs wrk against both in one go.
//
//   promqt-bench-exposer --impl promqt|civetweb --series N --port P --seconds S
//
// Prints "READY" once serving. In promqt mode a 1 ms timer measures how late the event loop runs
// it — the worst stall a GUI on this loop would see — and prints it when the run ends.
#include <promqt/metricsserver.h>

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>

namespace {
std::atomic<bool> stopRequested{false};

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// Measures the CPU time of every event the loop dispatches: the longest one is the longest the
// loop was blocked by work of its own, whatever the OS scheduler did meanwhile.
class TimedApplication : public QCoreApplication {
public:
    using QCoreApplication::QCoreApplication;
    bool notify(QObject* receiver, QEvent* event) override {
        if (depth++ > 0) {
            const bool r = QCoreApplication::notify(receiver, event);
            --depth;
            return r;
        }
        const double start = threadCpuSeconds();
        const bool r = QCoreApplication::notify(receiver, event);
        worstEvent = std::max(worstEvent, threadCpuSeconds() - start);
        --depth;
        return r;
    }
    double worstEvent = 0;
    int depth = 0;
};
void onSignal(int) { stopRequested = true; }
} // namespace

int main(int argc, char* argv[]) {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::string impl = "promqt";
    int series = 1000, port = 9464, seconds = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--impl"))
            impl = argv[i + 1];
        else if (!std::strcmp(argv[i], "--series"))
            series = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--port"))
            port = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--seconds"))
            seconds = std::atoi(argv[i + 1]);
    }
    auto registry = std::make_shared<prometheus::Registry>();
    auto& family = prometheus::BuildCounter().Name("bench_requests_total").Help("Benchmark counters.").Register(*registry);
    for (int i = 0; i < series; ++i)
        family.Add({{"handler", "/api/v1/item/" + std::to_string(i)}}).Increment(i);

    if (impl == "civetweb") {
        prometheus::Exposer exposer("127.0.0.1:" + std::to_string(port));
        exposer.RegisterCollectable(registry);
        std::printf("READY\n");
        std::fflush(stdout);
        for (int i = 0; i < seconds * 20 && !stopRequested; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return 0;
    }

    TimedApplication app(argc, argv);
    promqt::MetricsServer server;
    server.registerCollectable(registry);
    if (!server.listen(QHostAddress::LocalHost, quint16(port))) {
        std::fprintf(stderr, "%s\n", qPrintable(server.errorString()));
        return 1;
    }
    // Loop-stall probe: a 1 ms precise timer; any lateness beyond its interval is time the
    // event loop spent elsewhere (serving).
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed(), worst = 0, ticks = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        worst = std::max(worst, now - last - 1'000'000);
        last = now;
        ++ticks;
    });
    probe.start(1);
    QTimer::singleShot(seconds * 1000, &app, &QCoreApplication::quit);
    QTimer stopPoll; // signal handlers may only set a flag; the loop notices it here
    QObject::connect(&stopPoll, &QTimer::timeout, &app, [] {
        if (stopRequested)
            QCoreApplication::quit();
    });
    stopPoll.start(50);
    std::printf("READY\n");
    std::fflush(stdout);
    app.exec();
    std::printf("max_loop_stall_ms=%.3f max_event_cpu_ms=%.3f probes=%lld\n", worst / 1e6,
                app.worstEvent * 1e3, ticks);
    return 0;
}
