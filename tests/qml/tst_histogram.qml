// SPDX-License-Identifier: MIT
// Histogram: observe, count/sum NOTIFY, buckets (default, custom, invalid, mismatched), the
// reserved `le` label, timers and time(promise).
import QtQuick
import QtTest
import PromQt
import PromQtTest

TestCase {
    id: testCase
    name: "Histogram"

    Component {
        id: histogramComponent
        Histogram {}
    }
    Component {
        id: registryComponent
        Registry {}
    }
    SignalSpy {
        id: countSpy
        signalName: "countChanged"
    }
    SignalSpy {
        id: sumSpy
        signalName: "sumChanged"
    }

    property Registry reg

    function init() {
        reg = registryComponent.createObject(testCase)
    }

    function cleanup() {
        reg.destroy()
        countSpy.clear(); countSpy.target = null
        sumSpy.clear(); sumSpy.target = null
    }

    function histogram(props) {
        let h = histogramComponent.createObject(testCase, Object.assign({ registry: reg }, props))
        verify(h !== null)
        return h
    }

    function deferred() {
        let d = {}
        d.promise = new Promise(function (resolve, reject) { d.resolve = resolve; d.reject = reject })
        return d
    }

    function test_observeCountSum() {
        let h = histogram({ name: "request_seconds", help: "Request latency.", labels: { route: "/" } })
        countSpy.target = h
        sumSpy.target = h
        h.observe(0.2)
        h.observe(3)
        compare(h.count, 2)
        compare(h.sum, 3.2)
        compare(countSpy.count, 2)
        compare(sumSpy.count, 2)
        compare(PromQtTest.sample(reg, "request_seconds_count", { route: "/" }), 2)
        compare(PromQtTest.sample(reg, "request_seconds_bucket", { route: "/", le: "0.25" }), 1)
        compare(PromQtTest.sample(reg, "request_seconds_bucket", { route: "/", le: "2.5" }), 1)
        compare(PromQtTest.sample(reg, "request_seconds_bucket", { route: "/", le: "5" }), 2)
        h.destroy()
    }

    function test_defaultBucketsAreThoseOfPrometheusClient() {
        let h = histogram({ name: "defaults_seconds" })
        compare(h.buckets, [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
        compare(PromQtTest.sampleCount(reg, "defaults_seconds_bucket"), 15)   // + "+Inf"
        h.destroy()
    }

    function test_customBuckets() {
        let h = histogram({ name: "size_bytes", buckets: [100, 1000, 10000] })
        h.observe(50)
        h.observe(5000)
        h.observe(1e6)
        compare(PromQtTest.sampleCount(reg, "size_bytes_bucket"), 4)
        compare(PromQtTest.sample(reg, "size_bytes_bucket", { le: "100" }), 1)
        compare(PromQtTest.sample(reg, "size_bytes_bucket", { le: "1000" }), 1)
        compare(PromQtTest.sample(reg, "size_bytes_bucket", { le: "10000" }), 2)
        compare(PromQtTest.sample(reg, "size_bytes_bucket", { le: "+Inf" }), 3)
        h.destroy()
    }

    function test_invalidBucketsWarnAndStayInert_data() {
        return [
            { tag: "unsorted", buckets: [1, 0.5], message: "buckets: bucket bounds must be strictly increasing \\(0.5 after 1\\)" },
            { tag: "duplicate", buckets: [1, 1], message: "buckets: bucket bounds must be strictly increasing" },
            { tag: "string", buckets: [0.1, "x"], message: "buckets: every bucket must be a finite number, not \"x\"" },
            { tag: "numeric string", buckets: ["0.1"], message: "buckets: every bucket must be a finite number" },
            { tag: "NaN", buckets: [NaN], message: "buckets: every bucket must be a finite number" },
            { tag: "Infinity", buckets: [1, Infinity], message: "buckets: every bucket must be a finite number" },
        ]
    }

    function test_invalidBucketsWarnAndStayInert(data) {
        ignoreWarning(new RegExp("QML Histogram: " + data.message + ".*records nothing"))
        let h = histogram({ name: "bad_buckets", buckets: data.buckets })
        verify(!h.valid)
        h.observe(1)
        compare(h.count, 0)
        compare(PromQtTest.text(reg), "")
        h.destroy()
    }

    function test_fixingBucketsRebinds() {
        ignoreWarning(new RegExp("buckets: bucket bounds must be strictly increasing"))
        let h = histogram({ name: "fixed_seconds", buckets: [2, 1] })
        verify(!h.valid)
        h.buckets = [1, 2]
        verify(h.valid)
        h.observe(1.5)
        compare(PromQtTest.sample(reg, "fixed_seconds_bucket", { le: "2" }), 1)
        h.destroy()
    }

    function test_leLabelIsReserved() {
        ignoreWarning(new RegExp("QML Histogram: labels: label \"le\" is reserved for histogram buckets"))
        let h = histogram({ name: "le_seconds", labels: { le: "1" } })
        verify(!h.valid)
        h.destroy()
    }

    function test_bucketsOfAFamilyAreFixedByItsFirstSeries() {
        let a = histogram({ name: "family_seconds", buckets: [1, 2], labels: { a: "1" } })
        ignoreWarning(new RegExp("buckets: \\[5, 10\\] differ from the buckets of the existing family \"family_seconds\"; using \\[1, 2\\]"))
        let b = histogram({ name: "family_seconds", buckets: [5, 10], labels: { a: "2" } })
        verify(b.valid)
        b.observe(1.5)
        compare(PromQtTest.sample(reg, "family_seconds_bucket", { a: "2", le: "2" }), 1)
        compare(PromQtTest.familyCount(reg, "family_seconds"), 1)
        a.destroy(); b.destroy()
    }

    function test_badObservationsWarn_data() {
        return [
            { tag: "string", value: "0.5", message: "observe: value must be a number, not \"0.5\"" },
            { tag: "NaN", value: NaN, message: "observe: value must be a finite number, not NaN" },
            { tag: "undefined", value: undefined, message: "observe: value must be a number, not undefined" },
        ]
    }

    function test_badObservationsWarn(data) {
        let h = histogram({ name: "bad_observation" })
        ignoreWarning(new RegExp("QML Histogram: " + data.message))
        h.observe(data.value)
        compare(h.count, 0)
        h.destroy()
    }

    function test_negativeObservationsAreAllowed() {
        let h = histogram({ name: "temperature_celsius", buckets: [-10, 0, 10] })
        h.observe(-5)
        compare(h.sum, -5)
        compare(PromQtTest.sample(reg, "temperature_celsius_bucket", { le: "0" }), 1)
        h.destroy()
    }

    function test_timers() {
        let h = histogram({ name: "step_seconds", buckets: [0.01, 0.04, 1] })
        let t1 = h.startTimer()
        let t2 = h.startTimer()
        PromQtTest.block(50)
        let s2 = h.stopTimer(t2)
        let s1 = h.stopTimer(t1)
        verify(s1 >= 0.05 && s2 >= 0.05)
        compare(h.count, 2)
        compare(h.sum, s1 + s2)
        compare(PromQtTest.sample(reg, "step_seconds_bucket", { le: "0.04" }), 0)
        compare(PromQtTest.sample(reg, "step_seconds_bucket", { le: "1" }), 2)
        ignoreWarning(new RegExp("stopTimer: unknown token " + t1))
        compare(h.stopTimer(t1), undefined)
        compare(h.count, 2)
    }

    function test_timeResolvingAndRejectingPromises() {
        let h = histogram({ name: "call_seconds", buckets: [0.04, 10] })
        let ok = deferred()
        let bad = deferred()
        compare(h.time(ok.promise) === ok.promise, true)
        compare(h.time(bad.promise) === bad.promise, true)
        let rejectionSeen = false
        bad.promise.catch(function () { rejectionSeen = true })
        PromQtTest.block(50)
        ok.resolve("fine")
        tryCompare(h, "count", 1)
        bad.reject(new Error("timeout"))
        tryCompare(h, "count", 2)
        tryVerify(function () { return rejectionSeen })
        compare(PromQtTest.sample(reg, "call_seconds_bucket", { le: "0.04" }), 0)
        verify(h.sum >= 0.1)
        h.destroy()
    }

    function test_timeObservesOncePerPromise() {
        let h = histogram({ name: "once_seconds" })
        let d = deferred()
        h.time(d.promise)
        h.time(d.promise)          // timed twice: two observations, each once
        d.resolve()
        tryCompare(h, "count", 2)
        h.destroy()
    }
}
