// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// Signal adapters: time how long until a signal comes, time every start→end interval of a
/// signal pair, count a signal, and track "in progress" between two signals.
///
/// Plain Qt:
/// @code
///   auto* clock = new QElapsedTimer;                      // who deletes it? when?
///   connect(process, &QProcess::started, [clock] { clock->start(); });
///   connect(process, &QProcess::finished, [clock, &hist] {
///       if (clock->isValid()) hist.Observe(clock->nsecsElapsed() / 1e9);
///       clock->invalidate();
///   });
///   // ...and an in-progress gauge stays up forever if `process` is deleted mid-run.
/// @endcode
/// With promqt:
/// @code
///   promqt::timeBetween(hist, process, &QProcess::started, &QProcess::finished);
///   promqt::trackInProgress(running, process, &QProcess::started, &QProcess::finished);
/// @endcode
///
/// Signals are pointer-to-member functions with any arguments (the arguments are ignored);
/// pick one of several overloads with `qOverload<Args...>(&Class::signal)`.
///
/// Units: all durations are seconds measured on std::chrono::steady_clock; timeouts are
/// milliseconds (int or std::chrono::milliseconds).
///
/// Thread-safety: every function may be called from any thread, for a sender living in any
/// thread. The metric is updated synchronously in the thread that *emits* the signal (a direct
/// call, never queued), so the time measured is the time of emission even when the sender lives
/// in another thread; prometheus-cpp metrics are thread-safe and promqt's own per-adapter state
/// is lock-free.
///
/// Lifetime: metrics are held by reference. They must outlive the sender — or the returned
/// connection/object, if you end that earlier and no other thread can be emitting the signals at
/// that moment. Metrics owned by a prometheus::Registry that lives as long as the application
/// satisfy this. The adapters never touch a destroyed sender: when the sender dies first,
/// nothing more is observed and the adapter cleans itself up.
///
/// This header can be included together with <promqt/future.h>: the signal form of
/// trackInProgress() is an overload of the QFuture one (different parameters).

#include <promqt/impl/signaladapters.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <chrono>
#include <memory>

