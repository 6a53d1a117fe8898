// SPDX-License-Identifier: MIT
// QCoro interop (promqt/qcoro.h), C++20. Qt Test functions cannot be coroutines (QVERIFY
// returns), so each test starts a coroutine that records what it saw, waits for it on the event
// loop, and then checks the record.
#include <promqt/qcoro.h>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QCoroTimer>
#include <QElapsedTimer>
#include <QPromise>
#include <QTest>
#include <QtConcurrent>

#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;

namespace {

struct Failure : std::runtime_error {
    Failure() : std::runtime_error("failure") {}
};

class Metrics {
public:
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    prometheus::Histogram& hist = prometheus::BuildHistogram()
                                      .Name("task_seconds")
                                      .Register(*registry)
                                      .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.1, 1});
    std::uint64_t count() const { return hist.Collect().histogram.sample_count; }
    double sum() const { return hist.Collect().histogram.sample_sum; }
};

// What a test coroutine saw when it resumed.
struct Record {
    bool done = false;
    std::optional<int> value;
    bool caught = false;
    std::uint64_t countAtResume = 0;
};

// The work being timed: suspends for `d` on the event loop.
QCoro::Task<int> answerAfter(std::chrono::milliseconds d, int value) {
    co_await QCoro::sleepFor(d);
    co_return value;
}

QCoro::Task<int> failAfter(std::chrono::milliseconds d) {
    co_await QCoro::sleepFor(d);
    throw Failure();
}

QCoro::Task<> nothingAfter(std::chrono::milliseconds d) { co_await QCoro::sleepFor(d); }

QCoro::Task<int> immediately(int value) { co_return value; }

// Busy for `sync` before its first suspension, then suspended for `async`.
QCoro::Task<int> slowStart(std::chrono::milliseconds sync, std::chrono::milliseconds async) {
    std::this_thread::sleep_for(sync);
    co_await QCoro::sleepFor(async);
    co_return 1;
}

// A plain function returning a Task that throws before any coroutine exists.
QCoro::Task<int> throwsSynchronously(int) { throw Failure(); }

} // namespace

class TestQCoro : public QObject {
    Q_OBJECT
private:
    // The coroutines under test take everything by pointer and never capture: a lambda
    // coroutine's captures die with the lambda object, long before the coroutine resumes.
    static QCoro::Task<> awaitValue(Metrics* m, Record* r, QCoro::Task<int> task) {
        r->value = co_await std::move(task);
        r->countAtResume = m->count();
        r->done = true;
    }
    static QCoro::Task<> awaitFailure(Metrics* m, Record* r, QCoro::Task<int> task) {
        try {
            co_await std::move(task);
        } catch (const Failure&) {
            r->caught = true;
            r->countAtResume = m->count();
        }
        r->done = true;
    }
    static QCoro::Task<> awaitFuture(Metrics* m, Record* r, QFuture<int> future) {
        try {
            r->value = co_await future;
        } catch (const Failure&) {
            r->caught = true;
        }
        r->countAtResume = m->count();
        r->done = true;
    }

private slots:
    void timeTaskObservesResultBeforeResuming() {
        Metrics m;
        Record r;
        QElapsedTimer wall;
        wall.start();
        auto outer = awaitValue(&m, &r, promqt::time(m.hist, answerAfter(50ms, 42)));
        QCOMPARE(m.count(), 0u);
        QTRY_VERIFY(r.done);
        QCOMPARE(r.value, 42);
        QCOMPARE(r.countAtResume, 1u);
        QVERIFY2(m.sum() >= 0.05, qPrintable(QString::number(m.sum())));
        QVERIFY(m.sum() <= wall.nsecsElapsed() / 1e9);
    }

    void timeTaskObservesExceptionAndRethrows() {
        Metrics m;
        Record r;
        auto outer = awaitFailure(&m, &r, promqt::time(m.hist, failAfter(20ms)));
        QTRY_VERIFY(r.done);
        QVERIFY(r.caught);
        QCOMPARE(r.countAtResume, 1u);
        QVERIFY(m.sum() >= 0.02);
    }

    void timeVoidTask() {
        Metrics m;
        bool done = false;
        auto outer = [](Metrics* m, bool* done) -> QCoro::Task<> {
            co_await promqt::time(m->hist, nothingAfter(20ms));
            *done = m->count() == 1;
        }(&m, &done);
        QTRY_VERIFY(done);
    }

    void timeTaskAlreadyFinished() {
        Metrics m;
        Record r;
        auto outer = awaitValue(&m, &r, promqt::time(m.hist, immediately(7)));
        // Nothing suspended: observed and resumed synchronously.
        QVERIFY(r.done);
        QCOMPARE(r.value, 7);
        QCOMPARE(r.countAtResume, 1u);
    }

    void droppedTaskStillObserved() {
        // A QCoro 0.8 Task cannot be cancelled: dropping it lets the coroutine finish anyway.
        Metrics m;
        { auto dropped = promqt::time(m.hist, answerAfter(20ms, 1)); }
        QCOMPARE(m.count(), 0u);
        QTRY_COMPARE(m.count(), 1u);
    }

    void timedTaskStartsTheClockBeforeTheCall() {
        Metrics plain, decorated;
        Record r1, r2;
        auto outer1 = awaitValue(&plain, &r1, promqt::time(plain.hist, slowStart(40ms, 20ms)));
        auto timedSlowStart = promqt::timedTask(decorated.hist, slowStart);
        auto outer2 = awaitValue(&decorated, &r2, timedSlowStart(40ms, 20ms));
        QTRY_VERIFY(r1.done && r2.done);
        QCOMPARE(r2.value, 1);
        QCOMPARE(r2.countAtResume, 1u);
        // The decorator includes the 40 ms before the first suspension; time() cannot.
        QVERIFY2(decorated.sum() >= 0.06, qPrintable(QString::number(decorated.sum())));
        QVERIFY2(plain.sum() >= 0.02, qPrintable(QString::number(plain.sum())));
    }

    void timedTaskSynchronousThrow() {
        Metrics m;
        auto timed = promqt::timedTask(m.hist, throwsSynchronously);
        QVERIFY_THROWS_EXCEPTION(Failure, timed(1));
        QCOMPARE(m.count(), 1u);
    }

    void coAwaitTimedFuture() {
        Metrics m;
        Record r;
        auto outer = awaitFuture(&m, &r, promqt::time(m.hist, QtConcurrent::run([] {
                                                          std::this_thread::sleep_for(30ms); // the work
                                                          return 5;
                                                      })));
        QTRY_VERIFY(r.done);
        QCOMPARE(r.value, 5);
        QCOMPARE(r.countAtResume, 1u);
        QVERIFY(m.sum() >= 0.03);
    }

    void coAwaitTimedFutureException() {
        Metrics m;
        Record r;
        QPromise<int> promise;
        promise.start();
        auto outer = awaitFuture(&m, &r, promqt::time(m.hist, promise.future()));
        QVERIFY(!r.done);
        promise.setException(std::make_exception_ptr(Failure()));
        promise.finish();
        QTRY_VERIFY(r.done);
        QVERIFY(r.caught); // the original type, through promqt and QCoro
        QCOMPARE(m.count(), 1u);
    }
};

QTEST_GUILESS_MAIN(TestQCoro)
#include "tst_qcoro.moc"
