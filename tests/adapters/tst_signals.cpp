// SPDX-License-Identifier: MIT
// The signal adapters of promqt/signals.h. Included together with promqt/future.h on purpose:
// both define a trackInProgress() and must coexist.
#include <promqt/future.h>
#include <promqt/signals.h>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <QElapsedTimer>
#include <QPointer>
#include <QProcess>
#include <QPromise>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// A sender with signals of several shapes, including an overloaded one.
class Emitter : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    void emitStarted() { emit started(); }
    void emitFinished() { emit finished(0, QStringLiteral("done")); }

signals:
    void started();
    void finished(int code, const QString& text);
    void changed(int value);
    void changed(const QString& value);
};

// An Emitter derivative, to check signals declared in a base class.
class DerivedEmitter : public Emitter {
    Q_OBJECT
public:
    using Emitter::Emitter;
};

namespace {

class Metrics {
public:
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    prometheus::Histogram& hist = prometheus::BuildHistogram()
                                      .Name("interval_seconds")
                                      .Register(*registry)
                                      .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.1, 1});
    prometheus::Summary& summary =
        prometheus::BuildSummary().Name("interval_summary_seconds").Register(*registry).Add({}, prometheus::Summary::Quantiles{});
    prometheus::Counter& counter = prometheus::BuildCounter().Name("signals_total").Register(*registry).Add({});
    prometheus::Counter& timeouts = prometheus::BuildCounter().Name("timeouts_total").Register(*registry).Add({});
    prometheus::Gauge& gauge = prometheus::BuildGauge().Name("in_progress").Register(*registry).Add({});

    std::uint64_t count() const { return hist.Collect().histogram.sample_count; }
    double sum() const { return hist.Collect().histogram.sample_sum; }
};

double elapsedSeconds(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e9; }

// The work being timed: a real wait, not synchronisation.
void work(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

// A QThread running an event loop, stopped and joined on destruction.
class Worker {
public:
    Worker() {
        thread.setObjectName(QStringLiteral("worker"));
        context->moveToThread(&thread);
        // Deferred deletions are still run by a finishing QThread.
        QObject::connect(&thread, &QThread::finished, context, &QObject::deleteLater);
        thread.start();
    }
    ~Worker() {
        thread.quit();
        thread.wait();
    }
    // Runs `fn` in the worker thread and waits for it.
    template <typename Fn> void runThere(Fn fn) {
        QMetaObject::invokeMethod(context, std::move(fn), Qt::BlockingQueuedConnection);
    }
    QThread thread;
    QObject* context = new QObject;
};

} // namespace

class TestSignals : public QObject {
    Q_OBJECT
private slots:
    void init() {
        QCOMPARE(promqt::detail::SignalAdapter::liveCount(), 0);
        QCOMPARE(promqt::detail::TimeoutGuard::liveCount(), 0);
    }
    void cleanup() {
        // Every test leaves no adapter behind (deleteLater()s need one more loop turn).
        QTRY_COMPARE(promqt::detail::SignalAdapter::liveCount(), 0);
        QTRY_COMPARE(promqt::detail::TimeoutGuard::liveCount(), 0);
    }

    // --- timeUntil ---------------------------------------------------------------------------
    void timeUntilObservesOnceThenDisconnects() {
        Metrics m;
        Emitter e;
        QElapsedTimer wall;
        wall.start();
        QMetaObject::Connection c = promqt::timeUntil(m.hist, &e, &Emitter::started);
        QVERIFY(c);
        work(30ms);
        e.emitStarted();
        const double elapsed = elapsedSeconds(wall);
        QCOMPARE(m.count(), 1u);
        QVERIFY2(m.sum() >= 0.03, qPrintable(QString::number(m.sum())));
        QVERIFY(m.sum() <= elapsed);
        QVERIFY(!c); // single shot
        e.emitStarted();
        QCOMPARE(m.count(), 1u);
    }

    void timeUntilIntoSummary() {
        Metrics m;
        Emitter e;
        promqt::timeUntil(m.summary, &e, &Emitter::started);
        e.emitStarted();
        QCOMPARE(m.summary.Collect().summary.sample_count, 1u);
    }

    void timeUntilSignalWithArguments() {
        Metrics m;
        Emitter e;
        promqt::timeUntil(m.hist, &e, &Emitter::finished);
        e.emitFinished();
        QCOMPARE(m.count(), 1u);
    }