namespace promqt {

/// Observes, once, the seconds from now until `sender` emits `signal`, into `metric` (anything
/// with `Observe(double)`: prometheus::Histogram, prometheus::Summary); then disconnects.
/// Nothing is observed if the sender is destroyed first, or if you disconnect the returned
/// connection first (that is how to cancel).
/// @code
///   // Plain Qt: QElapsedTimer t; t.start();
///   //           connect(socket, &QTcpSocket::connected, [t, &h] { h.Observe(t.nsecsElapsed() / 1e9); });
///   //           ...which fires on every reconnect too, and keeps the lambda until the socket dies.
///   socket->connectToHost(host, port);
///   promqt::timeUntil(connectLatency, socket, &QTcpSocket::connected);
/// @endcode
/// @return the connection; it is disconnected once the signal has been observed.
template <typename Observer, typename Sender, typename Signal>
QMetaObject::Connection timeUntil(Observer& metric, const Sender* sender, Signal signal) {
    detail::checkSignal<Sender, Signal>();
    if (!sender)
        return {};
    const std::int64_t start = detail::steadyNowNs();
    auto flag = std::make_shared<detail::OnceFlag>();
    // The sender is the context: the connection (and the lambda) go away with it. A single-shot
    // connection frees the lambda after the first emission; the flag additionally makes "once"
    // hold when two threads emit at the same time.
    return QObject::connect(
        sender, signal, sender,
        [&metric, start, flag] {
            if (flag->claim())
                metric.Observe(static_cast<double>(detail::steadyNowNs() - start) / 1e9);
        },
        static_cast<Qt::ConnectionType>(Qt::DirectConnection | Qt::SingleShotConnection));
}

/// Like timeUntil(metric, sender, signal), but gives up after `timeout`: if the signal has not
/// come by then, nothing is observed, the connection is disconnected and `timeouts` (if not
/// null) is incremented. Nothing is counted if the sender is destroyed first or the
/// connection is disconnected first.
///
/// The timeout is a Qt::PreciseTimer in the calling thread, so that thread must run an event
/// loop (as for QTimer). The counter, like the metric, must outlive the sender.
/// @code
///   promqt::timeUntil(startup, process, &QProcess::started, 5s, &startupTimeouts);
/// @endcode
template <typename Observer, typename Sender, typename Signal>
QMetaObject::Connection timeUntil(Observer& metric, const Sender* sender, Signal signal,
                                  std::chrono::milliseconds timeout, prometheus::Counter* timeouts = nullptr) {
    detail::checkSignal<Sender, Signal>();
    if (!sender)
        return {};
    const std::int64_t start = detail::steadyNowNs();
    auto flag = std::make_shared<detail::OnceFlag>();
    QMetaObject::Connection observed = QObject::connect(
        sender, signal, sender,
        [&metric, start, flag] {
            if (flag->claim())
                metric.Observe(static_cast<double>(detail::steadyNowNs() - start) / 1e9);
        },
        static_cast<Qt::ConnectionType>(Qt::DirectConnection | Qt::SingleShotConnection));
    auto* guard = new detail::TimeoutGuard(sender, flag, observed, timeout, timeouts);
    // Lets the guard go away as soon as the signal comes instead of waiting for its timer.
    // Automatic connection: queued into the guard's thread when emitted elsewhere.
    QObject::connect(sender, signal, guard, [guard] { guard->signalArrived(); }, Qt::SingleShotConnection);
    return observed;
}

/// Overload of the timeout form taking the timeout in milliseconds.
template <typename Observer, typename Sender, typename Signal>
QMetaObject::Connection timeUntil(Observer& metric, const Sender* sender, Signal signal, int timeoutMs,
                                  prometheus::Counter* timeouts = nullptr) {
    return timeUntil(metric, sender, signal, std::chrono::milliseconds(timeoutMs), timeouts);
}

/// Observes the seconds of every `start`→`end` interval of `sender` into `metric`, e.g.
/// QProcess::started→QProcess::finished or QAbstractSocket::connected→disconnected.
///
/// - An `end` without an open interval is ignored.
/// - A second `start` before an `end` restarts the interval: the clock is reset and only the
///   last start counts (one sender has at most one interval open).
/// - If the sender is destroyed mid-interval, that interval is not observed.
///
/// @return a helper QObject, child of `sender` (it lives in the sender's thread and dies with
/// it). Delete it to stop observing — with deleteLater() if the sender lives in another thread.
/// Null if `sender` is null.
template <typename Observer, typename Sender, typename Start, typename End>
QObject* timeBetween(Observer& metric, const Sender* sender, Start start, End end) {
    detail::checkSignal<Sender, Start>();
    detail::checkSignal<Sender, End>();
    if (!sender)
        return nullptr;
    auto state = std::make_shared<detail::IntervalState>();
    auto* adapter = new detail::SignalAdapter(sender, "promqt::timeBetween");
    // Direct connections: the clock is read in the emitting thread at the moment of emission.
    // The adapter is the context, so deleting it disconnects both.
    QObject::connect(sender, start, adapter, [state] { state->start(); }, Qt::DirectConnection);
    QObject::connect(
        sender, end, adapter,
        [state, &metric] {
            const double seconds = state->end();
            if (seconds >= 0)
                metric.Observe(seconds);
        },
        Qt::DirectConnection);
    return adapter;
}

/// Increments `counter` every time `sender` emits `signal`, until the sender is destroyed or
/// the returned connection is disconnected.
/// @code
///   // Plain Qt: connect(socket, &QAbstractSocket::errorOccurred, [&c] { c.Increment(); });
///   promqt::countSignal(socketErrors, socket, &QAbstractSocket::errorOccurred);
/// @endcode
template <typename Sender, typename Signal>
QMetaObject::Connection countSignal(prometheus::Counter& counter, const Sender* sender, Signal signal) {
    detail::checkSignal<Sender, Signal>();
    if (!sender)
        return {};
    return QObject::connect(sender, signal, sender, [&counter] { counter.Increment(); }, Qt::DirectConnection);
}

/// Increments `gauge` when `sender` emits `start` and decrements it on `end` — and also when
/// the sender is destroyed, or the returned object deleted, while "in progress", so the gauge
/// never stays up for a sender that is gone.
///
/// One sender is in progress at most once: a second `start` before `end` does not increment
/// again (like timeBetween(), it restarts the same interval), and an `end` without a start is
/// ignored. The gauge therefore counts the senders currently between `start` and `end`.
/// @code
///   // Plain Qt: ++ on started, -- on finished... and forget to -- when the QProcess is deleted.
///   promqt::trackInProgress(runningJobs, process, &QProcess::started, &QProcess::finished);
/// @endcode
/// @return a helper QObject, child of `sender` (see timeBetween()). Null if `sender` is null.
template <typename Sender, typename Start, typename End>
QObject* trackInProgress(prometheus::Gauge& gauge, const Sender* sender, Start start, End end) {
    detail::checkSignal<Sender, Start>();
    detail::checkSignal<Sender, End>();
    if (!sender)
        return nullptr;
    auto state = std::make_shared<detail::InProgressState>(gauge);
    auto* adapter = new detail::SignalAdapter(sender, "promqt::trackInProgress", [state] { state->stop(); });
    QObject::connect(sender, start, adapter, [state] { state->start(); }, Qt::DirectConnection);
    QObject::connect(sender, end, adapter, [state] { state->end(); }, Qt::DirectConnection);
    return adapter;
}

} // namespace promqt
