// SPDX-License-Identifier: MIT
// Gauge: inc/dec/set/setToCurrentTime, timers (overlapping, bad tokens), time(promise) with a
// resolving and a rejecting promise, trackInProgress.
import QtQuick
import QtTest
import PromQt
import PromQtTest

TestCase {
    id: testCase
    name: "Gauge"

    Component {
        id: gaugeComponent
        Gauge {}
    }
    Component {
        id: registryComponent
        Registry {}
    }
    SignalSpy {
        id: valueSpy
        signalName: "valueChanged"
    }

    property Registry reg

    function init() {
        reg = registryComponent.createObject(testCase)
    }

    function cleanup() {
        reg.destroy()
        valueSpy.clear()
        valueSpy.target = null
    }

    function gauge(props) {
        let g = gaugeComponent.createObject(testCase, Object.assign({ registry: reg }, props))
        verify(g !== null)
        return g
    }

    // A promise and the functions that settle it, so tests decide when it settles.
    function deferred() {
        let d = {}
        d.promise = new Promise(function (resolve, reject) { d.resolve = resolve; d.reject = reject })
        return d
    }

    function test_incDecSet() {
        let g = gauge({ name: "queue_length", help: "Items queued.", labels: { queue: "jobs" } })
        valueSpy.target = g
        g.inc()
        g.inc(4)
        compare(g.value, 5)
        g.dec()
        g.dec(1.5)
        compare(g.value, 2.5)
        g.inc(-0.5)                  // a gauge may go either way
        compare(g.value, 2)
        g.set(-7)
        compare(g.value, -7)
        compare(valueSpy.count, 6)
        compare(PromQtTest.sample(reg, "queue_length", { queue: "jobs" }), -7)
        g.destroy()
    }

    function test_setAcceptsNonFiniteNumbers() {
        let g = gauge({ name: "nonfinite" })
        g.set(Infinity)
        compare(g.value, Infinity)
        g.set(NaN)
        verify(isNaN(g.value))
        g.destroy()
    }

    function test_setToCurrentTime() {
        let g = gauge({ name: "last_refresh_timestamp_seconds" })
        let before = Date.now() / 1000
        g.setToCurrentTime()
        let after = Date.now() / 1000
        verify(g.value >= Math.floor(before) && g.value <= Math.ceil(after), g.value)
        g.destroy()
    }

    function test_badInputWarns_data() {
        return [
            { tag: "inc string", call: "inc", arg: "1", message: "inc: amount must be a number, not \"1\"" },
            { tag: "inc NaN", call: "inc", arg: NaN, message: "inc: amount must be a finite number" },
            { tag: "dec object", call: "dec", arg: {}, message: "dec: amount must be a number" },
            { tag: "dec Infinity", call: "dec", arg: -Infinity, message: "dec: amount must be a finite number" },
            { tag: "set string", call: "set", arg: "3", message: "set: value must be a number, not \"3\"" },
            { tag: "set undefined", call: "set", arg: undefined, message: "set: value must be a number, not undefined" },
        ]
    }

    function test_badInputWarns(data) {
        let g = gauge({ name: "bad_input" })
        g.set(1)
        ignoreWarning(new RegExp("QML Gauge: " + data.message))
        g[data.call](data.arg)
        compare(g.value, 1)
        g.destroy()
    }

    function test_overlappingTimers() {
        let g = gauge({ name: "phase_seconds" })
        let outer = g.startTimer()
        PromQtTest.block(60)
        let inner = g.startTimer()
        verify(inner !== outer)
        PromQtTest.block(30)
        let innerSeconds = g.stopTimer(inner)
        let outerSeconds = g.stopTimer(outer)
        verify(innerSeconds >= 0.03 && innerSeconds < outerSeconds, innerSeconds)
        verify(outerSeconds >= 0.09, outerSeconds)
        compare(g.value, outerSeconds)   // a gauge is set to the last duration
        g.destroy()
    }

    function test_unknownOrReusedTokenWarns() {
        let g = gauge({ name: "token_seconds" })
        let t = g.startTimer()
        g.stopTimer(t)
        ignoreWarning(new RegExp("stopTimer: unknown token " + t + " \\(never started, or already stopped\\)"))
        compare(g.stopTimer(t), undefined)
        ignoreWarning(new RegExp("stopTimer: unknown token 12345"))
        compare(g.stopTimer(12345), undefined)
        ignoreWarning(new RegExp("stopTimer: token must be a number returned by startTimer\\(\\), not \"abc\""))
        compare(g.stopTimer("abc"), undefined)
        ignoreWarning(new RegExp("stopTimer: token must be a number"))
        compare(g.stopTimer(1.5), undefined)
        g.destroy()
    }

    function test_timePromise_data() {
        return [ { tag: "resolving", resolves: true }, { tag: "rejecting", resolves: false } ]
    }

    function test_timePromise(data) {
        let g = gauge({ name: "load_seconds" })
        g.set(-1)
        let d = deferred()
        let returned = g.time(d.promise)
        compare(returned === d.promise, true)
        let outcome = null
        returned.then(function (v) { outcome = "value " + v }, function (e) { outcome = "error " + e.message })
        PromQtTest.block(50)
        if (data.resolves)
            d.resolve(42)
        else
            d.reject(new Error("offline"))
        tryVerify(function () { return g.value >= 0.05 }, 5000, "gauge set when the promise settles")
        tryVerify(function () { return outcome !== null })
        compare(outcome, data.resolves ? "value 42" : "error offline")   // the app sees the same outcome
        g.destroy()
    }

    function test_timeNonThenableWarns() {
        let g = gauge({ name: "time_bad" })
        ignoreWarning(new RegExp("QML Gauge: time: argument is not a promise or thenable \\(17\\)"))
        compare(g.time(17), 17)
        g.destroy()
    }

    function test_timeAcceptsAnyThenable() {
        // Not a Promise: time() returns a Promise that settles like the thenable, because a
        // thenable may be consumable only once (QCoro's QmlTask is; see tst_qcorothenable).
        let g = gauge({ name: "thenable_seconds" })
        g.set(-1)
        let callbacks = null
        let thenable = { then: function (onFulfilled, onRejected) { callbacks = [onFulfilled, onRejected] } }
        let returned = g.time(thenable)
        verify(returned instanceof Promise)
        verify(callbacks !== null)
        let outcome = null
        returned.then(function (v) { outcome = v })
        PromQtTest.block(20)
        callbacks[0]("done")
        verify(g.value >= 0.02)
        tryVerify(function () { return outcome === "done" }, 5000, "the app gets the thenable's value")
        g.destroy()
    }

    function test_thenableRejectingOrThrowing_data() {
        return [
            { tag: "rejects", thenable: { then: function (ok, fail) { fail(new Error("nope")) } } },
            { tag: "then throws", thenable: { then: function (ok, fail) { throw new Error("nope") } } },
        ]
    }

    function test_thenableRejectingOrThrowing(data) {
        let g = gauge({ name: "rejecting_thenable_seconds" })
        g.set(-1)
        let reason = null
        g.time(data.thenable).catch(function (e) { reason = e.message })
        verify(g.value >= 0)                    // recorded: it settled (rejected) right away
        tryVerify(function () { return reason === "nope" })
        g.destroy()
    }

    function test_singleCallbackThenable() {
        // A then() declaring one parameter gets just the fulfilment reaction.
        let g = gauge({ name: "one_arg_thenable_seconds" })
        g.set(-1)
        let args = -1
        let thenable = { then: function (onFulfilled) { args = arguments.length; onFulfilled(7) } }
        let result = null
        g.time(thenable).then(function (v) { result = v })
        compare(args, 1)
        verify(g.value >= 0)
        tryVerify(function () { return result === 7 })
        g.destroy()
    }

    function test_trackInProgress() {
        let g = gauge({ name: "requests_in_progress" })
        let a = deferred()
        let b = deferred()
        compare(g.trackInProgress(a.promise) === a.promise, true)
        g.trackInProgress(b.promise)
        compare(g.value, 2)
        a.resolve()
        tryCompare(g, "value", 1)
        b.reject(new Error("x"))
        b.promise.catch(function () {})
        tryCompare(g, "value", 0)
        ignoreWarning(new RegExp("trackInProgress: argument is not a promise or thenable"))
        g.trackInProgress("nope")
        compare(g.value, 0)        // a bad argument never leaves the gauge up
        g.destroy()
    }

    function test_inertGaugeTimersStillReturnTokens() {
        ignoreWarning(new RegExp("QML Gauge: name: \"bad name\" is not a valid metric name"))
        let g = gauge({ name: "bad name" })
        verify(!g.valid)
        let t = g.startTimer()
        verify(t > 0)
        verify(g.stopTimer(t) >= 0)   // nothing recorded, nothing to complain about
        let d = deferred()
        compare(g.time(d.promise) === d.promise, true)
        d.resolve()
        g.setToCurrentTime()
        compare(g.value, 0)
        g.destroy()
    }
}
