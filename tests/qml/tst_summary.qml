// SPDX-License-Identifier: MIT
// Summary: observe, count/sum, quantiles (valid, invalid, mismatched), maxAge/ageBuckets, the
// reserved `quantile` label, timers and time(promise).
import QtQuick
import QtTest
import PromQt
import PromQtTest

TestCase {
    id: testCase
    name: "Summary"

    Component {
        id: summaryComponent
        Summary {}
    }
    Component {
        id: registryComponent
        Registry {}
    }
    SignalSpy {
        id: countSpy
        signalName: "countChanged"
    }

    property Registry reg

    function init() {
        reg = registryComponent.createObject(testCase)
    }

    function cleanup() {
        reg.destroy()
        countSpy.clear(); countSpy.target = null
    }

    function summary(props) {
        let s = summaryComponent.createObject(testCase, Object.assign({ registry: reg }, props))
        verify(s !== null)
        return s
    }

    function deferred() {
        let d = {}
        d.promise = new Promise(function (resolve, reject) { d.resolve = resolve; d.reject = reject })
        return d
    }

    function test_observeCountSumWithoutQuantiles() {
        let s = summary({ name: "payload_bytes", help: "Payload sizes." })
        countSpy.target = s
        compare(s.quantiles, [])
        s.observe(10)
        s.observe(30)
        compare(s.count, 2)
        compare(s.sum, 40)
        compare(countSpy.count, 2)
        compare(PromQtTest.sample(reg, "payload_bytes_count"), 2)
        compare(PromQtTest.sample(reg, "payload_bytes_sum"), 40)
        s.destroy()
    }

    function test_quantiles() {
        let s = summary({ name: "latency_ms", quantiles: [{ quantile: 0.5, error: 0.05 }, { quantile: 0.9, error: 0.01 }] })
        verify(s.valid)
        for (let i = 1; i <= 100; ++i)
            s.observe(i)
        let median = PromQtTest.sample(reg, "latency_ms", { quantile: "0.5" })
        let p90 = PromQtTest.sample(reg, "latency_ms", { quantile: "0.9" })
        verify(median >= 45 && median <= 55, median)
        verify(p90 >= 89 && p90 <= 91, p90)
        compare(s.count, 100)
        s.destroy()
    }

    function test_invalidQuantilesWarnAndStayInert_data() {
        return [
            { tag: "quantile > 1", quantiles: [{ quantile: 1.5, error: 0.01 }], message: "quantiles: quantile 1.5 is not between 0 and 1" },
            { tag: "negative quantile", quantiles: [{ quantile: -0.1, error: 0.01 }], message: "quantiles: quantile -0.1 is not between 0 and 1" },
            { tag: "zero error", quantiles: [{ quantile: 0.5, error: 0 }], message: "quantiles: error 0 is not between 0 and 1" },
            { tag: "missing error", quantiles: [{ quantile: 0.5 }], message: "quantiles: every entry must be \\{quantile: <number>, error: <number>\\}" },
            { tag: "number entry", quantiles: [0.5], message: "quantiles: every entry must be" },
            { tag: "string values", quantiles: [{ quantile: "0.5", error: "0.1" }], message: "quantiles: every entry must be" },
        ]
    }

    function test_invalidQuantilesWarnAndStayInert(data) {
        ignoreWarning(new RegExp("QML Summary: " + data.message + ".*records nothing"))
        let s = summary({ name: "bad_quantiles", quantiles: data.quantiles })
        verify(!s.valid)
        s.observe(1)
        compare(s.count, 0)
        compare(PromQtTest.text(reg), "")
        s.destroy()
    }

    function test_invalidWindowWarns() {
        ignoreWarning(new RegExp("QML Summary: maxAge: must be at least 0.001 seconds, not 0"))
        let a = summary({ name: "window_a", maxAge: 0 })
        verify(!a.valid)
        ignoreWarning(new RegExp("QML Summary: ageBuckets: must be at least 1, not 0"))
        let b = summary({ name: "window_b", ageBuckets: 0 })
        verify(!b.valid)
        b.ageBuckets = 2
        verify(b.valid)
        a.destroy(); b.destroy()
    }

    function test_quantileLabelIsReserved() {
        ignoreWarning(new RegExp("QML Summary: labels: label \"quantile\" is reserved for summary quantiles"))
        let s = summary({ name: "q_reserved", labels: { quantile: "x" } })
        verify(!s.valid)
        s.destroy()
    }

    function test_quantilesOfAFamilyAreFixedByItsFirstSeries() {
        let a = summary({ name: "family_q", quantiles: [{ quantile: 0.5, error: 0.05 }], labels: { x: "a" } })
        ignoreWarning(new RegExp("quantiles: differ from the quantiles of the existing family \"family_q\""))
        let b = summary({ name: "family_q", quantiles: [{ quantile: 0.99, error: 0.001 }], labels: { x: "b" } })
        verify(b.valid)
        b.observe(1)
        compare(PromQtTest.sample(reg, "family_q", { x: "b", quantile: "0.5" }), 1)
        compare(PromQtTest.sample(reg, "family_q", { x: "b", quantile: "0.99" }), undefined)
        a.destroy(); b.destroy()
    }

    function test_badObservationWarns() {
        let s = summary({ name: "bad_obs" })
        ignoreWarning(new RegExp("QML Summary: observe: value must be a number, not \"x\""))
        s.observe("x")
        ignoreWarning(new RegExp("QML Summary: observe: value must be a finite number, not Infinity"))
        s.observe(Infinity)
        compare(s.count, 0)
        s.destroy()
    }

    function test_timersAndPromises() {
        let s = summary({ name: "task_seconds" })
        let t = s.startTimer()
        PromQtTest.block(20)
        verify(s.stopTimer(t) >= 0.02)
        compare(s.count, 1)
        let ok = deferred()
        let bad = deferred()
        compare(s.time(ok.promise) === ok.promise, true)
        compare(s.time(bad.promise) === bad.promise, true)
        bad.promise.catch(function () {})
        ok.resolve()
        bad.reject(new Error("no"))
        tryCompare(s, "count", 3)
        verify(s.sum >= 0.02)
        s.destroy()
    }
}
