// SPDX-License-Identifier: MIT
// Internal machinery of promqt/signals.h: the shared state the signal lambdas update, and the
// helper QObjects that tie an adapter's lifetime to its sender. Not a public API; include
// <promqt/signals.h> instead.
#pragma once

#include <QMetaObject>
#include <QObject>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>

namespace promqt::detail {

/// Nanoseconds on std::chrono::steady_clock. Never 0 in practice (the clock counts from boot),
/// which lets 0 mean "no interval open" in IntervalState.
inline std::int64_t steadyNowNs() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// Compile-time checks shared by every signal adapter, so that a misuse fails with a message
/// naming promqt instead of deep inside QObject::connect.
template <typename Sender, typename Signal> constexpr void checkSignal() {
    using SignalType = QtPrivate::FunctionPointer<Signal>;
    static_assert(std::is_base_of_v<QObject, Sender>, "promqt: the sender must be a QObject");
    static_assert(SignalType::IsPointerToMemberFunction,
                  "promqt: pass the signal as a pointer to member, e.g. &QProcess::started "
                  "(use qOverload<Args...>(&Class::signal) for an overloaded signal)");
    if constexpr (SignalType::IsPointerToMemberFunction) {
        static_assert(std::is_base_of_v<typename SignalType::Object, Sender>,
                      "promqt: the signal must belong to the sender's class or one of its bases");
        static_assert(QtPrivate::HasQ_OBJECT_Macro<typename SignalType::Object>::Value,
                      "promqt: the signal's class must have the Q_OBJECT macro");
    }
}

/// State of one timeUntil(): whichever of "signal", "timeout" and "cancel" happens first wins.
/// Atomic because the signal may be emitted in any thread.
struct OnceFlag {
    std::atomic<bool> done{false};
    bool claim() noexcept { return !done.exchange(true, std::memory_order_acq_rel); }
};

/// State of one timeBetween(): the start of the open interval, or 0 when none is open.
/// Lock-free, so start and end may be emitted in different threads.
struct IntervalState {
    std::atomic<std::int64_t> startNs{0};

    void start() noexcept { startNs.store(steadyNowNs(), std::memory_order_release); }
    /// Closes the open interval and returns its length in seconds, or a negative value when no
    /// interval was open (an end without a start).
    double end() noexcept {
        const std::int64_t start = startNs.exchange(0, std::memory_order_acq_rel);
        if (start == 0)
            return -1.0;
        return static_cast<double>(steadyNowNs() - start) / 1e9;
    }
};

/// State of one signal-driven trackInProgress(). The phase moves Idle→Running→Idle on start/end
/// and to Stopped (final) when the adapter dies; the gauge is touched only by the thread that
/// wins the corresponding transition, so it is never incremented twice or left up.
class InProgressState {
public:
    explicit InProgressState(prometheus::Gauge& gauge) : m_gauge(gauge) {}

    void start() noexcept {
        int expected = Idle;
        if (m_phase.compare_exchange_strong(expected, Running, std::memory_order_acq_rel))
            m_gauge.Increment();
    }
    void end() noexcept {
        int expected = Running;
        if (m_phase.compare_exchange_strong(expected, Idle, std::memory_order_acq_rel))
            m_gauge.Decrement();
    }
    /// Final: brings the gauge back down if an interval is open; later signals do nothing.
    void stop() noexcept {
        if (m_phase.exchange(Stopped, std::memory_order_acq_rel) == Running)
            m_gauge.Decrement();
    }

private:
    enum : int { Idle, Running, Stopped };
    prometheus::Gauge& m_gauge;
    std::atomic<int> m_phase{Idle};
};

/// The object returned by timeBetween() and the signal form of trackInProgress().
///
/// It is a child of the sender and lives in the sender's thread, so it dies with the sender;
/// deleting it earlier disconnects the adapter (its connections use it as context). `onStop`
/// runs exactly once, from the destructor.
///
/// When created from a thread other than the sender's, the object is moved to the sender's
/// thread and the parent is set there by a queued call (QObject's child list is not
/// thread-safe, so it must not be touched from here); until that call has run, the sender's
/// `destroyed` signal deletes it instead.
class SignalAdapter final : public QObject {
    Q_OBJECT
public:
    SignalAdapter(const QObject* sender, const char* kind, std::function<void()> onStop = {});
    ~SignalAdapter() override;

    /// Number of live adapters in the process (lets tests prove nothing leaks).
    static int liveCount() noexcept;

private:
    std::function<void()> m_onStop;
};

/// The timeout of a timeUntil(): a single-shot precise timer in the calling thread. If it fires
/// while the observing connection is still connected and the OnceFlag is unclaimed, it
/// disconnects that connection and counts a timeout. It deletes itself when the timer fires,
/// when the signal arrives, or when the sender is destroyed (then nothing is counted).
class TimeoutGuard final : public QObject {
    Q_OBJECT
public:
    TimeoutGuard(const QObject* sender, std::shared_ptr<OnceFlag> flag, QMetaObject::Connection observed,
                 std::chrono::milliseconds timeout, prometheus::Counter* timeouts);
    ~TimeoutGuard() override;

    /// Number of live guards in the process (lets tests prove nothing leaks).
    static int liveCount() noexcept;

    /// The signal came (possibly queued from another thread): nothing left to guard.
    void signalArrived();

protected:
    void timerEvent(QTimerEvent* event) override;

private:
    std::shared_ptr<OnceFlag> m_flag;
    QMetaObject::Connection m_observed;
    prometheus::Counter* m_timeouts;
    int m_timerId = 0;
};

} // namespace promqt::detail
