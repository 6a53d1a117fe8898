// SPDX-License-Identifier: MIT
// Non-template parts of the signal adapters (promqt/signals.h).
#include <promqt/impl/signaladapters.h>

#include <QPointer>
#include <QThread>
#include <QTimerEvent>

namespace promqt::detail {

namespace {
std::atomic<int> liveAdapters{0};
std::atomic<int> liveGuards{0};
} // namespace

SignalAdapter::SignalAdapter(const QObject* sender, const char* kind, std::function<void()> onStop)
    : m_onStop(std::move(onStop)) {
    liveAdapters.fetch_add(1, std::memory_order_relaxed);
    setObjectName(QLatin1String(kind));
    auto* owner = const_cast<QObject*>(sender); // parenting needs a non-const pointer; nothing else changes
    if (owner->thread() == thread()) {
        setParent(owner);
        return;
    }
    // The sender lives in another thread. A QObject's parent must live in the same thread, and
    // the sender's child list may only be changed from its own thread: move there, and let that
    // thread adopt us. Until it has (it may not even run an event loop), the sender's
    // `destroyed` takes care of deleting us. Both handlers run in the sender's thread (the
    // `destroyed` one directly, wherever the sender is deleted), so they never race each other.
    moveToThread(owner->thread());
    connect(owner, &QObject::destroyed, this, [this] {
        if (!parent())
            delete this; // not adopted yet; once adopted, the parent deletes us right after this
    }, Qt::DirectConnection);
    QMetaObject::invokeMethod(
        this, [this, owner] { setParent(owner); }, Qt::QueuedConnection);
}

SignalAdapter::~SignalAdapter() {
    if (m_onStop)
        m_onStop();
    liveAdapters.fetch_sub(1, std::memory_order_relaxed);
}

int SignalAdapter::liveCount() noexcept { return liveAdapters.load(std::memory_order_relaxed); }

TimeoutGuard::TimeoutGuard(const QObject* sender, std::shared_ptr<OnceFlag> flag,
                           QMetaObject::Connection observed, std::chrono::milliseconds timeout,
                           prometheus::Counter* timeouts)
    : m_flag(std::move(flag)), m_observed(std::move(observed)), m_timeouts(timeouts) {
    liveGuards.fetch_add(1, std::memory_order_relaxed);
    setObjectName(QStringLiteral("promqt::timeUntil"));
    auto* owner = const_cast<QObject*>(sender);
    if (owner->thread() == thread()) {
        // Same thread: as a child, we die with the sender and can never outlive it.
        setParent(owner);
    } else {
        // Another thread: we stay here (the timer must run in the caller's thread) and hear of
        // the sender's death through a queued call.
        connect(owner, &QObject::destroyed, this, &QObject::deleteLater);
    }
    m_timerId = startTimer(timeout, Qt::PreciseTimer);
}

TimeoutGuard::~TimeoutGuard() { liveGuards.fetch_sub(1, std::memory_order_relaxed); }

int TimeoutGuard::liveCount() noexcept { return liveGuards.load(std::memory_order_relaxed); }

void TimeoutGuard::signalArrived() {
    if (m_timerId) {
        killTimer(m_timerId);
        m_timerId = 0;
    }
    deleteLater();
}

void TimeoutGuard::timerEvent(QTimerEvent* event) {
    if (event->timerId() != m_timerId) {
        QObject::timerEvent(event);
        return;
    }
    killTimer(m_timerId);
    m_timerId = 0;
    // A connection that is no longer connected means: the signal was observed (single-shot),
    // the sender died, or the caller cancelled. Only a pending wait times out. The flag decides
    // a race with an emission happening right now in another thread.
    if (m_observed && m_flag->claim()) {
        QObject::disconnect(m_observed);
        if (m_timeouts)
            m_timeouts->Increment();
    }
    deleteLater();
}

} // namespace promqt::detail
