// SPDX-License-Identifier: MIT
// Happens-before edges that ThreadSanitizer cannot see by itself. Private to promqt.
//
// Debian's Qt is not built with TSan, so the mutex inside QThreadPool (a futex in Qt's own code)
// is invisible to it: a task built in one thread and run in a pool thread looks like a race.
// Annotating our own hand-offs keeps TSan useful for promqt's code instead of suppressing whole
// stacks. Without TSan these compile to nothing.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define PROMQT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PROMQT_TSAN 1
#endif
#endif

#ifdef PROMQT_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace promqt::detail {

/// Everything this thread wrote before is visible to a thread that later calls acquire(token).
inline void tsanRelease([[maybe_unused]] const void* token) {
#ifdef PROMQT_TSAN
    __tsan_release(const_cast<void*>(token));
#endif
}

inline void tsanAcquire([[maybe_unused]] const void* token) {
#ifdef PROMQT_TSAN
    __tsan_acquire(const_cast<void*>(token));
#endif
}

} // namespace promqt::detail
