// SPDX-License-Identifier: MIT
// promqt::EventLoopLagMonitor: a blocked loop shows up as lag, an idle one does not.
#include <promqt/eventloop.h>

#include <prometheus/registry.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <memory>
#include <optional>

namespace {

// Busy-waits `ms` milliseconds: this blocks the event loop, which is what is being measured.
void blockLoop(int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
    }
}

struct Sample {
    std::uint64_t count = 0;
    double sum = 0;
    double max = -1;
    std::uint64_t above100ms = 0; // observations > 0.1 s
};

// Reads the two families for `thread` from the registry, as a scrape would.
std::optional<Sample> read(const prometheus::Registry& registry, const std::string& thread) {
    Sample s;
    bool found = false;
    for (const auto& family : registry.Collect()) {
        for (const auto& metric : family.metric) {
            if (metric.label.size() != 1 || metric.label[0].name != "thread" || metric.label[0].value != thread)
                continue;
            if (family.name == "promqt_event_loop_lag_seconds") {
                found = true;
                s.count = metric.histogram.sample_count;
                s.sum = metric.histogram.sample_sum;
                for (const auto& b : metric.histogram.bucket)
                    if (b.upper_bound == 0.1)
                        s.above100ms = s.count - b.cumulative_count;
            } else if (family.name == "promqt_event_loop_lag_max_seconds") {
                s.max = metric.gauge.value;
            }
        }
    }
    if (!found)
        return std::nullopt;
    return s;
}

} // namespace

class TestEventLoop : public QObject {
    Q_OBJECT
private slots:
    void defaultsAndProperties() {
        prometheus::Registry registry;
        promqt::EventLoopLagMonitor monitor(registry);
        QCOMPARE(monitor.interval(), 100);
        QCOMPARE(monitor.intervalAsDuration(), std::chrono::milliseconds(100));
        QCOMPARE(monitor.window(), 15000);
        QVERIFY(monitor.isActive());
        QCOMPARE(monitor.threadName(), QStringLiteral("main")); // the unnamed application thread

        QSignalSpy intervalChanged(&monitor, &promqt::EventLoopLagMonitor::intervalChanged);
        QSignalSpy activeChanged(&monitor, &promqt::EventLoopLagMonitor::activeChanged);
        monitor.setInterval(std::chrono::milliseconds(20));
        QCOMPARE(monitor.interval(), 20);
        QCOMPARE(intervalChanged.count(), 1);
        monitor.setInterval(20);
        QCOMPARE(intervalChanged.count(), 1);
        QCOMPARE(activeChanged.count(), 0); // a restart is not a stop
        monitor.stop();
        QVERIFY(!monitor.isActive());
        QCOMPARE(activeChanged.count(), 1);
        monitor.start();
        QVERIFY(monitor.isActive());

        // Both families exist (with the thread label) before the first probe.
        const auto s = read(registry, "main");
        QVERIFY(s);
        QCOMPARE(s->count, 0u);
    }

    void idleLoopShowsSmallLag() {
        prometheus::Registry registry;
        promqt::EventLoopLagMonitor monitor(registry, QStringLiteral("idle"));
        monitor.setInterval(10);
        QSignalSpy probes(&monitor, &promqt::EventLoopLagMonitor::lagMeasured);
        QTRY_VERIFY_WITH_TIMEOUT(probes.count() >= 20, 10000);
        std::vector<double> lags;
        for (const auto& args : probes)
            lags.push_back(args.at(0).toDouble());
        std::sort(lags.begin(), lags.end());
        const double median = lags[lags.size() / 2];
        // An idle loop runs a precise timer within about a millisecond; allow for a busy
        // machine (other builds share these cores) but stay far below any real stall.
        QVERIFY2(median < 0.005, qPrintable(QString::number(median)));
        const auto s = read(registry, "idle");
        QVERIFY(s);
        QVERIFY(s->count >= 20);
        QVERIFY2(s->sum / static_cast<double>(s->count) < 0.02, qPrintable(QString::number(s->sum / s->count)));
        QCOMPARE(s->above100ms, 0u);
    }

