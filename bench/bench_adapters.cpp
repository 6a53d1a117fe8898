// SPDX-License-Identifier: MIT
// Per-operation cost of promqt's adapters against the code a careful developer would write by
// hand for the same job, in the same run:
//   time(hist, future)            vs  future.then(...) + QElapsedTimer + Observe
//   timeBetween(hist, s, a, b)    vs  two connect()s with lambdas around a QElapsedTimer
//   countSignal / trackInProgress vs  connect() with Increment / Decrement
// Prints ns/op for each and the ratio promqt / hand-written (goal: ≤ 1.25). Build Release.
//
//   promqt-bench-adapters [iterations]    (default 200000; best of 7 rounds)
#include <promqt/future.h>
#include <promqt/signals.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFuture>
#include <QPromise>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>

class Emitter : public QObject {
    Q_OBJECT
signals:
    void started();
    void finished(int code);
};

namespace {

using Clock = std::chrono::steady_clock;

// Runs `op` `iterations` times per round and returns the best round's ns per operation: the
// minimum is the least disturbed by the other processes sharing this machine.
double nsPerOp(long iterations, int rounds, const std::function<void(long)>& round) {
    round(iterations / 10); // warm up caches, allocator and branch predictors
    double best = 1e300;
    for (int r = 0; r < rounds; ++r) {
        const auto start = Clock::now();
        round(iterations);
        const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
        best = std::min(best, ns / static_cast<double>(iterations));
    }
    return best;
}

struct Metrics {
    prometheus::Registry registry;
    prometheus::Histogram& hist = prometheus::BuildHistogram()
                                      .Name("bench_seconds")
                                      .Register(registry)
                                      .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.01, 0.1, 1});
    prometheus::Counter& counter = prometheus::BuildCounter().Name("bench_total").Register(registry).Add({});
    prometheus::Gauge& gauge = prometheus::BuildGauge().Name("bench_in_progress").Register(registry).Add({});
};

volatile long sink = 0; // keeps results alive so the compiler cannot drop the work

void report(const char* what, double ours, double hand, double baseline = -1) {
    std::printf("%-34s promqt %8.1f ns/op   hand-written %8.1f ns/op   ratio %.2f", what, ours, hand, ours / hand);
    if (baseline >= 0)
        std::printf("   (uninstrumented %.1f ns/op; added: promqt %.1f, hand-written %.1f)", baseline,
                    ours - baseline, hand - baseline);
    std::printf("\n");
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const long iterations = argc > 1 ? std::atol(argv[1]) : 200000;
    const int rounds = 7;
    Metrics m;

#ifdef NDEBUG
    const char* build = "release";
#else
    const char* build = "DEBUG (numbers not representative)";
#endif
    std::printf("promqt adapter benchmark: %ld iterations, best of %d rounds, %s build\n\n", iterations, rounds,
                build);

    // --- time() on a QFuture ------------------------------------------------------------------
    // One operation: a promise-backed future is instrumented, finished with a result, and the
    // result read from the instrumented future. The uninstrumented run shows the share of the
    // QPromise/QFuture machinery that both variants pay.
    const double futureBare = nsPerOp(iterations, rounds, [](long n) {
        for (long i = 0; i < n; ++i) {
            QPromise<int> promise;
            promise.start();
            QFuture<int> f = promise.future();
            promise.addResult(static_cast<int>(i));
            promise.finish();
            sink = sink + f.result();
        }
    });
    const double futureHand = nsPerOp(iterations, rounds, [&m](long n) {
        for (long i = 0; i < n; ++i) {
            QPromise<int> promise;
            promise.start();
            QElapsedTimer timer;
            timer.start();
            QFuture<int> f = promise.future().then([timer, &m](int value) {
                m.hist.Observe(static_cast<double>(timer.nsecsElapsed()) / 1e9);
                return value;
            });
            promise.addResult(static_cast<int>(i));
            promise.finish();
            sink = sink + f.result();
        }
    });
    const double futureOurs = nsPerOp(iterations, rounds, [&m](long n) {
        for (long i = 0; i < n; ++i) {
            QPromise<int> promise;
            promise.start();
            QFuture<int> f = promqt::time(m.hist, promise.future());
            promise.addResult(static_cast<int>(i));
            promise.finish();
            sink = sink + f.result();
        }
    });
    report("time(hist, QFuture<int>)", futureOurs, futureHand, futureBare);

    // --- timeBetween() on a signal pair -----------------------------------------------------
    // One operation: emit start, emit end (one observation). The connections are made once.
    const double signalBare = nsPerOp(iterations, rounds, [](long n) {
        Emitter e;
        for (long i = 0; i < n; ++i) {
            emit e.started();
            emit e.finished(0);
        }
    });
    const double signalHand = nsPerOp(iterations, rounds, [&m](long n) {
        Emitter e;
        QElapsedTimer timer;
        QObject::connect(&e, &Emitter::started, &e, [&timer] { timer.start(); });
        QObject::connect(&e, &Emitter::finished, &e, [&timer, &m] {
            if (!timer.isValid())
                return; // an end without a start
            m.hist.Observe(static_cast<double>(timer.nsecsElapsed()) / 1e9);
            timer.invalidate();
        });
        for (long i = 0; i < n; ++i) {
            emit e.started();
            emit e.finished(0);
        }
    });
    const double signalOurs = nsPerOp(iterations, rounds, [&m](long n) {
        Emitter e;
        promqt::timeBetween(m.hist, &e, &Emitter::started, &Emitter::finished);
        for (long i = 0; i < n; ++i) {
            emit e.started();
            emit e.finished(0);
        }
    });
    report("timeBetween(hist, start, end)", signalOurs, signalHand, signalBare);

    // --- countSignal() and trackInProgress() (for reference) --------------------------------
    const double countHand = nsPerOp(iterations, rounds, [&m](long n) {
        Emitter e;
        QObject::connect(&e, &Emitter::started, &e, [&m] { m.counter.Increment(); });
        for (long i = 0; i < n; ++i)
            emit e.started();
    });
    const double countOurs = nsPerOp(iterations, rounds, [&m](long n) {
        Emitter e;
        promqt::countSignal(m.counter, &e, &Emitter::started);
        for (long i = 0; i < n; ++i)
            emit e.started();
    });
    report("countSignal(counter, signal)", countOurs, countHand);

    const double trackHand = nsPerOp(iterations, rounds, [&m](long n) {
        Emitter e;
        bool running = false;
        QObject::connect(&e, &Emitter::started, &e, [&m, &running] {
            if (!running) {
                running = true;
                m.gauge.Increment();
            }
        });
        QObject::connect(&e, &Emitter::finished, &e, [&m, &running] {
            if (running) {
                running = false;
                m.gauge.Decrement();
            }
        });
        for (long i = 0; i < n; ++i) {
            emit e.started();
            emit e.finished(0);
        }
    });
    const double trackOurs = nsPerOp(iterations, rounds, [&m](long n) {
        Emitter e;
        promqt::trackInProgress(m.gauge, &e, &Emitter::started, &Emitter::finished);
        for (long i = 0; i < n; ++i) {
            emit e.started();
            emit e.finished(0);
        }
    });
    report("trackInProgress(gauge, start, end)", trackOurs, trackHand);

    std::printf("\ngoal: ratio <= 1.25 for time() and timeBetween()\n");
    return 0;
}

#include "bench_adapters.moc"