    void timeUntilOverloadedSignal() {
        Metrics m;
        Emitter e;
        promqt::timeUntil(m.hist, &e, qOverload<const QString&>(&Emitter::changed));
        emit e.changed(1); // the other overload
        QCOMPARE(m.count(), 0u);
        emit e.changed(QStringLiteral("x"));
        QCOMPARE(m.count(), 1u);
    }

    void timeUntilSignalOfBaseClass() {
        Metrics m;
        DerivedEmitter e;
        promqt::timeUntil(m.hist, &e, &Emitter::started);
        e.emitStarted();
        QCOMPARE(m.count(), 1u);
    }

    void timeUntilNothingIfSenderDestroyedFirst() {
        Metrics m;
        auto* e = new Emitter;
        QMetaObject::Connection c = promqt::timeUntil(m.hist, e, &Emitter::started);
        delete e;
        QVERIFY(!c);
        QCOMPARE(m.count(), 0u);
    }

    void timeUntilCancelledByDisconnect() {
        Metrics m;
        Emitter e;
        QMetaObject::Connection c = promqt::timeUntil(m.hist, &e, &Emitter::started);
        QVERIFY(QObject::disconnect(c));
        e.emitStarted();
        QCOMPARE(m.count(), 0u);
    }

    void timeUntilNullSender() {
        Metrics m;
        const Emitter* none = nullptr;
        QVERIFY(!promqt::timeUntil(m.hist, none, &Emitter::started));
        QVERIFY(!promqt::timeUntil(m.hist, none, &Emitter::started, 10ms, &m.timeouts));
        QVERIFY(!promqt::countSignal(m.counter, none, &Emitter::started));
        QCOMPARE(promqt::timeBetween(m.hist, none, &Emitter::started, &Emitter::finished), nullptr);
        QCOMPARE(promqt::trackInProgress(m.gauge, none, &Emitter::started, &Emitter::finished), nullptr);
    }

