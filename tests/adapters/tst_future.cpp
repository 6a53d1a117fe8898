// SPDX-License-Identifier: MIT
#include <promqt/future.h>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <QElapsedTimer>
#include <QPromise>
#include <QTest>
#include <QtConcurrent>

#include <memory>
#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;

namespace {

struct BaseError : std::runtime_error {
    BaseError() : std::runtime_error("base") {}
};
struct DerivedError : BaseError {};
struct OtherError : std::logic_error {
    OtherError() : std::logic_error("other") {}
};

class Metrics {
public:
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    prometheus::Histogram& hist = prometheus::BuildHistogram()
                                      .Name("job_seconds")
                                      .Register(*registry)
                                      .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.1, 1});
    prometheus::Counter& failures = prometheus::BuildCounter().Name("failures_total").Register(*registry).Add({});
    prometheus::Gauge& inFlight = prometheus::BuildGauge().Name("in_flight").Register(*registry).Add({});

    std::uint64_t count() const { return hist.Collect().histogram.sample_count; }
    double sum() const { return hist.Collect().histogram.sample_sum; }
};

// Finishes `promise` on a plain std::thread (no event loop there) after `delay`.
template <typename Fn> std::thread finishLater(std::chrono::milliseconds delay, Fn fn) {
    return std::thread([delay, fn = std::move(fn)]() mutable {
        std::this_thread::sleep_for(delay); // the work being timed, not synchronisation
        fn();
    });
}

// Runs `job` on the global pool and reports a thrown exception with its original type, as a
// QPromise-based producer does (QtConcurrent::run would wrap it in QUnhandledException).
template <typename F> auto runOnPool(F job) -> QFuture<decltype(job())> {
    using T = decltype(job());
    return QtConcurrent::run([job](QPromise<T>& promise) {
        try {
            if constexpr (std::is_void_v<T>)
                job();
            else
                promise.addResult(job());
        } catch (...) {
            promise.setException(std::current_exception());
        }
    });
}

} // namespace

class TestFuture : public QObject {
    Q_OBJECT
private slots:
    // --- time -----------------------------------------------------------------------------
    void timeResultPassesThrough() {
        Metrics m;
        QFuture<int> f = promqt::time(m.hist, QtConcurrent::run([] { return 42; }));
        QCOMPARE(f.result(), 42);
        QCOMPARE(m.count(), 1u);
    }

    void timeMeasuresSecondsOnAnotherThreadWithoutEventLoop() {
        Metrics m;
        QPromise<QString> promise;
        promise.start();
        QElapsedTimer wall;
        wall.start();
        QFuture<QString> f = promqt::time(m.hist, promise.future());
        QCOMPARE(m.count(), 0u);
        std::thread t = finishLater(60ms, [&promise] {
            promise.addResult(QStringLiteral("done"));
            promise.finish();
        });
        f.waitForFinished(); // no event loop runs in this thread or the finishing one
        const double elapsed = wall.nsecsElapsed() / 1e9;
        t.join();
        QCOMPARE(f.result(), QStringLiteral("done"));
        QCOMPARE(m.count(), 1u);
        QVERIFY2(m.sum() >= 0.055, qPrintable(QString::number(m.sum())));
        QVERIFY(m.sum() <= elapsed);
    }

    void timeExceptionPassesThroughWithItsType() {
        Metrics m;
        QFuture<int> f = promqt::time(m.hist, runOnPool([]() -> int { throw DerivedError(); }));
        bool caughtDerived = false;
        try {
            f.waitForFinished();
        } catch (const DerivedError&) {
            caughtDerived = true;
        }
        QVERIFY(caughtDerived);
        QCOMPARE(m.count(), 1u);
    }

    void qtConcurrentWrappedExceptionIsMatchedByInnerType() {
        Metrics m;
        // QtConcurrent::run reports a non-QException as QUnhandledException: it passes through
        // unchanged, and countExceptions matches the exception it carries.
        QFuture<int> f = promqt::countExceptions<BaseError>(
            m.failures, promqt::time(m.hist, QtConcurrent::run([]() -> int { throw DerivedError(); })));
        try {
            f.waitForFinished();
            QFAIL("no exception");
        } catch (const QUnhandledException& e) {
            QVERIFY(e.exception());
            QVERIFY_THROWS_EXCEPTION(DerivedError, std::rethrow_exception(e.exception()));
        }
        QCOMPARE(m.failures.Value(), 1.0);
        QCOMPARE(m.count(), 1u);
    }

    void timeObservesCancelAndStaysCanceled() {
        Metrics m;
        QPromise<int> promise;
        promise.start();
        QFuture<int> f = promqt::time(m.hist, promise.future());
        promise.future().cancel();
        promise.finish();
        QVERIFY(f.isFinished());
        QVERIFY(f.isCanceled());
        QCOMPARE(f.resultCount(), 0);
        QCOMPARE(m.count(), 1u);
    }

