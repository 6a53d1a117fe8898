// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// QCoro interop (C++20): time coroutines, and co_await promqt's timed futures.
///
/// Needs C++20 and QCoro (Debian: `qcoro-qt6-dev`; CMake: `find_package(QCoro6 COMPONENTS
/// Core)` and link `QCoro6::Core`). The rest of promqt stays C++17; only the code that
/// includes this header needs C++20.
///
/// Plain QCoro:
/// @code
///   QCoro::Task<QByteArray> fetch(QUrl url) {
///       const auto start = std::chrono::steady_clock::now();
///       try {
///           auto body = co_await download(url);
///           hist.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
///           co_return body;
///       } catch (...) { hist.Observe(/* the same again */); throw; }
///   }
/// @endcode
/// With promqt:
/// @code
///   QByteArray body = co_await promqt::time(hist, download(url));      // a Task
///   int answer      = co_await promqt::time(hist, QtConcurrent::run(job)); // a QFuture
///   auto timedDownload = promqt::timedTask(hist, download);              // decorator
/// @endcode
///
/// Semantics are those of time() on a QFuture (promqt/future.h): seconds on the monotonic
/// clock; observed once when the task finishes with a result or with an exception (which
/// passes through unchanged); the metric is updated *before* the awaiting coroutine resumes.
/// Cancellation does not apply: a QCoro (0.8) Task cannot be cancelled — destroying a Task
/// object does not stop its coroutine, which still finishes and is observed. A coroutine that
/// never finishes is never observed.
///
/// When does the clock start? QCoro tasks are eager: `download(url)` runs until its first
/// suspension before time() even receives the Task, so time() measures from there. To include
/// that synchronous start, wrap the coroutine function with timedTask(), whose clock starts
/// before the call. (The decorator timed() of promqt/future.h does not know QCoro tasks: given
/// a coroutine function it would time only the synchronous part — use timedTask().)
///
/// co_await on a QFuture (from <QCoroFuture>, included here) works on the futures returned by
/// promqt's future adapters like on any QFuture: the result, or the exception rethrown. Note that
/// QCoro 0.8 reads the result of a *canceled* QFuture<T> (T not void), which does not exist:
/// do not co_await a future that may be canceled, or co_await a QFuture<void> (e.g. from
/// `f.then([](auto) {})`) and check `f.isCanceled()` afterwards.
///
/// Thread-safety: as for the coroutines themselves; the metric may be shared across threads.
/// Lifetime: the metric is held by reference and must outlive the task.

#if __cplusplus < 202002L
#error "promqt/qcoro.h needs C++20 (coroutines)"
#endif

#include <promqt/future.h>

#include <QCoroFuture>
#include <QCoroTask>

#include <chrono>
#include <exception>
#include <functional>
#include <type_traits>
#include <utility>

namespace promqt {

namespace detail {

/// The coroutine behind time(Task): observes when its frame's body is left, by co_return or by
/// exception — i.e. before final suspension, so before the awaiting coroutine resumes.
template <typename Observer, typename T>
QCoro::Task<T> timeTaskSince(Observer& metric, std::chrono::steady_clock::time_point start, QCoro::Task<T> task) {
    struct ObserveOnExit {
        Observer& metric;
        std::chrono::steady_clock::time_point start;
        ~ObserveOnExit() { metric.Observe(secondsSince(start)); }
    } observe{metric, start};
    if constexpr (std::is_void_v<T>)
        co_await std::move(task);
    else
        co_return co_await std::move(task);
}

template <typename T> struct IsQCoroTask : std::false_type {};
template <typename T> struct IsQCoroTask<QCoro::Task<T>> : std::true_type {};

} // namespace detail

/// Observes the seconds from now until `task` finishes — with a result or an exception — into
/// `metric` (anything with `Observe(double)`). Returns a task that finishes the same way: same
/// result, same exception.
template <typename Observer, typename T> QCoro::Task<T> time(Observer& metric, QCoro::Task<T> task) {
    return detail::timeTaskSince(metric, std::chrono::steady_clock::now(), std::move(task));
}

/// Decorator form for coroutine functions: returns a callable that forwards its arguments to
/// `f` (which must return a QCoro::Task) and times each call from before `f` starts until its
/// task finishes. A synchronous throw from `f` (possible only if `f` is not itself a
/// coroutine) is observed and rethrown.
/// @code
///   auto fetch = promqt::timedTask(latency, [this](QUrl url) -> QCoro::Task<QByteArray> { ... });
///   QByteArray body = co_await fetch(url);
/// @endcode
template <typename Observer, typename F> auto timedTask(Observer& metric, F&& f) {
    return [&metric, f = std::forward<F>(f)](auto&&... args) mutable {
        using R = std::invoke_result_t<F&, decltype(args)...>;
        static_assert(detail::IsQCoroTask<R>::value, "promqt::timedTask: the callable must return a QCoro::Task");
        const auto start = std::chrono::steady_clock::now();
        R task;
        try {
            task = std::invoke(f, std::forward<decltype(args)>(args)...);
        } catch (...) {
            metric.Observe(detail::secondsSince(start));
            throw;
        }
        return detail::timeTaskSince(metric, start, std::move(task));
    };
}

} // namespace promqt
