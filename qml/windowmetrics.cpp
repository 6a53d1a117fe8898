// SPDX-License-Identifier: MIT
#include <promqt/windowmetrics.h>

#include <promqt/qml.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QQmlInfo>
#include <QQuickItem>
#include <QQuickWindow>
#include <QThread>

#include <atomic>
#include <cmath>
#include <chrono>
#include <mutex>

namespace promqt {

namespace detail {

namespace {
qint64 nowNs()
{
    // steady_clock never returns 0 in practice, so 0 can mean "none" below.
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

void atomicMax(std::atomic<qint64>& target, qint64 value)
{
    qint64 current = target.load(std::memory_order_relaxed);
    while (value > current && !target.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
    }
}
} // namespace

/// Everything the frameSwapped handler touches. Shared with the connection, so a frame being
/// recorded on the render thread while the WindowMetrics is destroyed on the GUI thread still
/// finds its data alive; the series stay alive through `registry`.
struct FrameRecorder {
    std::shared_ptr<prometheus::Registry> registry;
    prometheus::Histogram* interval = nullptr;
    prometheus::Counter* frames = nullptr;
    prometheus::Counter* overBudget = nullptr;
    prometheus::Gauge* budget = nullptr;

    std::atomic<qint64> budgetNs{0};
    std::atomic<qint64> idleThresholdNs{0}; // 0: no idle detection
    std::atomic<qint64> lastSwapNs{0};      // 0: no frame yet
    std::atomic<qint64> waitStartNs{0};     // GUI thread waiting for events since; 0: not waiting
    std::atomic<qint64> longestWaitNs{0};   // longest wait since the last frame

    std::atomic<quint64> frameCount{0};
    std::atomic<quint64> measuredCount{0};
    std::atomic<quint64> overBudgetCount{0};
    std::atomic<qint64> lastIntervalNs{0};

    std::mutex ownerMutex;
    WindowMetrics* owner = nullptr; // cleared by the owner's destructor, under ownerMutex
    std::atomic<bool> notifyPending{false};

    // GUI thread: the event dispatcher is about to wait for events.
    void beginWait() { waitStartNs.store(nowNs(), std::memory_order_relaxed); }

    // GUI thread: an event arrived (or the dispatcher woke up): the wait is over.
    void endWait()
    {
        if (waitStartNs.load(std::memory_order_relaxed) == 0)
            return; // the common case, kept cheap: this runs for every event
        const qint64 start = waitStartNs.exchange(0, std::memory_order_relaxed);
        if (start != 0)
            atomicMax(longestWaitNs, nowNs() - start);
    }

