// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// Event-loop lag: how late the Qt event loop of a thread runs a timer. A loop that is blocked
/// (a long slot, a synchronous wait, a big layout) delivers *everything* late — input, network
/// replies, scrapes — and this is the number that shows it.
///
/// Plain Qt:
/// @code
///   auto* t = new QTimer(this); t->setTimerType(Qt::PreciseTimer); t->setInterval(100);
///   auto due = std::make_shared<QElapsedTimer>(); due->start();
///   connect(t, &QTimer::timeout, [=] { hist.Observe(std::max(0.0, due->nsecsElapsed() / 1e9 - 0.1)); due->start(); });
///   t->start();            // ...plus a sliding-window maximum, a thread label, units...
/// @endcode
/// With promqt:
/// @code
///   new promqt::EventLoopLagMonitor(*registry, &app);   // monitors the main thread
/// @endcode
///
/// Metrics (label `thread`):
/// - `promqt_event_loop_lag_seconds` (histogram): every probe's lag, in seconds.
/// - `promqt_event_loop_lag_max_seconds` (gauge): the largest lag seen over the last
///   window() (default 15 s, one default scrape interval), in seconds.
///
/// How it measures: a single-shot Qt::PreciseTimer is armed for interval() (default 100 ms);
/// when it runs, lag = (now − when it was due), never negative, measured on the monotonic clock;
/// then it is re-armed. A loop blocked for B seconds shows a lag between B − interval and B,
/// depending on where in the interval the block started: choose an interval well below the
/// stalls you care about. Idle loops show ≈ 0–2 ms (timer granularity).
///
/// Thread-safety: the monitor measures the thread it lives in (its QObject affinity); create it
/// in that thread (or move it there before start()). Its methods must be called from that
/// thread. Several monitors in several threads may share one registry: prometheus-cpp metrics
/// are thread-safe.
///
/// Lifetime: the registry must outlive the monitor. The series stay in the registry after the
/// monitor is destroyed (with their last values), as prometheus-cpp series always do.

#include <QObject>
#include <QString>

#include <chrono>
#include <memory>

namespace prometheus {
class Registry;
}

namespace promqt {

class EventLoopLagMonitorPrivate;

/// Measures the lag of the event loop of the thread it lives in. Starts at construction.
class EventLoopLagMonitor : public QObject {
    Q_OBJECT
    /// Probe interval in milliseconds (default 100). Changing it restarts the probing.
    Q_PROPERTY(int interval READ interval WRITE setInterval NOTIFY intervalChanged)
    /// Width of the sliding window of `promqt_event_loop_lag_max_seconds`, in milliseconds
    /// (default 15000).
    Q_PROPERTY(int window READ window WRITE setWindow NOTIFY windowChanged)
    /// The value of the `thread` label; fixed at construction.
    Q_PROPERTY(QString threadName READ threadName CONSTANT)
    /// Whether probing is running.
    Q_PROPERTY(bool active READ isActive NOTIFY activeChanged)

public:
    /// Monitors the current thread, labelled with its QThread::objectName(); an unnamed thread
    /// is labelled "main" if it is the application's thread, otherwise "unnamed" (name your
    /// threads, or use the other constructor, so that series do not mix).
    explicit EventLoopLagMonitor(prometheus::Registry& registry, QObject* parent = nullptr);
    /// Monitors the current thread, labelled `thread="<threadName>"`.
    EventLoopLagMonitor(prometheus::Registry& registry, const QString& threadName, QObject* parent = nullptr);
    ~EventLoopLagMonitor() override;

    int interval() const;
    std::chrono::milliseconds intervalAsDuration() const;
    void setInterval(int ms);
    void setInterval(std::chrono::milliseconds interval);

    int window() const;
    std::chrono::milliseconds windowAsDuration() const;
    void setWindow(int ms);
    void setWindow(std::chrono::milliseconds window);

    QString threadName() const;
    bool isActive() const;

    /// Lag of the most recent probe, in seconds (0 before the first).
    double lastLag() const;
    /// Largest lag within the window, in seconds (the gauge's value).
    double maxLag() const;

public slots:
    void start();
    void stop();

signals:
    /// Emitted after every probe, with its lag in seconds.
    void lagMeasured(double seconds);
    void intervalChanged();
    void windowChanged();
    void activeChanged();

protected:
    void timerEvent(QTimerEvent* event) override;

private:
    void arm();
    std::unique_ptr<EventLoopLagMonitorPrivate> d;
};

} // namespace promqt
