// SPDX-License-Identifier: MIT
// Internal machinery of promqt/future.h: forward a QFuture's outcome to a new future and tell a
// callback how it ended. Not a public API; include <promqt/future.h> instead.
#pragma once

#include <QException>
#include <QFuture>
#include <QPromise>

#include <atomic>
#include <chrono>
#include <functional>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

namespace promqt::detail {

/// How a watched future ended.
enum class Outcome { Result, Exception, Canceled };

/// Seconds on the monotonic clock since `start`.
inline double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <typename T> struct IsQFuture : std::false_type {};
template <typename T> struct IsQFuture<QFuture<T>> : std::true_type {};
template <typename T> inline constexpr bool isQFuture = IsQFuture<std::decay_t<T>>::value;

template <typename E> bool matchesOne(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const E&) {
        return true;
    } catch (const QUnhandledException& wrapped) {
        // QtConcurrent::run wraps exceptions that are not QExceptions; match what it carries.
        return wrapped.exception() && matchesOne<E>(wrapped.exception());
    } catch (...) {
        return false;
    }
}

/// True if `error` is one of Exceptions (or derived from one); with no types listed, any error.
template <typename... Exceptions> bool matches(const std::exception_ptr& error) {
    if constexpr (sizeof...(Exceptions) == 0) {
        return static_cast<bool>(error);
    } else {
        return (matchesOne<Exceptions>(error) || ...);
    }
}

/// Attaches a run-once continuation to a QFuture, through the hook QFuture::then() itself uses.
///
/// Why not then(): Qt 6.4 runs a then() continuation TWICE when it is attached while another
/// thread finishes the future. QFutureInterfaceBase::setContinuation() sees "finished", runs the
/// continuation and stores it anyway; the finishing thread, between the two halves of
/// reportFinished() (set Finished, then runContinuation()), then runs the stored one again —
/// and the second run dereferences the moved-from QPromise inside Qt's then() wrapper (SIGSEGV
/// at 0xbc in QFutureInterfaceBase::reportStarted()). That was tst_future's intermittent
/// manyConcurrentFutures crash; tests/hardening/qtbug/continuation_twice.cpp reproduces it
/// without promqt. A continuation of our own can simply ignore its second call.
class ContinuationHook : public QFutureInterfaceBase {
public:
    using Function = std::function<void(const QFutureInterfaceBase&)>;
    template <typename T> static void attach(const QFuture<T>& future, Function function) {
        // setContinuation() is protected: named through this derived class, its address is a
        // plain pointer to a QFutureInterfaceBase member, callable on any such object.
        void (QFutureInterfaceBase::*set)(Function) = &ContinuationHook::setContinuation;
        QFutureInterfaceBase base = QFutureInterfaceBase::get(future); // shares the future's state
        (base.*set)(std::move(function));
    }
};

/// Owns the output promise of forwardOutcome(). Held only by the continuation attached to the
/// input, so its destructor runs when that continuation is destroyed; if it never ran by then
/// (an input that is destroyed unfinished without a QPromise to cancel it), the output is
/// canceled and the cancellation observed there.
template <typename T, typename OnFinish> class Forwarder {
public:
    explicit Forwarder(OnFinish&& onFinish) : m_onFinish(std::move(onFinish)) { m_promise.start(); }
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;
    ~Forwarder() {
        if (!m_settled.exchange(true))
            cancel();
    }

    QFuture<T> future() const { return m_promise.future(); }

    /// Called with the finished input; only the first call counts (see ContinuationHook).
    void settle(QFuture<T> finished) {
        if (m_settled.exchange(true))
            return;
        try {
            finished.waitForFinished(); // finished already; rethrows a stored exception, same type
        } catch (...) {
            auto error = std::current_exception();
            m_onFinish(Outcome::Exception, error);
            m_promise.setException(error);
            m_promise.finish();
            return;
        }
        if (finished.isCanceled()) { // canceled, or its QPromise died unfinished
            cancel();
            return;
        }
        // Observe before the first result is published: QFuture::result() returns as soon as a
        // result exists, before finish(), and the caller may then read the metric — or destroy it.
        m_onFinish(Outcome::Result, std::exception_ptr());
        if constexpr (std::is_copy_constructible_v<T>) {
            // Forward every result: QFuture may carry several (QtConcurrent::mapped).
            const int count = finished.resultCount();
            for (int i = 0; i < count; ++i)
                m_promise.addResult(finished.resultAt(i), i);
        } else if constexpr (!std::is_void_v<T>) {
            // Move-only results. Not takeResult(): in Qt 6.4 it reset()s the input's state, so a
            // QPromise destroyed afterwards thinks it never finished and runs the continuation
            // again. The caller handed the input to us, so we move the stored value out in place
            // and leave the input finished.
            if (finished.resultCount() > 0)
                m_promise.addResult(std::move(const_cast<T&>(*finished.constBegin())));
        }
        m_promise.finish();
    }

private:
    /// Observe the cancellation, then cancel the output the same way.
    void cancel() {
        try {
            m_onFinish(Outcome::Canceled, std::exception_ptr());
        } catch (...) {
            // an observer that throws must not terminate the finishing thread
        }
        m_promise.future().cancel();
        m_promise.finish();
    }

    QPromise<T> m_promise;
    OnFinish m_onFinish;
    std::atomic<bool> m_settled{false};
};

/// Returns a future that finishes exactly as `input` does — same result(s), same exception
/// object, or canceled — and calls `onFinish(Outcome, std::exception_ptr)` once, in the thread
/// that finishes `input` (or in this one, if it has finished already), before the returned
/// future publishes a result or finishes (so a caller waiting on it sees the metric already
/// updated).
///
/// Why our own promise and not just `input.then(...)`: in Qt 6.4 a then() continuation is not
/// run when its parent is canceled (its future is simply canceled), onCanceled() turns
/// cancellation into a value — and then() itself may run a continuation twice (see
/// ContinuationHook). The continuation runs synchronously in the finishing thread, so no event
/// loop is needed there.
template <typename T, typename OnFinish> QFuture<T> forwardOutcome(QFuture<T> input, OnFinish onFinish) {
    auto forwarder = std::make_shared<Forwarder<T, OnFinish>>(std::move(onFinish));
    QFuture<T> output = forwarder->future();
    ContinuationHook::attach(input, [forwarder](const QFutureInterfaceBase& parent) {
        forwarder->settle(QFutureInterface<T>(parent).future());
    });
    return output;
}

} // namespace promqt::detail