    void timeObservesPromiseDestroyedUnfinished() {
        Metrics m;
        QFuture<int> f;
        {
            QPromise<int> promise;
            promise.start();
            f = promqt::time(m.hist, promise.future());
        }
        QVERIFY(f.isFinished());
        QVERIFY(f.isCanceled());
        QCOMPARE(m.count(), 1u);
    }

    void timeVoidAndSummary() {
        Metrics m;
        auto& summary = prometheus::BuildSummary().Name("s").Register(*m.registry).Add({}, prometheus::Summary::Quantiles{});
        QFuture<void> f = promqt::time(summary, QtConcurrent::run([] {}));
        f.waitForFinished();
        QCOMPARE(summary.Collect().summary.sample_count, 1u);
    }

    void timeMoveOnlyResult() {
        Metrics m;
        QPromise<std::unique_ptr<int>> promise;
        promise.start();
        QFuture<std::unique_ptr<int>> f = promqt::time(m.hist, promise.future());
        promise.addResult(std::make_unique<int>(7));
        promise.finish();
        QVERIFY(f.isFinished());
        std::unique_ptr<int> value = f.takeResult();
        QVERIFY(value);
        QCOMPARE(*value, 7);
        QCOMPARE(m.count(), 1u);
    }

    void timeForwardsSeveralResults() {
        Metrics m;
        QFuture<int> f = promqt::time(m.hist, QtConcurrent::mapped(QList<int>{1, 2, 3}, [](int x) { return x * 10; }));
        f.waitForFinished();
        QCOMPARE(f.results(), (QList<int>{10, 20, 30}));
        QCOMPARE(m.count(), 1u);
    }

    void timeOfAlreadyFinishedFuture() {
        Metrics m;
        QFuture<int> f = promqt::time(m.hist, QtFuture::makeReadyFuture(5));
        QVERIFY(f.isFinished());
        QCOMPARE(f.result(), 5);
        QCOMPARE(m.count(), 1u);
    }

    void returnedFutureChainsWithThen() {
        Metrics m;
        QFuture<int> f = promqt::time(m.hist, QtConcurrent::run([] { return 2; })).then([](int x) { return x * 3; });
        QCOMPARE(f.result(), 6);
        QCOMPARE(m.count(), 1u);
    }

    // --- countExceptions --------------------------------------------------------------------
    void countExceptionsFilter_data() {
        QTest::addColumn<int>("thrown"); // 0 none, 1 base, 2 derived, 3 other
        QTest::addColumn<int>("countedFiltered");
        QTest::addColumn<int>("countedAny");
        QTest::newRow("success") << 0 << 0 << 0;
        QTest::newRow("matching") << 1 << 1 << 1;
        QTest::newRow("derived") << 2 << 1 << 1;
        QTest::newRow("non-matching") << 3 << 0 << 1;
    }
    void countExceptionsFilter() {
        QFETCH(int, thrown);
        QFETCH(int, countedFiltered);
        QFETCH(int, countedAny);
        Metrics m;
        auto& any = prometheus::BuildCounter().Name("any_total").Register(*m.registry).Add({});
        auto job = [thrown]() -> int {
            if (thrown == 1)
                throw BaseError();
            if (thrown == 2)
                throw DerivedError();
            if (thrown == 3)
                throw OtherError();
            return 1;
        };
        QFuture<int> filtered = promqt::countExceptions<BaseError>(m.failures, runOnPool(job));
        QFuture<int> all = promqt::countExceptions(any, runOnPool(job));
        for (QFuture<int>* f : {&filtered, &all}) {
            try {
                QCOMPARE(f->result(), 1);
                QCOMPARE(thrown, 0);
            } catch (const BaseError&) {
                QVERIFY(thrown == 1 || thrown == 2);
            } catch (const OtherError&) {
                QCOMPARE(thrown, 3);
            }
        }
        QCOMPARE(m.failures.Value(), double(countedFiltered));
        QCOMPARE(any.Value(), double(countedAny));
    }

    void countExceptionsSeveralTypes() {
        Metrics m;
        auto f = promqt::countExceptions<OtherError, BaseError>(
            m.failures, runOnPool([]() -> int { throw OtherError(); }));
        QVERIFY_THROWS_EXCEPTION(OtherError, f.waitForFinished());
        QCOMPARE(m.failures.Value(), 1.0);
    }

    void cancellationIsNotAFailure() {
        Metrics m;
        QPromise<void> promise;
        promise.start();
        QFuture<void> f = promqt::countExceptions(m.failures, promise.future());
        promise.future().cancel();
        promise.finish();
        QVERIFY(f.isCanceled());
        QCOMPARE(m.failures.Value(), 0.0);
    }

