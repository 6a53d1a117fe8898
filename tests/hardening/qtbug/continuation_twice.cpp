// SPDX-License-Identifier: MIT
// Minimal reproducer, without promqt, of a Qt 6.4 bug: a QFuture::then() continuation attached
// while another thread finishes the future can run TWICE; the second run uses a moved-from
// QPromise and crashes (SIGSEGV at a small address in QFutureInterfaceBase::reportStarted()).
// This is the intermittent crash of tst_future's manyConcurrentFutures.
//
// Why (qfutureinterface.cpp, Qt 6.4):
//   QFutureInterface<T>::reportFinished() is  QFutureInterfaceBase::reportFinished();  // sets Finished
//                                             QFutureInterfaceBase::runContinuation(); // runs the stored one
//   setContinuation(func): if (isFinished()) { unlock; func(*this); relock; }
//                          then, unless cleaned, STORES func as the continuation anyway.
//   runContinuation():     moves the continuation out, runs it, and puts it BACK.
// So when the finishing thread has set Finished but not yet entered runContinuation() — e.g.
// preempted under CPU load — a then() in another thread sees "finished", runs the continuation
// and stores it; the finishing thread then runs it again. Qt's then() wrapper moved its QPromise
// into the first run, so the second run calls start() on a QPromise whose d is null.
//
//   continuation_twice deterministic   single thread: the two halves of reportFinished() are
//                                      called separately, exactly as a preempted thread would
//                                      → crashes every time on Qt 6.4.2
//   continuation_twice stress [n]      QtConcurrent::run + then() n times (default 200000),
//                                      best under load (taskset -c 0, or parallel copies)
//                                      → crashes now and then on Qt 6.4.2
#include <QCoreApplication>
#include <QFuture>
#include <QFutureInterface>
#include <QtConcurrent>

#include <atomic>
#include <cstdio>
#include <cstring>

namespace {

int deterministic() {
    QFutureInterface<int> fi;
    fi.reportStarted();
    fi.reportResult(42);
    // The finishing thread, first half of reportFinished(): the future is now finished...
    fi.QFutureInterfaceBase::reportFinished();
    // ...and before it reaches runContinuation(), this thread attaches a continuation. It sees
    // "finished", runs the continuation at once (first run) — and stores it as well.
    int runs = 0;
    QFuture<int> f = fi.future();
    QFuture<int> next = f.then(QtFuture::Launch::Sync, [&runs](int v) {
        ++runs;
        return v + 1;
    });
    std::printf("after then(): continuation ran %d time(s), result %d\n", runs, next.result());
    std::fflush(stdout);
    // The finishing thread resumes: the second half of reportFinished() runs the stored
    // continuation again. Qt 6.4.2: SIGSEGV here (moved-from QPromise in Qt's then() wrapper).
    fi.reportFinished();
    std::printf("after reportFinished(): continuation ran %d time(s) — not reproduced\n", runs);
    return runs == 1 ? 0 : 1;
}

int stress(int n) {
    std::atomic<int> runs{0};
    QList<QFuture<int>> futures;
    for (int i = 0; i < n; ++i) {
        futures << QtConcurrent::run([i] { return i; }).then(QtFuture::Launch::Sync, [&runs](int v) {
            runs.fetch_add(1);
            return v;
        });
        if (futures.size() == 1000) {
            for (auto& f : futures)
                f.waitForFinished();
            futures.clear();
        }
    }
    for (auto& f : futures)
        f.waitForFinished();
    std::printf("%d continuations ran for %d futures\n", runs.load(), n);
    return runs.load() == n ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc >= 2 && std::strcmp(argv[1], "deterministic") == 0)
        return deterministic();
    if (argc >= 2 && std::strcmp(argv[1], "stress") == 0)
        return stress(argc >= 3 ? std::atoi(argv[2]) : 200000);
    std::fprintf(stderr, "usage: %s deterministic | stress [n]\n", argv[0]);
    return 2;
}
