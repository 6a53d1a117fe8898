// SPDX-License-Identifier: MIT
// WindowMetrics from C++ on a real offscreen QQuickWindow that renders (software backend):
// frames counted, intervals around 1/60 s, a GUI thread blocked ~100 ms showing up as an
// over-budget frame, idle gaps left out, labels, and lifetimes in both orders.
#include <promqt/windowmetrics.h>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <QEventLoop>
#include <QPointer>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <memory>

using namespace promqt;

namespace {

// A window whose red square moves while `running` is true, so frames keep coming (~60/s).
const QByteArray animatedWindow = R"(
import QtQuick
import QtQuick.Window
Window {
    width: 120; height: 80; visible: true
    property alias running: anim.running
    property alias color: square.color
    Rectangle {
        id: square
        width: 20; height: 20; color: "red"
        NumberAnimation on x { id: anim; from: 0; to: 100; duration: 1000; loops: Animation.Infinite }
    }
}
)";

// Value of sample `name` with `window=<label>` (and `le` for buckets), -1 if absent.
double sample(prometheus::Registry& registry, const std::string& name, const std::string& label,
              const std::string& le = {})
{
    for (const auto& family : registry.Collect()) {
        for (const auto& metric : family.metric) {
            bool match = false;
            for (const auto& l : metric.label)
                match = match || (l.name == "window" && l.value == label);
            if (!match)
                continue;
            if (family.name == name && family.type == prometheus::MetricType::Counter)
                return metric.counter.value;
            if (family.name == name && family.type == prometheus::MetricType::Gauge)
                return metric.gauge.value;
            if (family.name + "_count" == name)
                return double(metric.histogram.sample_count);
            if (family.name + "_bucket" == name) {
                for (const auto& b : metric.histogram.bucket) {
                    if (QByteArray::number(b.upper_bound) == QByteArray::fromStdString(le))
                        return double(b.cumulative_count);
                }
            }
        }
    }
    return -1;
}

// Lets the GUI thread sit idle in a real event loop (not QTest::qWait, which sleeps in slices
// and so never looks idle to the event dispatcher) — idleness is the behaviour under test.
void idleFor(int milliseconds)
{
    QEventLoop loop;
    QTimer::singleShot(milliseconds, &loop, &QEventLoop::quit);
    loop.exec();
}

// Waits in a real event loop until `frames` more frames were swapped.
bool waitFrames(QQuickWindow* window, int frames)
{
    QSignalSpy spy(window, &QQuickWindow::frameSwapped);
    while (spy.count() < frames) {
        if (!spy.wait(5000))
            return false;
    }
    return true;
}

} // namespace

class tst_WindowMetrics : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void recordsFramesOfAnAnimatedWindow();
    void blockedGuiThreadIsAnOverBudgetFrame();
    void idleGapIsNotOverBudget();
    void idleThresholdZeroRecordsEveryInterval();
    void labelComesFromNameObjectNameTitle();
    void budgetIsConfigurableAndExported();
    void invalidBudgetWarnsAndIsIgnored();
    void typeClashWarnsAndDoesNotMeasure();
    void windowDestroyedFirst();
    void metricsDestroyedFirst();
    void defaultRegistryWhenNoneGiven();

private:
    QQuickWindow* createWindow(const QString& title = QStringLiteral("Main"));

    std::unique_ptr<QQmlEngine> m_engine;
    QList<QPointer<QQuickWindow>> m_windows;
    std::shared_ptr<prometheus::Registry> m_registry;
};

void tst_WindowMetrics::init()
{
    m_engine = std::make_unique<QQmlEngine>();
    m_registry = std::make_shared<prometheus::Registry>();
}

void tst_WindowMetrics::cleanup()
{
    for (const QPointer<QQuickWindow>& window : std::as_const(m_windows))
        delete window.data();
    m_windows.clear();
    m_engine.reset();
}

QQuickWindow* tst_WindowMetrics::createWindow(const QString& title)
{
    QQmlComponent component(m_engine.get());
    component.setData(animatedWindow, QUrl(QStringLiteral("qrc:/animated.qml")));
    auto* window = qobject_cast<QQuickWindow*>(component.create());
    if (!window) {
        qWarning() << component.errors();
        return nullptr;
    }
    m_windows << window;
    window->setTitle(title);
    return window;
}