    void blockedLoopShowsUpAsLag() {
        prometheus::Registry registry;
        promqt::EventLoopLagMonitor monitor(registry, QStringLiteral("blocked"));
        monitor.setInterval(10);
        QSignalSpy probes(&monitor, &promqt::EventLoopLagMonitor::lagMeasured);
        QVERIFY(probes.wait());
        // Block the loop for 200 ms from inside a slot, as a slow handler would.
        QMetaObject::invokeMethod(this, [] { blockLoop(200); }, Qt::QueuedConnection);
        QTRY_VERIFY(monitor.maxLag() >= 0.18);
        QVERIFY2(monitor.maxLag() < 1.0, qPrintable(QString::number(monitor.maxLag())));
        const auto s = read(registry, "blocked");
        QVERIFY(s);
        QVERIFY2(s->max >= 0.18, qPrintable(QString::number(s->max)));
        QCOMPARE(s->max, monitor.maxLag());
        QCOMPARE(s->above100ms, 1u);
        QVERIFY(s->sum >= 0.18);
    }

    void maxLagForgetsAfterTheWindow() {
        prometheus::Registry registry;
        promqt::EventLoopLagMonitor monitor(registry, QStringLiteral("window"));
        monitor.setInterval(10);
        monitor.setWindow(std::chrono::milliseconds(300));
        QSignalSpy probes(&monitor, &promqt::EventLoopLagMonitor::lagMeasured);
        QVERIFY(probes.wait());
        QMetaObject::invokeMethod(this, [] { blockLoop(200); }, Qt::QueuedConnection);
        QTRY_VERIFY(monitor.maxLag() >= 0.18);
        // Once the stall is older than the window, the gauge falls back to the idle level.
        QTRY_VERIFY_WITH_TIMEOUT(monitor.maxLag() < 0.1, 5000);
        const auto s = read(registry, "window");
        QVERIFY(s);
        QVERIFY(s->max < 0.1);
        QCOMPARE(s->above100ms, 1u); // the histogram keeps it, of course
    }

    void stoppedMonitorDoesNotProbe() {
        prometheus::Registry registry;
        promqt::EventLoopLagMonitor monitor(registry, QStringLiteral("stopped"));
        monitor.setInterval(5);
        monitor.stop();
        QSignalSpy probes(&monitor, &promqt::EventLoopLagMonitor::lagMeasured);
        // Another timer of the same kind, started later, runs: had the monitor been probing,
        // it would have probed several times by then.
        QTimer other;
        other.setTimerType(Qt::PreciseTimer);
        other.setSingleShot(true);
        QSignalSpy fired(&other, &QTimer::timeout);
        other.start(50);
        QVERIFY(fired.wait());
        QCOMPARE(probes.count(), 0);
        QCOMPARE(read(registry, "stopped")->count, 0u);
    }

    void monitorsItsOwnThreadLabelledByName() {
        prometheus::Registry registry;
        QThread worker;
        worker.setObjectName(QStringLiteral("io-worker"));
        worker.start();
        promqt::EventLoopLagMonitor* monitor = nullptr;
        auto* context = new QObject;
        context->moveToThread(&worker);
        QObject::connect(&worker, &QThread::finished, context, &QObject::deleteLater);
        // Created inside the worker thread: it measures that thread's loop.
        QMetaObject::invokeMethod(context, [&] {
            monitor = new promqt::EventLoopLagMonitor(registry);
            monitor->setInterval(10);
            QObject::connect(&worker, &QThread::finished, monitor, &QObject::deleteLater);
        }, Qt::BlockingQueuedConnection);
        QCOMPARE(monitor->threadName(), QStringLiteral("io-worker"));
        QTRY_VERIFY(read(registry, "io-worker") && read(registry, "io-worker")->count >= 3);
        QVERIFY(!read(registry, "main"));

        // Block the worker's loop, not ours: only its series shows it.
        QMetaObject::invokeMethod(context, [] { blockLoop(200); }, Qt::QueuedConnection);
        QTRY_VERIFY(read(registry, "io-worker")->max >= 0.18);
        worker.quit();
        QVERIFY(worker.wait(5000));
    }
};

QTEST_GUILESS_MAIN(TestEventLoop)
#include "tst_eventloop.moc"