    // Any thread (frameSwapped's).
    void onFrame()
    {
        const qint64 now = nowNs();
        frames->Increment();
        frameCount.fetch_add(1, std::memory_order_relaxed);
        const qint64 previous = lastSwapNs.exchange(now, std::memory_order_relaxed);
        // The longest wait of this interval, including a wait still going on (threaded render
        // loop); that one is restarted so the next interval only sees its own share.
        qint64 longestWait = longestWaitNs.exchange(0, std::memory_order_relaxed);
        qint64 waitStart = waitStartNs.load(std::memory_order_relaxed);
        if (waitStart != 0 && waitStartNs.compare_exchange_strong(waitStart, now, std::memory_order_relaxed))
            longestWait = std::max(longestWait, now - waitStart);

        if (previous != 0) {
            const qint64 intervalNs = now - previous;
            lastIntervalNs.store(intervalNs, std::memory_order_relaxed);
            const qint64 idle = idleThresholdNs.load(std::memory_order_relaxed);
            // Idle: the GUI thread waited for events longer than the threshold, and that wait
            // is most of the interval (a thread descheduled while polling on a loaded machine
            // must not hide a long slot that followed).
            const bool idleGap = idle > 0 && longestWait > idle && 2 * longestWait > intervalNs;
            if (!idleGap) {
                interval->Observe(double(intervalNs) / 1e9);
                measuredCount.fetch_add(1, std::memory_order_relaxed);
                if (intervalNs > budgetNs.load(std::memory_order_relaxed)) {
                    overBudget->Increment();
                    overBudgetCount.fetch_add(1, std::memory_order_relaxed);
                }
            }
        }

        if (!notifyPending.exchange(true)) {
            // Queued even on the GUI thread: bindings on the counts must not run inside
            // frameSwapped. Posted under the mutex, so the owner cannot be destroyed meanwhile.
            std::lock_guard lock(ownerMutex);
            if (owner)
                QMetaObject::invokeMethod(owner, "emitFramesChanged", Qt::QueuedConnection);
        }
    }
};

} // namespace detail

namespace {

const prometheus::Histogram::BucketBoundaries& frameBuckets()
{
    // Dense around 1/120, 1/60 and 1/30 s, then coarse for stalls.
    static const prometheus::Histogram::BucketBoundaries buckets{
            0.004, 0.008, 0.0125, 0.0167, 0.02, 0.025, 0.0333, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0};
    return buckets;
}

qint64 toNs(double seconds)
{
    return qint64(seconds * 1e9);
}

} // namespace

WindowMetrics::WindowMetrics(QObject* parent)
    : QObject(parent), m_registry(Qml::defaultRegistry())
{
}

WindowMetrics::WindowMetrics(QQuickWindow* window, std::shared_ptr<prometheus::Registry> registry,
                             QObject* parent)
    : QObject(parent), m_window(window),
      m_registry(registry ? std::move(registry) : Qml::defaultRegistry())
{
    if (window)
        connect(window, &QObject::destroyed, this, &WindowMetrics::rebind);
    rebind();
}

WindowMetrics::~WindowMetrics()
{
    if (m_recorder) {
        std::lock_guard lock(m_recorder->ownerMutex);
        m_recorder->owner = nullptr;
    }
    if (m_filterInstalled && QCoreApplication::instance())
        QCoreApplication::instance()->removeEventFilter(this);
}

QQuickWindow* WindowMetrics::window() const
{
    return effectiveWindow();
}

QQuickWindow* WindowMetrics::effectiveWindow() const
{
    return m_window ? m_window.data() : m_parentWindow.data();
}

void WindowMetrics::setWindow(QQuickWindow* window)
{
    if (window == m_window)
        return;
    const QQuickWindow* before = effectiveWindow();
    if (m_window)
        disconnect(m_window, &QObject::destroyed, this, &WindowMetrics::rebind);
    m_window = window;
    if (window)
        connect(window, &QObject::destroyed, this, &WindowMetrics::rebind);
    if (effectiveWindow() != before) {
        emit windowChanged();
        rebind();
    }
}

void WindowMetrics::setName(const QString& name)
{
    if (name == m_name)
        return;
    m_name = name;
    emit nameChanged();
    rebind();
}

void WindowMetrics::setBudget(double seconds)
{
    if (seconds == m_budget)
        return;
    if (!(seconds > 0) || !std::isfinite(seconds)) {
        qmlWarning(this) << QStringLiteral("budget: must be a positive number of seconds, not %1; "
                                           "keeping %2")
                                    .arg(seconds)
                                    .arg(m_budget);
        return;
    }
    m_budget = seconds;
    if (m_recorder) {
        m_recorder->budgetNs = toNs(seconds);
        m_recorder->budget->Set(seconds);
    }
    emit budgetChanged();
}

void WindowMetrics::setIdleThreshold(double seconds)
{
    if (seconds == m_idleThreshold)
        return;
    if (!(seconds >= 0) || !std::isfinite(seconds)) {
        qmlWarning(this) << QStringLiteral("idleThreshold: must be 0 or a positive number of "
                                           "seconds, not %1; keeping %2")
                                    .arg(seconds)
                                    .arg(m_idleThreshold);
        return;
    }
    m_idleThreshold = seconds;
    if (m_recorder)
        m_recorder->idleThresholdNs = toNs(seconds);
    updateIdleTracking();
    emit idleThresholdChanged();
}

void WindowMetrics::setRegistry(QmlRegistry* registry)
{
    auto resolved = registry ? registry->registry() : Qml::defaultRegistry();
    if (registry == m_registryObject && resolved == m_registry)
        return;
    if (m_registryObject)
        disconnect(m_registryObject, &QObject::destroyed, this, &WindowMetrics::registryChanged);
    m_registryObject = registry;
    m_registry = std::move(resolved);
    if (registry)
        connect(registry, &QObject::destroyed, this, &WindowMetrics::registryChanged);
    emit registryChanged();
    rebind();
}

double WindowMetrics::frameCount() const
{
    return m_recorder ? double(m_recorder->frameCount.load()) : 0.0;
}

double WindowMetrics::measuredCount() const
{
    return m_recorder ? double(m_recorder->measuredCount.load()) : 0.0;
}

double WindowMetrics::overBudgetCount() const
{
    return m_recorder ? double(m_recorder->overBudgetCount.load()) : 0.0;
}

double WindowMetrics::lastInterval() const
{
    return m_recorder ? double(m_recorder->lastIntervalNs.load()) / 1e9 : 0.0;
}

void WindowMetrics::classBegin()
{
    m_deferBinding = true;
}

void WindowMetrics::componentComplete()
{
    m_deferBinding = false;
    followParentWindow();
    rebind();
}

WindowMetrics* WindowMetrics::qmlAttachedProperties(QObject* object)
{
    auto* metrics = new WindowMetrics(object);
    // Attached objects get no componentComplete(), and their properties are assigned after
    // creation: bind once they are, so no series is created under a provisional label.
    metrics->m_deferBinding = true;
    QMetaObject::invokeMethod(metrics, [metrics] { metrics->componentComplete(); }, Qt::QueuedConnection);
    return metrics;
}

void WindowMetrics::followParentWindow()
{
    // Tracked even while `window` is set, so clearing `window` falls back to it.
    QQuickWindow* found = qobject_cast<QQuickWindow*>(parent());
    if (auto* item = qobject_cast<QQuickItem*>(parent())) {
        found = item->window();
        // An item may be shown in another window (or none) later.
        disconnect(m_parentItemConnection);
        m_parentItemConnection = connect(item, &QQuickItem::windowChanged, this,
                                         [this](QQuickWindow* w) { setParentWindow(w, true); });
    }
    setParentWindow(found, false);
}

void WindowMetrics::setParentWindow(QQuickWindow* window, bool rebindNow)
{
    if (window == m_parentWindow)
        return;
    if (m_parentWindow)
        disconnect(m_parentWindow, &QObject::destroyed, this, &WindowMetrics::rebind);
    m_parentWindow = window;
    if (window)
        connect(window, &QObject::destroyed, this, &WindowMetrics::rebind);
    if (!m_window) {
        emit windowChanged();
        if (rebindNow)
            rebind();
    }
}

void WindowMetrics::rebind()
{
    if (m_deferBinding)
        return;

    // Stop the old recorder first; frames of the new binding start a fresh interval.
    disconnect(m_frameConnection);
    if (m_recorder) {
        std::lock_guard lock(m_recorder->ownerMutex);
        m_recorder->owner = nullptr;
    }
    m_recorder.reset();

    QQuickWindow* window = effectiveWindow();
    QString label;
    if (window) {
        label = !m_name.isEmpty()               ? m_name
                : !window->objectName().isEmpty() ? window->objectName()
                : !window->title().isEmpty()      ? window->title()
                                                  : QStringLiteral("unnamed");
    }

    if (window) {
        auto recorder = std::make_shared<detail::FrameRecorder>();
        recorder->registry = m_registry;
        recorder->budgetNs = toNs(m_budget);
        recorder->idleThresholdNs = toNs(m_idleThreshold);
        recorder->owner = this;
        const prometheus::Labels labels{{"window", label.toStdString()}};
        try {
            recorder->interval = &prometheus::BuildHistogram()
                                          .Name("promqt_frame_interval_seconds")
                                          .Help("Seconds between consecutive rendered frames of a Qt "
                                                "Quick window, idle gaps excluded.")
                                          .Register(*m_registry)
                                          .Add(labels, frameBuckets());
            recorder->frames = &prometheus::BuildCounter()
                                        .Name("promqt_frames_total")
                                        .Help("Frames rendered by a Qt Quick window.")
                                        .Register(*m_registry)
                                        .Add(labels);
            recorder->overBudget = &prometheus::BuildCounter()
                                            .Name("promqt_frames_over_budget_total")
                                            .Help("Frames that came later than the frame budget "
                                                  "after the previous one.")
                                            .Register(*m_registry)
                                            .Add(labels);
            recorder->budget = &prometheus::BuildGauge()
                                        .Name("promqt_frame_budget_seconds")
                                        .Help("The frame budget of a Qt Quick window, in seconds.")
                                        .Register(*m_registry)
                                        .Add(labels);
            recorder->budget->Set(m_budget);
        } catch (const std::exception& e) {
            // E.g. another metric type already uses one of these names in the registry.
            qmlWarning(this) << QStringLiteral("registry: cannot register the frame metrics: %1; "
                                               "not measuring")
                                        .arg(QString::fromUtf8(e.what()));
            recorder.reset();
        }
        if (recorder) {
            m_recorder = recorder;
            // Direct: with the threaded render loop frameSwapped comes from the render thread,
            // and the timestamp must be taken when the frame is swapped, not when the GUI
            // thread gets around to it.
            m_frameConnection = connect(window, &QQuickWindow::frameSwapped, this,
                                        [recorder] { recorder->onFrame(); }, Qt::DirectConnection);
        } else {
            label.clear();
        }
    }

    updateIdleTracking();
    if (label != m_label) {
        m_label = label;
        emit windowLabelChanged();
    }
    emit framesChanged();
}

void WindowMetrics::updateIdleTracking()
{
    const bool wanted = m_recorder && m_idleThreshold > 0;
    for (const auto& c : std::as_const(m_idleConnections))
        disconnect(c);
    m_idleConnections.clear();
    if (wanted) {
        if (auto* dispatcher = QAbstractEventDispatcher::instance(thread())) {
            auto recorder = m_recorder;
            m_idleConnections << connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, this,
                                         [recorder] { recorder->beginWait(); });
            m_idleConnections << connect(dispatcher, &QAbstractEventDispatcher::awake, this,
                                         [recorder] { recorder->endWait(); });
        }
    }
    // The glib dispatcher emits awake() only after it has dispatched what woke it up, which may
    // be a long slot: an application event filter ends the wait at the first event instead.
    QCoreApplication* app = QCoreApplication::instance();
    if (wanted && !m_filterInstalled && app && thread() == app->thread()) {
        QCoreApplication::instance()->installEventFilter(this);
        m_filterInstalled = true;
    } else if (!wanted && m_filterInstalled && app) {
        app->removeEventFilter(this);
        m_filterInstalled = false;
    }
}

bool WindowMetrics::eventFilter(QObject* watched, QEvent* event)
{
    if (m_recorder)
        m_recorder->endWait();
    return QObject::eventFilter(watched, event);
}

void WindowMetrics::emitFramesChanged()
{
    if (m_recorder)
        m_recorder->notifyPending = false;
    emit framesChanged();
}

} // namespace promqt