void tst_WindowMetrics::recordsFramesOfAnAnimatedWindow()
{
    QQuickWindow* window = createWindow();
    QVERIFY(window);
    WindowMetrics metrics(window, m_registry);
    QCOMPARE(metrics.window(), window);
    QCOMPARE(metrics.windowLabel(), QStringLiteral("Main"));
    QSignalSpy changed(&metrics, &WindowMetrics::framesChanged);

    QVERIFY(waitFrames(window, 40));
    QVERIFY(metrics.frameCount() >= 40);
    QTRY_VERIFY(changed.count() > 0); // property notifications arrive through the event loop
    QCOMPARE(sample(*m_registry, "promqt_frames_total", "Main"), metrics.frameCount());
    const double measured = sample(*m_registry, "promqt_frame_interval_seconds_count", "Main");
    QCOMPARE(measured, metrics.measuredCount());
    QVERIFY(measured >= metrics.frameCount() - 2); // all but the first (and maybe the start-up) frame
    // ~60 frames/s: nearly all intervals are below 50 ms (allowing for a loaded test machine).
    const double under50ms = sample(*m_registry, "promqt_frame_interval_seconds_bucket", "Main", "0.05");
    QVERIFY2(under50ms >= 0.9 * measured, qPrintable(QStringLiteral("%1 of %2").arg(under50ms).arg(measured)));
    QVERIFY(metrics.lastInterval() > 0.0 && metrics.lastInterval() < 1.0);
    const double overBudgetShare = metrics.overBudgetCount() / measured;
    qInfo("steady animation: %.0f intervals measured, %.0f%% over the 16.7 ms budget",
          measured, 100 * overBudgetShare);
}

void tst_WindowMetrics::blockedGuiThreadIsAnOverBudgetFrame()
{
    QQuickWindow* window = createWindow();
    QVERIFY(window);
    WindowMetrics metrics(window, m_registry);
    QVERIFY(waitFrames(window, 10));

    const auto slowIntervals = [&] {
        return sample(*m_registry, "promqt_frame_interval_seconds_count", "Main")
                - sample(*m_registry, "promqt_frame_interval_seconds_bucket", "Main", "0.075");
    };
    const double slowBefore = slowIntervals();
    const double overBefore = metrics.overBudgetCount();

    // A slot that hogs the GUI thread for 100 ms while the animation wants frames.
    QTimer::singleShot(0, [] { QThread::msleep(100); });
    QVERIFY(waitFrames(window, 5));

    QVERIFY2(slowIntervals() >= slowBefore + 1,
             qPrintable(QStringLiteral("the blocked frame's interval (>= 100 ms) is recorded; "
                                       "last interval %1 s, measured %2 of %3 frames")
                                .arg(metrics.lastInterval())
                                .arg(metrics.measuredCount())
                                .arg(metrics.frameCount())));
    QVERIFY(metrics.overBudgetCount() >= overBefore + 1);
    QCOMPARE(sample(*m_registry, "promqt_frames_over_budget_total", "Main"), metrics.overBudgetCount());
}

void tst_WindowMetrics::idleGapIsNotOverBudget()
{
    QQuickWindow* window = createWindow();
    QVERIFY(window);
    WindowMetrics metrics(window, m_registry);
    QCOMPARE(metrics.idleThreshold(), 0.05);
    QVERIFY(waitFrames(window, 5));

    window->setProperty("running", false);
    idleFor(300); // nothing to render: the window goes quiet
    const double frames = metrics.frameCount();
    const double measured = metrics.measuredCount();
    const double over = metrics.overBudgetCount();

    window->setProperty("color", QColor(Qt::blue)); // one frame after 300 ms of nothing
    QVERIFY(waitFrames(window, 1));
    QCOMPARE(metrics.frameCount(), frames + 1);
    QVERIFY(metrics.lastInterval() >= 0.3);
    QCOMPARE(metrics.measuredCount(), measured); // an idle gap, not a slow frame
    QCOMPARE(metrics.overBudgetCount(), over);
}

void tst_WindowMetrics::idleThresholdZeroRecordsEveryInterval()
{
    QQuickWindow* window = createWindow();
    QVERIFY(window);
    WindowMetrics metrics(window, m_registry);
    metrics.setIdleThreshold(0);
    QVERIFY(waitFrames(window, 5));

    window->setProperty("running", false);
    idleFor(300);
    const double measured = metrics.measuredCount();
    const double over = metrics.overBudgetCount();
    window->setProperty("color", QColor(Qt::blue));
    QVERIFY(waitFrames(window, 1));
    QCOMPARE(metrics.measuredCount(), measured + 1);
    QCOMPARE(metrics.overBudgetCount(), over + 1);
}

