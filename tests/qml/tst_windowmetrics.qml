// SPDX-License-Identifier: MIT
// WindowMetrics from QML: found through its parent, attached (`WindowMetrics.name`), or given a
// window; frames recorded from real offscreen windows; a blocked GUI thread is over budget.
import QtQuick
import QtQuick.Window
import QtTest
import PromQt
import PromQtTest

TestCase {
    id: testCase
    name: "WindowMetrics"
    when: windowShown

    Registry { id: reg }

    Window {
        id: first
        title: "QmlWindow"
        width: 120; height: 80; visible: true
        Rectangle {
            width: 20; height: 20; color: "red"
            NumberAnimation on x { from: 0; to: 100; duration: 1000; loops: Animation.Infinite }
        }
        WindowMetrics { id: inside; registry: reg }   // no window given: its parent's
    }

    Window {
        id: second
        objectName: "secondWindow"
        width: 120; height: 80; visible: true
        WindowMetrics.name: "attached"
        WindowMetrics.registry: reg
        Rectangle {
            width: 20; height: 20; color: "blue"
            NumberAnimation on y { from: 0; to: 60; duration: 1000; loops: Animation.Infinite }
        }
    }

    WindowMetrics {
        id: given
        window: first
        name: "given"
        registry: reg
    }

    SignalSpy {
        id: framesSpy
        target: inside
        signalName: "framesChanged"
    }

    function cleanupTestCase() {
        framesSpy.target = null   // frames keep coming while the test tears down
    }

    function frames(label) {
        return PromQtTest.sample(reg, "promqt_frames_total", { window: label })
    }

    function slowIntervals(label) {
        return PromQtTest.sample(reg, "promqt_frame_interval_seconds_count", { window: label })
             - PromQtTest.sample(reg, "promqt_frame_interval_seconds_bucket", { window: label, le: "0.075" })
    }

    function test_findsTheWindowOfItsParent() {
        compare(inside.window, first)
        compare(inside.windowLabel, "QmlWindow")   // the title, as there is no name or objectName
        tryVerify(function () { return inside.frameCount >= 10 }, 5000)
        verify(frames("QmlWindow") >= 10)
        verify(framesSpy.count > 0)
        compare(PromQtTest.sample(reg, "promqt_frame_budget_seconds", { window: "QmlWindow" }), 0.0167)
    }

    function test_clearingWindowFallsBackToTheParentsWindow() {
        compare(given.window, first)
        given.window = null                          // `given` is declared in the TestCase item:
        verify(given.window !== null)
        compare(given.window, testCase.Window.window) // the test's own window
        compare(given.windowLabel, "given")
        given.window = first
        compare(given.window, first)
    }

    function test_attachedForm() {
        let attached = second.WindowMetrics
        compare(attached.window, second)
        tryCompare(attached, "windowLabel", "attached")
        tryVerify(function () { return frames("attached") >= 10 }, 5000)
        compare(frames("secondWindow"), undefined)   // never bound under a provisional label
    }

    function test_givenWindow() {
        compare(given.window, first)
        compare(given.windowLabel, "given")
        tryVerify(function () { return given.frameCount >= 5 }, 5000)
        given.window = second
        compare(given.windowLabel, "given")
        let before = given.frameCount
        tryVerify(function () { return given.frameCount >= before + 5 }, 5000)
        given.window = first
    }

    function test_blockedFrameIsOverBudget() {
        tryVerify(function () { return inside.frameCount >= 5 }, 5000)
        let slowBefore = slowIntervals("QmlWindow")
        let overBefore = inside.overBudgetCount
        PromQtTest.block(100)   // the GUI thread is busy while the animation wants frames
        tryVerify(function () { return slowIntervals("QmlWindow") >= slowBefore + 1 }, 5000,
                  "an interval of >= 100 ms was recorded")
        verify(inside.overBudgetCount >= overBefore + 1)
        verify(PromQtTest.sample(reg, "promqt_frames_over_budget_total", { window: "QmlWindow" }) >= 1)
    }

    function test_invalidSettingsWarn() {
        ignoreWarning(new RegExp("QML WindowMetrics: budget: must be a positive number of seconds, not 0; keeping 0.0167"))
        given.budget = 0
        compare(given.budget, 0.0167)
        given.budget = 0.02
        compare(PromQtTest.sample(reg, "promqt_frame_budget_seconds", { window: "given" }), 0.02)
        given.budget = 0.0167
        ignoreWarning(new RegExp("QML WindowMetrics: idleThreshold: must be 0 or a positive number of seconds, not -1"))
        given.idleThreshold = -1
        compare(given.idleThreshold, 0.05)
    }
}
