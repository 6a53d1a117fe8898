// SPDX-License-Identifier: MIT
// The adapters on futures that finish in another thread at the very moment they are wrapped.
// Qt 6.4 runs a then() continuation twice when it is attached while another thread finishes the
// future, and the second run crashes inside Qt (tests/hardening/qtbug/continuation_twice.cpp);
// this was tst_future's intermittent manyConcurrentFutures crash. The deterministic test puts
// the finishing thread exactly in that window; the stress test races real threads.
#include <promqt/future.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QFutureInterface>
#include <QTest>
#include <QtConcurrent>

#include <atomic>
#include <memory>

class TestFutureRace : public QObject {
    Q_OBJECT
    std::shared_ptr<prometheus::Registry> registry;
    prometheus::Histogram* hist = nullptr;
    prometheus::Counter* errors = nullptr;
    prometheus::Gauge* inFlight = nullptr;

    quint64 samples() const { return hist->Collect().histogram.sample_count; }

private slots:
    void init() {
        registry = std::make_shared<prometheus::Registry>();
        hist = &prometheus::BuildHistogram().Name("race_seconds").Register(*registry).Add({}, prometheus::Histogram::BucketBoundaries{0.1});
        errors = &prometheus::BuildCounter().Name("race_errors_total").Register(*registry).Add({});
        inFlight = &prometheus::BuildGauge().Name("race_in_flight").Register(*registry).Add({});
    }

    // The finishing thread preempted between its two halves of reportFinished() (Finished set,
    // continuation not yet run) while the adapter attaches: observed once, result forwarded.
    void finishedButContinuationNotYetRun() {
        QFutureInterface<int> fi;
        fi.reportStarted();
        fi.reportResult(42);
        fi.QFutureInterfaceBase::reportFinished(); // first half: state Finished
        QFuture<int> out = promqt::trackInProgress(*inFlight, promqt::time(*hist, fi.future()));
        fi.reportFinished(); // second half: Qt 6.4 runs the stored continuation (again)
        QCOMPARE(out.result(), 42);
        QCOMPARE(samples(), 1u);
        QCOMPARE(inFlight->Value(), 0.0);
    }

    void sameWindowWithAnException() {
        QFutureInterface<int> fi;
        fi.reportStarted();
        fi.reportException(std::make_exception_ptr(std::runtime_error("late")));
        fi.QFutureInterfaceBase::reportFinished();
        QFuture<int> out = promqt::countExceptions(*errors, promqt::time(*hist, fi.future()));
        fi.reportFinished();
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, out.waitForFinished());
        QCOMPARE(samples(), 1u);
        QCOMPARE(errors->Value(), 1.0);
    }

    void sameWindowCanceled() {
        QFutureInterface<int> fi;
        fi.reportStarted();
        fi.cancel();
        fi.QFutureInterfaceBase::reportFinished();
        QFuture<int> out = promqt::time(*hist, fi.future());
        fi.reportFinished();
        out.waitForFinished();
        QVERIFY(out.isCanceled());
        QCOMPARE(samples(), 1u);
    }

    // Real threads: QtConcurrent::run futures finishing while they are wrapped, many rounds.
    void manyConcurrentFuturesStress() {
        std::atomic<long long> sum{0};
        const int rounds = 20, perRound = 1000;
        for (int round = 0; round < rounds; ++round) {
            QList<QFuture<int>> futures;
            for (int i = 0; i < perRound; ++i)
                futures << promqt::trackInProgress(*inFlight, promqt::time(*hist, QtConcurrent::run([i] { return i; })));
            for (auto& f : futures)
                sum += f.result();
        }
        QCOMPARE(sum.load(), (long long)rounds * perRound * (perRound - 1) / 2);
        QCOMPARE(samples(), quint64(rounds * perRound));
        QCOMPARE(inFlight->Value(), 0.0);
    }
};

QTEST_GUILESS_MAIN(TestFutureRace)
#include "tst_futurerace.moc"
