// SPDX-License-Identifier: MIT
#include <promqt/eventloop.h>

#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QCoreApplication>
#include <QThread>
#include <QTimerEvent>

#include <algorithm>
#include <deque>

namespace promqt {

namespace {

using Clock = std::chrono::steady_clock;

QString defaultThreadName() {
    QThread* current = QThread::currentThread();
    if (!current->objectName().isEmpty())
        return current->objectName();
    if (QCoreApplication::instance() && QCoreApplication::instance()->thread() == current)
        return QStringLiteral("main");
    return QStringLiteral("unnamed");
}

// Lags from sub-millisecond (a healthy loop) up to seconds (a frozen UI).
const prometheus::Histogram::BucketBoundaries lagBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                         0.1,   0.25,   0.5,   1.0,  2.5,   5.0};

} // namespace

class EventLoopLagMonitorPrivate {
public:
    EventLoopLagMonitorPrivate(prometheus::Registry& registry, QString name)
        : threadName(std::move(name)),
          histogram(prometheus::BuildHistogram()
                        .Name("promqt_event_loop_lag_seconds")
                        .Help("How late the Qt event loop ran a precise timer, in seconds.")
                        .Register(registry)
                        .Add({{"thread", threadName.toStdString()}}, lagBuckets)),
          maxGauge(prometheus::BuildGauge()
                       .Name("promqt_event_loop_lag_max_seconds")
                       .Help("Largest event loop lag over the recent window, in seconds.")
                       .Register(registry)
                       .Add({{"thread", threadName.toStdString()}})) {}

    // Records one probe and returns the window maximum. The deque keeps, in time order, only
    // samples that are larger than every later one, so its front is the maximum: O(1)
    // amortised per probe, however long the window.
    double record(Clock::time_point now, double lag) {
        while (!recent.empty() && recent.back().lag <= lag)
            recent.pop_back();
        recent.push_back({now, lag});
        while (recent.front().at < now - window)
            recent.pop_front();
        return recent.front().lag;
    }

    struct Sample {
        Clock::time_point at;
        double lag;
    };

    const QString threadName;
    prometheus::Histogram& histogram;
    prometheus::Gauge& maxGauge;
    std::chrono::milliseconds interval{100};
    std::chrono::milliseconds window{15000};
    std::deque<Sample> recent;
    Clock::time_point due;
    int timerId = 0;
    double lastLag = 0;
    double maxLag = 0;
};

EventLoopLagMonitor::EventLoopLagMonitor(prometheus::Registry& registry, QObject* parent)
    : EventLoopLagMonitor(registry, defaultThreadName(), parent) {}

EventLoopLagMonitor::EventLoopLagMonitor(prometheus::Registry& registry, const QString& threadName, QObject* parent)
    : QObject(parent), d(std::make_unique<EventLoopLagMonitorPrivate>(registry, threadName)) {
    start();
}

EventLoopLagMonitor::~EventLoopLagMonitor() = default;

int EventLoopLagMonitor::interval() const { return static_cast<int>(d->interval.count()); }
std::chrono::milliseconds EventLoopLagMonitor::intervalAsDuration() const { return d->interval; }
void EventLoopLagMonitor::setInterval(int ms) { setInterval(std::chrono::milliseconds(ms)); }

void EventLoopLagMonitor::setInterval(std::chrono::milliseconds interval) {
    interval = std::max(interval, std::chrono::milliseconds(1));
    if (interval == d->interval)
        return;
    d->interval = interval;
    if (isActive()) {
        killTimer(d->timerId);
        d->timerId = 0;
        arm();
    }
    emit intervalChanged();
}

int EventLoopLagMonitor::window() const { return static_cast<int>(d->window.count()); }
std::chrono::milliseconds EventLoopLagMonitor::windowAsDuration() const { return d->window; }
void EventLoopLagMonitor::setWindow(int ms) { setWindow(std::chrono::milliseconds(ms)); }

void EventLoopLagMonitor::setWindow(std::chrono::milliseconds window) {
    window = std::max(window, std::chrono::milliseconds(0));
    if (window == d->window)
        return;
    d->window = window;
    emit windowChanged();
}

QString EventLoopLagMonitor::threadName() const { return d->threadName; }
bool EventLoopLagMonitor::isActive() const { return d->timerId != 0; }
double EventLoopLagMonitor::lastLag() const { return d->lastLag; }
double EventLoopLagMonitor::maxLag() const { return d->maxLag; }

void EventLoopLagMonitor::arm() {
    // Single shot, re-armed on every probe: "due" is then exactly one interval after the
    // previous probe ran, which a repeating timer (re-scheduled by Qt's own rules when late)
    // would not guarantee. The due time is taken before arming, so lag can only be overstated
    // by the few nanoseconds startTimer() takes, never understated.
    d->due = Clock::now() + d->interval;
    d->timerId = startTimer(d->interval, Qt::PreciseTimer);
}

void EventLoopLagMonitor::start() {
    if (isActive())
        return;
    arm();
    if (isActive())
        emit activeChanged();
}

void EventLoopLagMonitor::stop() {
    if (!isActive())
        return;
    killTimer(d->timerId);
    d->timerId = 0;
    emit activeChanged();
}

void EventLoopLagMonitor::timerEvent(QTimerEvent* event) {
    if (event->timerId() != d->timerId) {
        QObject::timerEvent(event);
        return;
    }
    const auto now = Clock::now();
    killTimer(d->timerId);
    const double lag = std::max(0.0, std::chrono::duration<double>(now - d->due).count());
    arm();

    d->lastLag = lag;
    d->maxLag = d->record(now, lag);
    d->histogram.Observe(lag);
    d->maxGauge.Set(d->maxLag);
    emit lagMeasured(lag);
}

} // namespace promqt