    void timeUntilOnceUnderConcurrentEmission() {
        Metrics m;
        Emitter e;
        promqt::timeUntil(m.hist, &e, &Emitter::started);
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i)
            threads.emplace_back([&e] {
                for (int j = 0; j < 100; ++j)
                    e.emitStarted();
            });
        for (auto& t : threads)
            t.join();
        QCOMPARE(m.count(), 1u);
    }

    // --- timeUntil with a timeout ----------------------------------------------------------
    void timeoutCountsAndObservesNothing() {
        Metrics m;
        Emitter e;
        QMetaObject::Connection c = promqt::timeUntil(m.hist, &e, &Emitter::started, 50ms, &m.timeouts);
        QVERIFY(c);
        QTRY_COMPARE(m.timeouts.Value(), 1.0);
        QVERIFY(!c);
        e.emitStarted();
        QCOMPARE(m.count(), 0u);
        QCOMPARE(m.timeouts.Value(), 1.0);
    }

    void timeoutInMillisecondsOverloadAndNullCounter() {
        Metrics m;
        Emitter e;
        QMetaObject::Connection c = promqt::timeUntil(m.hist, &e, &Emitter::started, 20);
        QTRY_VERIFY(!c);
        QTRY_COMPARE(promqt::detail::TimeoutGuard::liveCount(), 0);
        e.emitStarted();
        QCOMPARE(m.count(), 0u);
    }

    void timeoutNotCountedWhenSignalComesFirst() {
        Metrics m;
        Emitter e;
        promqt::timeUntil(m.hist, &e, &Emitter::started, 50ms, &m.timeouts);
        QCOMPARE(promqt::detail::TimeoutGuard::liveCount(), 1);
        e.emitStarted();
        QCOMPARE(m.count(), 1u);
        // The guard and its timer are gone, so no timeout can ever be counted.
        QTRY_COMPARE(promqt::detail::TimeoutGuard::liveCount(), 0);
        QCOMPARE(m.timeouts.Value(), 0.0);
    }

    void timeoutNotCountedWhenSenderDestroyedFirst() {
        Metrics m;
        auto* e = new Emitter;
        promqt::timeUntil(m.hist, e, &Emitter::started, 50ms, &m.timeouts);
        delete e; // the guard is its child: gone at once, with its timer
        QCOMPARE(promqt::detail::TimeoutGuard::liveCount(), 0);
        QCOMPARE(m.timeouts.Value(), 0.0);
        QCOMPARE(m.count(), 0u);
    }

    void timeoutNotCountedWhenCancelled() {
        Metrics m;
        Emitter e;
        QMetaObject::Connection c = promqt::timeUntil(m.hist, &e, &Emitter::started, 30ms, &m.timeouts);
        QObject::disconnect(c);
        QTRY_COMPARE(promqt::detail::TimeoutGuard::liveCount(), 0); // its timer has fired
        QCOMPARE(m.timeouts.Value(), 0.0);
    }

    void timeoutWithOverloadedSignal() {
        Metrics m;
        Emitter e;
        promqt::timeUntil(m.hist, &e, qOverload<int>(&Emitter::changed), 5s, &m.timeouts);
        emit e.changed(QStringLiteral("not this one"));
        QCOMPARE(m.count(), 0u);
        emit e.changed(7);
        QCOMPARE(m.count(), 1u);
        QTRY_COMPARE(promqt::detail::TimeoutGuard::liveCount(), 0);
        QCOMPARE(m.timeouts.Value(), 0.0);
    }

    // --- timeBetween -----------------------------------------------------------------------
    void timeBetweenObservesEveryInterval() {
        Metrics m;
        Emitter e;
        QObject* adapter = promqt::timeBetween(m.hist, &e, &Emitter::started, &Emitter::finished);
        QVERIFY(adapter);
        QCOMPARE(adapter->parent(), &e);
        QCOMPARE(adapter->thread(), e.thread());
        double total = 0;
        for (int i = 0; i < 3; ++i) {
            QElapsedTimer wall;
            wall.start();
            e.emitStarted();
            work(20ms);
            e.emitFinished();
            total += elapsedSeconds(wall);
        }
        QCOMPARE(m.count(), 3u);
        QVERIFY2(m.sum() >= 0.06, qPrintable(QString::number(m.sum())));
        QVERIFY(m.sum() <= total);
    }

    void timeBetweenIgnoresEndWithoutStart() {
        Metrics m;
        Emitter e;
        promqt::timeBetween(m.hist, &e, &Emitter::started, &Emitter::finished);
        e.emitFinished();
        QCOMPARE(m.count(), 0u);
        e.emitStarted();
        e.emitFinished();
        e.emitFinished(); // the interval is closed: a second end is ignored too
        QCOMPARE(m.count(), 1u);
    }

    void timeBetweenSecondStartRestartsTheInterval() {
        Metrics m;
        Emitter e;
        promqt::timeBetween(m.hist, &e, &Emitter::started, &Emitter::finished);
        e.emitStarted();
        work(80ms);
        QElapsedTimer wall;
        wall.start();
        e.emitStarted(); // restarts the clock
        e.emitFinished();
        QCOMPARE(m.count(), 1u);
        QVERIFY(m.sum() <= elapsedSeconds(wall));
        QVERIFY2(m.sum() < 0.08, qPrintable(QString::number(m.sum())));
    }

    void timeBetweenSenderDestroyedMidInterval() {
        Metrics m;
        auto* e = new Emitter;
        QPointer<QObject> adapter = promqt::timeBetween(m.hist, e, &Emitter::started, &Emitter::finished);
        e->emitStarted();
        delete e;
        QVERIFY(adapter.isNull()); // died with its parent
        QCOMPARE(m.count(), 0u);
    }

    void timeBetweenStopsWhenAdapterDeleted() {
        Metrics m;
        Emitter e;
        QObject* adapter = promqt::timeBetween(m.hist, &e, &Emitter::started, &Emitter::finished);
        e.emitStarted();
        delete adapter;
        e.emitFinished();
        e.emitStarted();
        e.emitFinished();
        QCOMPARE(m.count(), 0u);
        QVERIFY(e.children().isEmpty());
    }

    void timeBetweenOverloadedSignals() {
        Metrics m;
        Emitter e;
        promqt::timeBetween(m.hist, &e, qOverload<int>(&Emitter::changed),
                            qOverload<const QString&>(&Emitter::changed));
        emit e.changed(QStringLiteral("end without start"));
        emit e.changed(1);
        emit e.changed(QStringLiteral("end"));
        QCOMPARE(m.count(), 1u);
    }

    void timeBetweenTwoAdaptersOnOneSender() {
        Metrics m;
        Emitter e;
        promqt::timeBetween(m.hist, &e, &Emitter::started, &Emitter::finished);
        promqt::timeBetween(m.summary, &e, &Emitter::started, &Emitter::finished);
        e.emitStarted();
        e.emitFinished();
        QCOMPARE(m.count(), 1u);
        QCOMPARE(m.summary.Collect().summary.sample_count, 1u);
    }

    void timeBetweenTcpSocketConnectedToDisconnected() {
        Metrics m;
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket socket;
        promqt::timeBetween(m.hist, &socket, &QAbstractSocket::connected, &QAbstractSocket::disconnected);
        QSignalSpy connected(&socket, &QAbstractSocket::connected);
        socket.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(connected.wait());
        QTRY_VERIFY(server.hasPendingConnections());
        std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
        work(20ms);
        socket.disconnectFromHost();
        QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(m.count(), 1u);
        QVERIFY(m.sum() >= 0.02);
    }

    void timeBetweenProcessStartedToFinished() {
#if defined(__SANITIZE_THREAD__)
        QSKIP("QProcess forks a multi-threaded process, which ThreadSanitizer cannot follow");
#endif
        Metrics m;
        QProcess process;
        promqt::timeBetween(m.hist, &process, &QProcess::started, &QProcess::finished);
        QSignalSpy finished(&process, &QProcess::finished);
        QElapsedTimer wall;
        wall.start();
        process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("sleep 0.1")});
        QVERIFY(finished.wait(10000));
        QCOMPARE(m.count(), 1u);
        QVERIFY2(m.sum() >= 0.09, qPrintable(QString::number(m.sum())));
        QVERIFY(m.sum() <= elapsedSeconds(wall));
    }

    // --- countSignal -----------------------------------------------------------------------
    void countSignalCountsEveryEmission() {
        Metrics m;
        Emitter e;
        QMetaObject::Connection c = promqt::countSignal(m.counter, &e, &Emitter::finished);
        for (int i = 0; i < 5; ++i)
            e.emitFinished();
        QCOMPARE(m.counter.Value(), 5.0);
        QObject::disconnect(c);
        e.emitFinished();
        QCOMPARE(m.counter.Value(), 5.0);
    }

    void countSignalOverloaded() {
        Metrics m;
        Emitter e;
        promqt::countSignal(m.counter, &e, qOverload<int>(&Emitter::changed));
        emit e.changed(1);
        emit e.changed(QStringLiteral("no"));
        emit e.changed(2);
        QCOMPARE(m.counter.Value(), 2.0);
    }

    void countSignalSenderDestroyed() {
        Metrics m;
        auto* e = new Emitter;
        QMetaObject::Connection c = promqt::countSignal(m.counter, e, &Emitter::started);
        e->emitStarted();
        delete e;
        QVERIFY(!c);
        QCOMPARE(m.counter.Value(), 1.0);
    }

    // --- trackInProgress (signal form) -----------------------------------------------------
    void trackInProgressUpAndDown() {
        Metrics m;
        Emitter e;
        QObject* adapter = promqt::trackInProgress(m.gauge, &e, &Emitter::started, &Emitter::finished);
        QCOMPARE(adapter->parent(), &e);
        e.emitFinished(); // end without start: ignored, never negative
        QCOMPARE(m.gauge.Value(), 0.0);
        e.emitStarted();
        QCOMPARE(m.gauge.Value(), 1.0);
        e.emitStarted(); // restart: still one in progress
        QCOMPARE(m.gauge.Value(), 1.0);
        e.emitFinished();
        QCOMPARE(m.gauge.Value(), 0.0);
        e.emitFinished();
        QCOMPARE(m.gauge.Value(), 0.0);
    }

    void trackInProgressCountsSenders() {
        Metrics m;
        Emitter a, b;
        promqt::trackInProgress(m.gauge, &a, &Emitter::started, &Emitter::finished);
        promqt::trackInProgress(m.gauge, &b, &Emitter::started, &Emitter::finished);
        a.emitStarted();
        b.emitStarted();
        QCOMPARE(m.gauge.Value(), 2.0);
        b.emitFinished();
        QCOMPARE(m.gauge.Value(), 1.0);
    }

    void trackInProgressSenderDestroyedMidInterval() {
        Metrics m;
        auto* e = new Emitter;
        promqt::trackInProgress(m.gauge, e, &Emitter::started, &Emitter::finished);
        e->emitStarted();
        QCOMPARE(m.gauge.Value(), 1.0);
        delete e;
        QCOMPARE(m.gauge.Value(), 0.0);
    }

    void trackInProgressSenderDestroyedWhileIdle() {
        Metrics m;
        auto* e = new Emitter;
        promqt::trackInProgress(m.gauge, e, &Emitter::started, &Emitter::finished);
        e->emitStarted();
        e->emitFinished();
        delete e;
        QCOMPARE(m.gauge.Value(), 0.0);
    }

    void trackInProgressAdapterDeletedMidInterval() {
        Metrics m;
        Emitter e;
        QObject* adapter = promqt::trackInProgress(m.gauge, &e, &Emitter::started, &Emitter::finished);
        e.emitStarted();
        delete adapter;
        QCOMPARE(m.gauge.Value(), 0.0);
        e.emitStarted();
        QCOMPARE(m.gauge.Value(), 0.0);
    }

    void trackInProgressOverloadedSignals() {
        Metrics m;
        Emitter e;
        promqt::trackInProgress(m.gauge, &e, qOverload<int>(&Emitter::changed),
                                qOverload<const QString&>(&Emitter::changed));
        emit e.changed(3);
        QCOMPARE(m.gauge.Value(), 1.0);
        emit e.changed(QStringLiteral("done"));
        QCOMPARE(m.gauge.Value(), 0.0);
    }

    void trackInProgressBothFormsTogether() {
        // The QFuture form (future.h) and the signal form (signals.h) side by side.
        Metrics m;
        Emitter e;
        QPromise<int> promise;
        promise.start();
        QFuture<int> f = promqt::trackInProgress(m.gauge, promise.future());
        promqt::trackInProgress(m.gauge, &e, &Emitter::started, &Emitter::finished);
        e.emitStarted();
        QCOMPARE(m.gauge.Value(), 2.0);
        promise.addResult(1);
        promise.finish();
        QCOMPARE(f.result(), 1);
        e.emitFinished();
        QCOMPARE(m.gauge.Value(), 0.0);
    }

    // --- senders in other threads -----------------------------------------------------------
    void crossThreadSenderAdapterMovesToItsThread() {
        Metrics m;
        Worker worker;
        auto* e = new Emitter;
        e->moveToThread(&worker.thread);
        QObject* between = promqt::timeBetween(m.hist, e, &Emitter::started, &Emitter::finished);
        QObject* tracker = promqt::trackInProgress(m.gauge, e, &Emitter::started, &Emitter::finished);
        promqt::countSignal(m.counter, e, &Emitter::finished);
        QCOMPARE(between->thread(), &worker.thread);
        QCOMPARE(tracker->thread(), &worker.thread);

        // The sender's thread adopts the adapters (a queued call): check there, not here.
        QObject* parentOfBetween = nullptr;
        QObject* parentOfTracker = nullptr;
        QTRY_VERIFY(([&] {
            worker.runThere([&] {
                parentOfBetween = between->parent();
                parentOfTracker = tracker->parent();
            });
            return parentOfBetween == e && parentOfTracker == e;
        }()));

        // Emissions happen in the worker thread; the metrics are updated there, directly.
        for (int i = 0; i < 3; ++i) {
            QMetaObject::invokeMethod(e, &Emitter::emitStarted, Qt::QueuedConnection);
            QMetaObject::invokeMethod(e, &Emitter::emitFinished, Qt::QueuedConnection);
        }
        QTRY_COMPARE(m.counter.Value(), 3.0);
        QCOMPARE(m.count(), 3u);
        QCOMPARE(m.gauge.Value(), 0.0);

        // Destroyed in its own thread mid-interval: gauge back down, adapters gone with it.
        QMetaObject::invokeMethod(e, &Emitter::emitStarted, Qt::QueuedConnection);
        QTRY_COMPARE(m.gauge.Value(), 1.0);
        e->deleteLater();
        QTRY_COMPARE(promqt::detail::SignalAdapter::liveCount(), 0);
        QCOMPARE(m.gauge.Value(), 0.0);
        QCOMPARE(m.count(), 3u);
    }

    void crossThreadSenderDestroyedBeforeAdoption() {
        // The worker thread runs no event loop yet, so the queued adoption cannot have run when
        // the sender dies: the adapter must still go away with it.
        Metrics m;
        QThread idle;
        auto* e = new Emitter;
        e->moveToThread(&idle);
        promqt::trackInProgress(m.gauge, e, &Emitter::started, &Emitter::finished);
        promqt::timeBetween(m.hist, e, &Emitter::started, &Emitter::finished);
        QCOMPARE(promqt::detail::SignalAdapter::liveCount(), 2);
        e->emitStarted(); // direct call from here: allowed, the adapters are thread-agnostic
        QCOMPARE(m.gauge.Value(), 1.0);
        delete e; // the thread never ran, so deleting from here is safe
        QCOMPARE(promqt::detail::SignalAdapter::liveCount(), 0);
        QCOMPARE(m.gauge.Value(), 0.0);
        QCOMPARE(m.count(), 0u);
    }

    void crossThreadTimeUntilWithTimeout() {
        Metrics m;
        Worker worker;
        auto* e = new Emitter;
        e->moveToThread(&worker.thread);
        // Signal first: observed in the worker thread, the guard here is told through a queued call.
        promqt::timeUntil(m.hist, e, &Emitter::started, 10s, &m.timeouts);
        QMetaObject::invokeMethod(e, &Emitter::emitStarted, Qt::QueuedConnection);
        QTRY_COMPARE(m.count(), 1u);
        QTRY_COMPARE(promqt::detail::TimeoutGuard::liveCount(), 0);

        // Sender destroyed first (in its thread): no timeout is counted, the guard goes away.
        promqt::timeUntil(m.hist, e, &Emitter::started, 10s, &m.timeouts);
        QCOMPARE(promqt::detail::TimeoutGuard::liveCount(), 1);
        QMetaObject::invokeMethod(e, [e] { delete e; }, Qt::QueuedConnection);
        QTRY_COMPARE(promqt::detail::TimeoutGuard::liveCount(), 0);
        QCOMPARE(m.timeouts.Value(), 0.0);
        QCOMPARE(m.count(), 1u);
    }

    void crossThreadTimeout() {
        Metrics m;
        Worker worker;
        auto* e = new Emitter;
        e->moveToThread(&worker.thread);
        QMetaObject::Connection c = promqt::timeUntil(m.hist, e, &Emitter::started, 30ms, &m.timeouts);
        QTRY_COMPARE(m.timeouts.Value(), 1.0);
        QVERIFY(!c);
        QMetaObject::invokeMethod(e, &Emitter::emitStarted, Qt::BlockingQueuedConnection);
        QCOMPARE(m.count(), 0u);
        QMetaObject::invokeMethod(e, [e] { delete e; }, Qt::BlockingQueuedConnection);
    }

    void signalsEmittedFromAnotherThreadThanTheSenders() {
        // QThread::started and ::finished are emitted by the new thread while the QThread object
        // lives here: the interval is measured where the signals are emitted.
        Metrics m;
        QThread thread;
        promqt::timeBetween(m.hist, &thread, &QThread::started, &QThread::finished);
        promqt::trackInProgress(m.gauge, &thread, &QThread::started, &QThread::finished);
        auto* context = new QObject;
        context->moveToThread(&thread);
        QObject::connect(&thread, &QThread::finished, context, &QObject::deleteLater);
        thread.start();
        QMetaObject::invokeMethod(context, [] { work(30ms); }, Qt::BlockingQueuedConnection);
        QCOMPARE(m.gauge.Value(), 1.0);
        thread.quit();
        QVERIFY(thread.wait(5000));
        QCOMPARE(m.count(), 1u);
        QVERIFY(m.sum() >= 0.03);
        QCOMPARE(m.gauge.Value(), 0.0);
    }

    void concurrentEmittersCountEveryEmission() {
        Metrics m;
        Emitter e;
        promqt::countSignal(m.counter, &e, &Emitter::started);
        promqt::trackInProgress(m.gauge, &e, &Emitter::started, &Emitter::finished);
        promqt::timeBetween(m.hist, &e, &Emitter::started, &Emitter::finished);
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i)
            threads.emplace_back([&e] {
                for (int j = 0; j < 500; ++j) {
                    e.emitStarted();
                    e.emitFinished();
                }
            });
        for (auto& t : threads)
            t.join();
        QCOMPARE(m.counter.Value(), 2000.0);
        QCOMPARE(m.gauge.Value(), 0.0); // every start was matched by an end
        QVERIFY(m.count() >= 1u);
        QVERIFY(m.count() <= 2000u);
    }
};

QTEST_GUILESS_MAIN(TestSignals)
#include "tst_signals.moc"
