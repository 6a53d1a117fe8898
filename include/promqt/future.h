// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// QFuture adapters: time, count the exceptions of, and track in-flight asynchronous work.
///
/// Plain Qt:
/// @code
///   QElapsedTimer t; t.start();
///   auto f = QtConcurrent::run(job).then([&, t](QFuture<int> r) { hist.Observe(t.nsecsElapsed() / 1e9); return r.result(); });
///   // ...and cancellation is silently never observed.
/// @endcode
/// With promqt:
/// @code
///   QFuture<int> f = promqt::time(hist, QtConcurrent::run(job));
/// @endcode
///
/// Units: all durations are seconds measured on std::chrono::steady_clock.
///
/// Thread-safety: each adapter may be called from any thread. The metric is updated in the
/// thread that finishes the input future (prometheus-cpp metrics are thread-safe), synchronously
/// and without any event loop, *before* the returned future finishes.
///
/// Lifetime: the metric is held by reference. It must outlive the input future's completion
/// (metrics owned by a prometheus::Registry that lives as long as the application satisfy this).
///
/// Continuations: a Qt 6 QFuture holds one continuation. Chain further work on the *returned*
/// future, not on the one passed in.

#include <promqt/impl/futureforward.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <functional>
#include <type_traits>

namespace promqt {

namespace detail {
template <typename Observer, typename T>
QFuture<T> timeSince(Observer& metric, std::chrono::steady_clock::time_point start, QFuture<T> future) {
    return forwardOutcome(std::move(future), [&metric, start](Outcome, const std::exception_ptr&) {
        metric.Observe(secondsSince(start));
    });
}

template <typename T> QFuture<T> decrementWhenDone(prometheus::Gauge& gauge, QFuture<T> future) {
    return forwardOutcome(std::move(future),
                          [&gauge](Outcome, const std::exception_ptr&) { gauge.Decrement(); });
}
} // namespace detail

/// Observes the seconds from now until `future` finishes — with a result, an exception or
/// cancellation — into `metric` (anything with `Observe(double)`: prometheus::Histogram,
/// prometheus::Summary). Returns a future that finishes the same way as `future`: the same
/// result(s), the same exception (original type) or canceled. Never blocks.
template <typename Observer, typename T> QFuture<T> time(Observer& metric, QFuture<T> future) {
    return detail::timeSince(metric, std::chrono::steady_clock::now(), std::move(future));
}

/// Increments `counter` if `future` fails with an exception of one of `Exceptions` (or a type
/// derived from one); with no type listed, any exception counts. Cancellation is not a failure.
/// The result or exception passes through unchanged.
/// @code
///   auto f = promqt::countExceptions<std::runtime_error>(failures, QtConcurrent::run(job));
/// @endcode
template <typename... Exceptions, typename T>
QFuture<T> countExceptions(prometheus::Counter& counter, QFuture<T> future) {
    return detail::forwardOutcome(
        std::move(future), [&counter](detail::Outcome outcome, const std::exception_ptr& error) {
            if (outcome == detail::Outcome::Exception && detail::matches<Exceptions...>(error))
                counter.Increment();
        });
}

/// Increments `gauge` now and decrements it when `future` finishes in any way (result,
/// exception, cancellation — including a QPromise destroyed unfinished).
template <typename T> QFuture<T> trackInProgress(prometheus::Gauge& gauge, QFuture<T> future) {
    gauge.Increment();
    return detail::decrementWhenDone(gauge, std::move(future));
}

namespace detail {

/// Wraps `f` so that every call goes through `begin()` (returning per-call state) and then:
/// for a QFuture result, `wrapFuture(state, future)`; for a plain result or a synchronous throw,
/// `finishSync(state, error)` before the value is returned or the exception rethrown.
template <typename F, typename Begin, typename WrapFuture, typename FinishSync>
auto wrapCallable(F&& f, Begin begin, WrapFuture wrapFuture, FinishSync finishSync) {
    return [f = std::forward<F>(f), begin, wrapFuture, finishSync](auto&&... args) mutable {
        using R = std::invoke_result_t<F&, decltype(args)...>;
        auto state = begin();
        if constexpr (isQFuture<R>) {
            R future;
            try {
                future = std::invoke(f, std::forward<decltype(args)>(args)...);
            } catch (...) {
                finishSync(state, std::current_exception());
                throw;
            }
            return wrapFuture(state, std::move(future));
        } else if constexpr (std::is_void_v<R>) {
            try {
                std::invoke(f, std::forward<decltype(args)>(args)...);
            } catch (...) {
                finishSync(state, std::current_exception());
                throw;
            }
            finishSync(state, std::exception_ptr());
        } else {
            try {
                R result = std::invoke(f, std::forward<decltype(args)>(args)...);
                finishSync(state, std::exception_ptr());
                return result;
            } catch (...) {
                // Only reached if `f` threw: finishSync does not throw.
                finishSync(state, std::current_exception());
                throw;
            }
        }
    };
}

} // namespace detail

/// Decorator form of time(): returns a callable that forwards its arguments to `f`. If `f`
/// returns a QFuture, the seconds from the call until that future finishes are observed and the
/// (forwarding) future is returned; if `f` returns a plain value (or void), the call itself is
/// timed. A synchronous throw is observed and rethrown.
/// @code
///   auto fetch = promqt::timed(latency, [](QUrl u) { return QtConcurrent::run(download, u); });
///   QFuture<QByteArray> page = fetch(url);
/// @endcode
template <typename Observer, typename F> auto timed(Observer& metric, F&& f) {
    return detail::wrapCallable(
        std::forward<F>(f), [] { return std::chrono::steady_clock::now(); },
        [&metric](auto start, auto future) {
            return detail::timeSince(metric, start, std::move(future));
        },
        [&metric](auto start, const std::exception_ptr&) {
            metric.Observe(detail::secondsSince(start));
        });
}

/// Decorator form of countExceptions(): every call of the result counts a matching exception,
/// whether `f` throws synchronously (counted, then rethrown) or its QFuture fails.
template <typename... Exceptions, typename F>
auto exceptionsCounted(prometheus::Counter& counter, F&& f) {
    return detail::wrapCallable(
        std::forward<F>(f), [] { return 0; },
        [&counter](int, auto future) { return countExceptions<Exceptions...>(counter, std::move(future)); },
        [&counter](int, const std::exception_ptr& error) {
            if (error && detail::matches<Exceptions...>(error))
                counter.Increment();
        });
}

/// Decorator form of trackInProgress(): the gauge is up from each call until its QFuture
/// finishes (or, for a plain callable, until it returns or throws).
template <typename F> auto inProgressTracked(prometheus::Gauge& gauge, F&& f) {
    return detail::wrapCallable(
        std::forward<F>(f),
        [&gauge] {
            gauge.Increment();
            return 0;
        },
        [&gauge](int, auto future) { return detail::decrementWhenDone(gauge, std::move(future)); },
        [&gauge](int, const std::exception_ptr&) { gauge.Decrement(); });
}

} // namespace promqt
