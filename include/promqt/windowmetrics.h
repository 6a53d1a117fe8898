// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// WindowMetrics: frame-time metrics of a QQuickWindow.
///
/// Records, labelled `window="<name>"`:
///  - `promqt_frame_interval_seconds` (histogram): seconds between consecutive rendered frames
///    (`QQuickWindow::frameSwapped`) while the window renders continuously;
///  - `promqt_frames_total` (counter): every rendered frame;
///  - `promqt_frames_over_budget_total` (counter): frames whose interval exceeded `budget`;
///  - `promqt_frame_budget_seconds` (gauge): the budget, so dashboards can draw the line.
///
/// Plain Qt: connect to `frameSwapped`, keep a QElapsedTimer, and decide yourself what a long
/// interval means. With promqt, in QML:
/// @code
///   ApplicationWindow {
///       WindowMetrics { name: "main" }          // or: WindowMetrics.name: "main"
///   }
/// @endcode
/// or in C++:
/// @code
///   promqt::WindowMetrics metrics(&view);       // records into promqt::Qml::defaultRegistry()
/// @endcode
///
/// Idle gaps: a window that has nothing to animate renders nothing, so the interval before the
/// next frame (after a click, say) is long without anything having gone wrong. When the GUI
/// thread sat waiting for events, in one stretch, for longer than `idleThreshold` and for more
/// than half of the interval, the interval is an idle gap: the frame is counted in `promqt_frames_total` but not observed in the
/// histogram nor counted as over budget. A GUI thread that is *busy* (a slow slot, a blocking
/// call) never looks idle, so a frame delayed by it is recorded. Set `idleThreshold` to 0 to
/// record every interval. The check looks at the GUI thread only: with the threaded render loop,
/// a render-thread stall longer than `idleThreshold` while the GUI thread waits counts as idle.
///
/// Budget: intervals jitter around the display's refresh interval, so a budget of exactly one
/// refresh interval (the default 16.7 ms at 60 Hz) also counts frames that were merely a little
/// late; to count dropped frames only, use about 1.5 refresh intervals (e.g. 0.025).
///
/// The `window` label is `name`, else the window's objectName, else its title, else "unnamed";
/// it is fixed when the metrics bind (at component completion, or when window, name or registry
/// change), not when the title changes later. Windows with the same label share series.
///
/// Threads: frameSwapped may come from the render thread; recording there is thread-safe and
/// the properties are updated in the object's thread. Use the object from its own thread.
/// Lifetime: the window may be destroyed first (recording stops); series stay in the registry.

#include <promqt/qml.h>

#include <QObject>
#include <QPointer>
#include <QQmlParserStatus>
#include <QQuickWindow>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace prometheus {
class Registry;
}

namespace promqt {

namespace detail {
struct FrameRecorder;
}

class WindowMetrics : public QObject, public QQmlParserStatus {
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_ELEMENT
    QML_ATTACHED(promqt::WindowMetrics)
    /// The window measured. Unset: the window of the parent item (or the parent window).
    Q_PROPERTY(QQuickWindow* window READ window WRITE setWindow NOTIFY windowChanged FINAL)
    /// Value of the `window` label; empty: objectName, title, "unnamed" (see windowLabel).
    Q_PROPERTY(QString name READ name WRITE setName NOTIFY nameChanged FINAL)
    /// The label value in use; empty while not measuring.
    Q_PROPERTY(QString windowLabel READ windowLabel NOTIFY windowLabelChanged FINAL)
    /// Seconds; a frame interval above it counts as over budget. Default 0.0167.
    Q_PROPERTY(double budget READ budget WRITE setBudget NOTIFY budgetChanged FINAL)
    /// Seconds the GUI thread must wait idle for an interval to be an idle gap. Default 0.05;
    /// 0 records every interval.
    Q_PROPERTY(double idleThreshold READ idleThreshold WRITE setIdleThreshold NOTIFY idleThresholdChanged FINAL)
    /// Registry to record into; null: promqt::Qml::defaultRegistry().
    Q_PROPERTY(promqt::QmlRegistry* registry READ registry WRITE setRegistry NOTIFY registryChanged FINAL)
    /// Frames this object has seen, and of those, measured intervals and over-budget frames.
    Q_PROPERTY(double frameCount READ frameCount NOTIFY framesChanged FINAL)
    Q_PROPERTY(double measuredCount READ measuredCount NOTIFY framesChanged FINAL)
    Q_PROPERTY(double overBudgetCount READ overBudgetCount NOTIFY framesChanged FINAL)
    /// Seconds between the last two frames (idle gaps included); 0 before two frames.
    Q_PROPERTY(double lastInterval READ lastInterval NOTIFY framesChanged FINAL)

public:
    /// For QML. Measures `window` once set (or its parent's window).
    explicit WindowMetrics(QObject* parent = nullptr);
    /// For C++: measures `window` right away, recording into `registry` (null: the default
    /// registry). The object is a child of `parent`, not of the window.
    explicit WindowMetrics(QQuickWindow* window, std::shared_ptr<prometheus::Registry> registry = {},
                           QObject* parent = nullptr);
    ~WindowMetrics() override;

    QQuickWindow* window() const;
    void setWindow(QQuickWindow* window);
    QString name() const { return m_name; }
    void setName(const QString& name);
    QString windowLabel() const { return m_label; }
    double budget() const { return m_budget; }
    void setBudget(double seconds);
    double idleThreshold() const { return m_idleThreshold; }
    void setIdleThreshold(double seconds);
    QmlRegistry* registry() const { return m_registryObject; }
    void setRegistry(QmlRegistry* registry);
    /// The prometheus registry in use (for C++); never null.
    std::shared_ptr<prometheus::Registry> prometheusRegistry() const { return m_registry; }

    double frameCount() const;
    double measuredCount() const;
    double overBudgetCount() const;
    double lastInterval() const;

    void classBegin() override;
    void componentComplete() override;

    /// `Window { WindowMetrics.name: "main" }`: one WindowMetrics per window or item.
    static WindowMetrics* qmlAttachedProperties(QObject* object);

signals:
    void windowChanged();
    void nameChanged();
    void windowLabelChanged();
    void budgetChanged();
    void idleThresholdChanged();
    void registryChanged();
    /// Emitted (at most once per event loop pass) after frames were recorded.
    void framesChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    Q_INVOKABLE void emitFramesChanged();
    Q_INVOKABLE void rebind();
    void followParentWindow();
    void setParentWindow(QQuickWindow* window, bool rebindNow);
    QQuickWindow* effectiveWindow() const;
    void updateIdleTracking();

    QPointer<QQuickWindow> m_window;        // explicitly set
    QPointer<QQuickWindow> m_parentWindow;  // found through the parent item
    QPointer<QmlRegistry> m_registryObject;
    std::shared_ptr<prometheus::Registry> m_registry;
    QString m_name;
    QString m_label;
    double m_budget = 0.0167;
    double m_idleThreshold = 0.05;
    std::shared_ptr<detail::FrameRecorder> m_recorder;
    QMetaObject::Connection m_frameConnection;
    QMetaObject::Connection m_parentItemConnection;
    QList<QMetaObject::Connection> m_idleConnections;
    bool m_deferBinding = false;
    bool m_filterInstalled = false;
};

} // namespace promqt