    // --- trackInProgress --------------------------------------------------------------------
    void trackInProgressEveryEnding_data() {
        QTest::addColumn<int>("ending"); // 0 result, 1 exception, 2 cancel, 3 destroyed
        QTest::newRow("result") << 0;
        QTest::newRow("exception") << 1;
        QTest::newRow("cancel") << 2;
        QTest::newRow("promise destroyed") << 3;
    }
    void trackInProgressEveryEnding() {
        QFETCH(int, ending);
        Metrics m;
        auto promise = std::make_unique<QPromise<int>>();
        promise->start();
        QFuture<int> f = promqt::trackInProgress(m.inFlight, promise->future());
        QFuture<int> g = promqt::trackInProgress(m.inFlight, QFuture<int>(f));
        QCOMPARE(m.inFlight.Value(), 2.0);
        std::thread t([&] {
            switch (ending) {
            case 0: promise->addResult(1); promise->finish(); break;
            case 1: promise->setException(std::make_exception_ptr(BaseError())); promise->finish(); break;
            case 2: promise->future().cancel(); promise->finish(); break;
            default: promise.reset(); break;
            }
        });
        t.join();
        QVERIFY(g.isFinished());
        QCOMPARE(m.inFlight.Value(), 0.0);
        QCOMPARE(g.isCanceled(), ending != 0);
    }

    // --- callable forms ---------------------------------------------------------------------
    void timedFutureCallable() {
        Metrics m;
        auto run = promqt::timed(m.hist, [](int x) { return QtConcurrent::run([x] { return x + 1; }); });
        QCOMPARE(run(1).result(), 2);
        QCOMPARE(run(2).result(), 3);
        QCOMPARE(m.count(), 2u);
    }

    void timedPlainValueAndVoid() {
        Metrics m;
        auto square = promqt::timed(m.hist, [](int x) { return x * x; });
        QCOMPARE(square(4), 16);
        auto nothing = promqt::timed(m.hist, [] {});
        nothing();
        QCOMPARE(m.count(), 2u);
    }

    void timedSynchronousThrowIsObservedAndRethrown() {
        Metrics m;
        auto bad = promqt::timed(m.hist, []() -> QFuture<int> { throw BaseError(); });
        QVERIFY_THROWS_EXCEPTION(BaseError, bad());
        auto badPlain = promqt::timed(m.hist, []() -> int { throw OtherError(); });
        QVERIFY_THROWS_EXCEPTION(OtherError, badPlain());
        QCOMPARE(m.count(), 2u);
    }

    void exceptionsCountedSyncAndAsync() {
        Metrics m;
        auto job = promqt::exceptionsCounted<BaseError>(m.failures, [](int mode) -> QFuture<int> {
            if (mode == 0)
                throw DerivedError();
            if (mode == 1)
                throw OtherError();
            return runOnPool([]() -> int { throw BaseError(); });
        });
        QVERIFY_THROWS_EXCEPTION(DerivedError, job(0));
        QVERIFY_THROWS_EXCEPTION(OtherError, job(1));
        QVERIFY_THROWS_EXCEPTION(BaseError, job(2).waitForFinished());
        QCOMPARE(m.failures.Value(), 2.0);

        auto plain = promqt::exceptionsCounted(m.failures, [](bool fail) {
            if (fail)
                throw OtherError();
            return 1;
        });
        QCOMPARE(plain(false), 1);
        QVERIFY_THROWS_EXCEPTION(OtherError, plain(true));
        QCOMPARE(m.failures.Value(), 3.0);
    }

    void inProgressTrackedCallable() {
        Metrics m;
        QPromise<int> promise;
        promise.start();
        auto track = promqt::inProgressTracked(m.inFlight, [&promise] { return promise.future(); });
        QFuture<int> f = track();
        QCOMPARE(m.inFlight.Value(), 1.0);
        promise.addResult(3);
        promise.finish();
        QCOMPARE(f.result(), 3);
        QCOMPARE(m.inFlight.Value(), 0.0);

        double seenInside = -1;
        auto plain = promqt::inProgressTracked(m.inFlight, [&] { seenInside = m.inFlight.Value(); });
        plain();
        QCOMPARE(seenInside, 1.0);
        QCOMPARE(m.inFlight.Value(), 0.0);
        auto throwing = promqt::inProgressTracked(m.inFlight, []() -> int { throw BaseError(); });
        QVERIFY_THROWS_EXCEPTION(BaseError, throwing());
        QCOMPARE(m.inFlight.Value(), 0.0);
    }

    void manyConcurrentFutures() {
        Metrics m;
        QList<QFuture<int>> futures;
        for (int i = 0; i < 200; ++i)
            futures << promqt::trackInProgress(m.inFlight, promqt::time(m.hist, QtConcurrent::run([i] { return i; })));
        int total = 0;
        for (auto& f : futures)
            total += f.result();
        QCOMPARE(total, 199 * 200 / 2);
        QCOMPARE(m.count(), 200u);
        QCOMPARE(m.inFlight.Value(), 0.0);
    }
};

QTEST_GUILESS_MAIN(TestFuture)
#include "tst_future.moc"
