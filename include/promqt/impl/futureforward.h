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

/// Returns a future that finishes exactly as `input` does — same result(s), same exception
/// object, or canceled — and calls `onFinish(Outcome, std::exception_ptr)` once, in the thread
/// that finishes `input` (or, if it has already finished, in this one), *before* the returned
/// future finishes (so a caller waiting on it sees the metric already updated).
///
/// Why a QPromise of our own: in Qt 6.4 a then() continuation is not run when its parent is
/// canceled, and onCanceled() turns cancellation into a value. Forwarding into our own promise
/// lets every ending be observed while keeping cancellation a cancellation. The continuation
/// runs synchronously in the finishing thread, so no event loop is needed there; it is attached
/// with ContinuationHook rather than then() (see there).
template <typename T, typename OnFinish> QFuture<T> forwardOutcome(QFuture<T> input, OnFinish onFinish) {
    struct State {
        QPromise<T> promise;
        OnFinish onFinish;
        std::atomic<bool> ran{false};
        explicit State(OnFinish&& f) : onFinish(std::move(f)) {}
    };
    auto state = std::make_shared<State>(std::move(onFinish));
    state->promise.start();
    QFuture<T> output = state->promise.future();

    ContinuationHook::attach(input, [state](const QFutureInterfaceBase& parent) {
        if (state->ran.exchange(true))
            return; // Qt 6.4's second call (see ContinuationHook)
        QFuture<T> finished = QFutureInterface<T>(parent).future();
        try {
            finished.waitForFinished(); // finished already; rethrows a stored exception, same type
        } catch (...) {
            auto error = std::current_exception();
            state->onFinish(Outcome::Exception, error);
            state->promise.setException(error);
            state->promise.finish();
            return;
        }
        if (finished.isCanceled()) {
            state->onFinish(Outcome::Canceled, std::exception_ptr());
            state->promise.future().cancel();
            state->promise.finish();
            return;
        }
        // Observe before the first result is published: QFuture::result() returns as soon as a
        // result exists, before finish(), and the caller may then read the metric — or destroy it.
        state->onFinish(Outcome::Result, std::exception_ptr());
        if constexpr (std::is_copy_constructible_v<T>) {
            // Forward every result: QFuture may carry several (QtConcurrent::mapped).
            const int count = finished.resultCount();
            for (int i = 0; i < count; ++i)
                state->promise.addResult(finished.resultAt(i), i);
        } else if constexpr (!std::is_void_v<T>) {
            // Move-only results. Not takeResult(): in Qt 6.4 it reset()s the input's state, so a
            // QPromise destroyed afterwards thinks it never finished and runs this continuation
            // again. The caller handed the input to us, so we move the stored value out in place
            // and leave the input finished.
            if (finished.resultCount() > 0)
                state->promise.addResult(std::move(const_cast<T&>(*finished.constBegin())));
        }
        state->promise.finish();
    });
    return output;
}

} // namespace promqt::detail