void tst_WindowMetrics::labelComesFromNameObjectNameTitle()
{
    QQuickWindow* window = createWindow(QStringLiteral("Editor"));
    QVERIFY(window);
    WindowMetrics metrics(window, m_registry);
    QCOMPARE(metrics.windowLabel(), QStringLiteral("Editor"));

    window->setObjectName(QStringLiteral("editorWindow"));
    window->setTitle(QStringLiteral("Editor - file.txt")); // the label is fixed once bound
    QCOMPARE(metrics.windowLabel(), QStringLiteral("Editor"));

    QSignalSpy labelSpy(&metrics, &WindowMetrics::windowLabelChanged);
    metrics.setName(QStringLiteral("editor"));
    QCOMPARE(metrics.windowLabel(), QStringLiteral("editor"));
    QCOMPARE(labelSpy.count(), 1);
    QVERIFY(waitFrames(window, 3));
    QVERIFY(sample(*m_registry, "promqt_frames_total", "editor") >= 3);

    metrics.setName(QString());
    QCOMPARE(metrics.windowLabel(), QStringLiteral("editorWindow"));

    QQuickWindow* untitled = createWindow(QString());
    WindowMetrics unnamed(untitled, m_registry);
    QCOMPARE(unnamed.windowLabel(), QStringLiteral("unnamed"));
}

void tst_WindowMetrics::budgetIsConfigurableAndExported()
{
    QQuickWindow* window = createWindow();
    QVERIFY(window);
    WindowMetrics metrics(window, m_registry);
    QCOMPARE(metrics.budget(), 0.0167);
    QCOMPARE(sample(*m_registry, "promqt_frame_budget_seconds", "Main"), 0.0167);

    metrics.setBudget(0.5); // nothing short of a stall is over budget now
    QCOMPARE(sample(*m_registry, "promqt_frame_budget_seconds", "Main"), 0.5);
    QVERIFY(waitFrames(window, 3));
    const double over = metrics.overBudgetCount();
    QVERIFY(waitFrames(window, 20));
    QCOMPARE(metrics.overBudgetCount(), over);

    QTimer::singleShot(0, [] { QThread::msleep(600); });
    QVERIFY(waitFrames(window, 2));
    QCOMPARE(metrics.overBudgetCount(), over + 1);
}

void tst_WindowMetrics::invalidBudgetWarnsAndIsIgnored()
{
    QQuickWindow* window = createWindow();
    WindowMetrics metrics(window, m_registry);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("budget: must be a positive number of seconds, not -1; keeping 0.0167")));
    metrics.setBudget(-1);
    QCOMPARE(metrics.budget(), 0.0167);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("idleThreshold: must be 0 or a positive number")));
    metrics.setIdleThreshold(qQNaN());
    QCOMPARE(metrics.idleThreshold(), 0.05);
}

void tst_WindowMetrics::typeClashWarnsAndDoesNotMeasure()
{
    prometheus::BuildGauge().Name("promqt_frames_total").Register(*m_registry).Add({});
    QQuickWindow* window = createWindow();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("registry: cannot register the frame metrics: .*not measuring")));
    WindowMetrics metrics(window, m_registry);
    QCOMPARE(metrics.windowLabel(), QString());
    QVERIFY(waitFrames(window, 3));
    QCOMPARE(metrics.frameCount(), 0.0);
}

void tst_WindowMetrics::windowDestroyedFirst()
{
    QQuickWindow* window = createWindow();
    WindowMetrics metrics(window, m_registry);
    QSignalSpy windowSpy(&metrics, &WindowMetrics::windowLabelChanged);
    QVERIFY(waitFrames(window, 3));
    const double frames = metrics.frameCount();
    delete window;
    QCOMPARE(metrics.window(), nullptr);
    QCOMPARE(metrics.windowLabel(), QString());
    QCOMPARE(windowSpy.count(), 1);
    QCOMPARE(sample(*m_registry, "promqt_frames_total", "Main"), frames); // the series stays
}

void tst_WindowMetrics::metricsDestroyedFirst()
{
    QQuickWindow* window = createWindow();
    auto* metrics = new WindowMetrics(window, m_registry);
    QVERIFY(waitFrames(window, 3));
    delete metrics; // frames keep coming; nothing may touch the dead object (ASan would tell)
    const double frames = sample(*m_registry, "promqt_frames_total", "Main");
    QVERIFY(waitFrames(window, 5));
    QCOMPARE(sample(*m_registry, "promqt_frames_total", "Main"), frames);
}

void tst_WindowMetrics::defaultRegistryWhenNoneGiven()
{
    QQuickWindow* window = createWindow(QStringLiteral("DefaultRegistryWindow"));
    WindowMetrics metrics(window);
    QCOMPARE(metrics.prometheusRegistry(), Qml::defaultRegistry());
    QVERIFY(waitFrames(window, 3));
    QVERIFY(sample(*Qml::defaultRegistry(), "promqt_frames_total", "DefaultRegistryWindow") >= 3);
}

QTEST_MAIN(tst_WindowMetrics)
#include "tst_windowmetrics.moc"
