// SPDX-License-Identifier: MIT
// Counter: inc, value NOTIFY across objects sharing a series, families shared by labels,
// re-binding, bad input (warns, stays inert, never crashes), destruction, countExceptions.
import QtQuick
import QtTest
import PromQt
import PromQtTest

TestCase {
    id: testCase
    name: "Counter"

    Component {
        id: counterComponent
        Counter {}
    }
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
    property QtObject tracked

    function init() {
        reg = registryComponent.createObject(testCase)
    }

    function cleanup() {
        reg.destroy()
        valueSpy.clear()
        valueSpy.target = null
    }

    function counter(props) {
        let p = Object.assign({ registry: reg }, props)
        let c = counterComponent.createObject(testCase, p)
        verify(c !== null)
        return c
    }

    function test_incByOneAndByAmount() {
        let c = counter({ name: "clicks_total", help: "Clicks." })
        verify(c.valid)
        compare(c.value, 0)
        c.inc()
        compare(c.value, 1)
        c.inc(2.5)
        compare(c.value, 3.5)
        c.inc(0)
        compare(c.value, 3.5)
        compare(PromQtTest.sample(reg, "clicks_total"), 3.5)
        verify(PromQtTest.text(reg).indexOf("# HELP clicks_total Clicks.") >= 0)
        c.destroy()
    }

    function test_valueNotifiesEveryObjectOfTheSeries() {
        let a = counter({ name: "shared_total", labels: { k: "v" } })
        let b = counter({ name: "shared_total", labels: { k: "v" } })
        valueSpy.target = b
        a.inc()
        compare(valueSpy.count, 1)
        compare(b.value, 1)
        b.inc(4)
        compare(a.value, 5)
        compare(valueSpy.count, 2)
        compare(PromQtTest.sampleCount(reg, "shared_total"), 1)
        a.destroy()
        b.destroy()
    }

    function test_sameNameDifferentLabelsShareOneFamily() {
        let ok = counter({ name: "button_clicks_total", help: "Clicks per button.", labels: { button: "ok" } })
        let cancel = counter({ name: "button_clicks_total", help: "Clicks per button.", labels: { button: "cancel" } })
        let none = counter({ name: "button_clicks_total", help: "Clicks per button." })
        ok.inc()
        cancel.inc(2)
        none.inc(3)
        compare(PromQtTest.familyCount(reg, "button_clicks_total"), 1)
        compare(PromQtTest.sampleCount(reg, "button_clicks_total"), 3)
        compare(PromQtTest.sample(reg, "button_clicks_total", { button: "ok" }), 1)
        compare(PromQtTest.sample(reg, "button_clicks_total", { button: "cancel" }), 2)
        compare(PromQtTest.sample(reg, "button_clicks_total", {}), 3)
        ok.destroy(); cancel.destroy(); none.destroy()
    }

    function test_labelValuesMayBeNumbersAndBooleans() {
        let c = counter({ name: "typed_total", labels: { n: 3, f: 0.5, b: true, s: "x" } })
        verify(c.valid)
        c.inc()
        compare(PromQtTest.sample(reg, "typed_total", { n: "3", f: "0.5", b: "true", s: "x" }), 1)
        c.destroy()
    }

    function test_badAmountsWarnAndChangeNothing_data() {
        return [
            { tag: "string", amount: "abc", message: "inc: amount must be a number, not \"abc\"" },
            { tag: "numeric string", amount: "5", message: "inc: amount must be a number, not \"5\"" },
            { tag: "negative", amount: -1, message: "inc: amount must not be negative \\(-1\\)" },
            { tag: "NaN", amount: NaN, message: "inc: amount must be a finite number, not NaN" },
            { tag: "Infinity", amount: Infinity, message: "inc: amount must be a finite number, not Infinity" },
            { tag: "null", amount: null, message: "inc: amount must be a number, not \"null\"" },
            { tag: "object", amount: { a: 1 }, message: "inc: amount must be a number" },
            { tag: "boolean", amount: true, message: "inc: amount must be a number, not \"true\"" },
        ]
    }

    function test_badAmountsWarnAndChangeNothing(data) {
        let c = counter({ name: "bad_amount_total" })
        c.inc()
        ignoreWarning(new RegExp("QML Counter: " + data.message))
        c.inc(data.amount)
        compare(c.value, 1)
        verify(c.valid)
        c.destroy()
    }

    function test_invalidNamesWarnAndStayInert_data() {
        return [
            { tag: "leading digit", name: "1bad", message: "name: \"1bad\" is not a valid metric name" },
            { tag: "dash", name: "my-metric", message: "name: \"my-metric\" is not a valid metric name" },
            { tag: "space", name: "a b", message: "name: \"a b\" is not a valid metric name" },
            { tag: "reserved", name: "__reserved", message: "name: \"__reserved\" starts with \"__\"" },
            { tag: "empty", name: "", message: "name: is not set" },
        ]
    }

    function test_invalidNamesWarnAndStayInert(data) {
        ignoreWarning(new RegExp("QML Counter: " + data.message + ".*records nothing"))
        let c = counter({ name: data.name })
        verify(!c.valid)
        c.inc()               // inert: no crash, no warning, nothing recorded
        compare(c.value, 0)
        compare(PromQtTest.text(reg), "")
        c.destroy()
    }

    function test_invalidLabelsWarnAndStayInert_data() {
        return [
            { tag: "leading digit", labels: { "1a": "x" }, message: "labels: \"1a\" is not a valid label name" },
            { tag: "colon", labels: { "a:b": "x" }, message: "labels: \"a:b\" is not a valid label name" },
            { tag: "reserved", labels: { "__name__": "x" }, message: "labels: label \"__name__\" starts with \"__\"" },
            { tag: "object value", labels: { a: { b: 1 } }, message: "labels: the value of \"a\" must be a string, number or boolean" },
            { tag: "array value", labels: { a: [1, 2] }, message: "labels: the value of \"a\" must be a string, number or boolean" },
            { tag: "undefined value", labels: { a: undefined }, message: "labels: the value of \"a\" must be a string, number or boolean, not undefined" },
        ]
    }

    function test_invalidLabelsWarnAndStayInert(data) {
        ignoreWarning(new RegExp("QML Counter: " + data.message))
        let c = counter({ name: "labelled_total", labels: data.labels })
        verify(!c.valid)
        c.inc()
        compare(c.value, 0)
        compare(PromQtTest.sampleCount(reg, "labelled_total"), 0)
        c.destroy()
    }

    function test_typeClashWarnsAndStaysInert() {
        let g = gaugeComponent.createObject(testCase, { registry: reg, name: "clash" })
        verify(g.valid)
        ignoreWarning(new RegExp("QML Counter: name: \"clash\" cannot be registered as a counter"))
        let c = counter({ name: "clash" })
        verify(!c.valid)
        c.inc()
        compare(PromQtTest.text(reg).indexOf("# TYPE clash gauge") >= 0, true)
        compare(PromQtTest.text(reg).indexOf("counter"), -1)
        c.destroy(); g.destroy()
    }

    function test_warningNamesTheObject() {
        ignoreWarning(new RegExp("QML Counter: \\(okButtonCounter\\) name: \"bad name\""))
        let c = counter({ objectName: "okButtonCounter", name: "bad name" })
        verify(!c.valid)
        c.destroy()
    }

    function test_changingLabelsRebindsToAnotherSeries() {
        let c = counter({ name: "rebind_total", labels: { page: "home" } })
        c.inc()
        valueSpy.target = c
        c.labels = { page: "settings" }
        verify(c.valid)
        compare(c.value, 0)           // the new series
        verify(valueSpy.count >= 1)   // bindings on value re-evaluate
        c.inc(2)
        compare(PromQtTest.sample(reg, "rebind_total", { page: "home" }), 1)   // old series kept
        compare(PromQtTest.sample(reg, "rebind_total", { page: "settings" }), 2)
        c.labels = { page: "home" }
        compare(c.value, 1)           // back on the first series, which kept its value
        c.destroy()
    }

    function test_changingNameRebindsAndRecoversFromInvalid() {
        let c = counter({ name: "first_total" })
        c.inc()
        ignoreWarning(new RegExp("name: \"bad-name\" is not a valid metric name"))
        c.name = "bad-name"
        verify(!c.valid)
        c.inc()
        compare(PromQtTest.sample(reg, "first_total"), 1)
        c.name = "second_total"
        verify(c.valid)
        c.inc(5)
        compare(c.value, 5)
        compare(PromQtTest.sample(reg, "second_total"), 5)
        compare(PromQtTest.sample(reg, "first_total"), 1)
        c.destroy()
    }

    function test_changingRegistryRebinds() {
        let other = registryComponent.createObject(testCase)
        let c = counter({ name: "moving_total" })
        c.inc()
        c.registry = other
        c.inc(3)
        compare(PromQtTest.sample(reg, "moving_total"), 1)
        compare(PromQtTest.sample(other, "moving_total"), 3)
        c.destroy()
        other.destroy()
    }

    function test_destroyingAnObjectKeepsTheSeries() {
        let a = counter({ name: "kept_total", labels: { row: 1 } })
        let b = counter({ name: "kept_total", labels: { row: 1 } })
        a.inc(2)
        tracked = a
        a.destroy()
        tryVerify(function () { return tracked === null })
        b.inc()                              // the other user of the series still works
        compare(b.value, 3)
        tracked = b
        b.destroy()
        tryVerify(function () { return tracked === null })
        compare(PromQtTest.sample(reg, "kept_total", { row: "1" }), 3)
        // A delegate re-created for the same row continues the count (no reset to 0).
        let again = counter({ name: "kept_total", labels: { row: 1 } })
        compare(again.value, 3)
        again.destroy()
    }

    function test_helpMismatchWarnsButBinds() {
        let a = counter({ name: "helped_total", help: "First help." })
        ignoreWarning(new RegExp("help: \"Other help.\" is not used: family \"helped_total\" already exists with help \"First help.\""))
        let b = counter({ name: "helped_total", help: "Other help.", labels: { x: "1" } })
        verify(b.valid)
        verify(PromQtTest.text(reg).indexOf("# HELP helped_total First help.") >= 0)
        a.destroy(); b.destroy()
    }

    function test_countExceptions() {
        let c = counter({ name: "failures_total" })
        let resolveIt, rejectIt
        let ok = new Promise(function (resolve) { resolveIt = resolve })
        let bad = new Promise(function (resolve, reject) { rejectIt = reject })
        compare(c.countExceptions(ok) === ok, true)      // the same promise comes back
        compare(c.countExceptions(bad) === bad, true)
        let seenByUser = null
        bad.catch(function (e) { seenByUser = e.message })
        resolveIt(42)
        rejectIt(new Error("boom"))
        tryCompare(c, "value", 1)
        tryVerify(function () { return seenByUser === "boom" })  // the rejection still reaches the app
        compare(c.value, 1)
    }

    function test_countExceptionsWithNonThenableWarns() {
        let c = counter({ name: "failures2_total" })
        ignoreWarning(new RegExp("countExceptions: argument is not a promise or thenable"))
        compare(c.countExceptions(5), 5)
        compare(c.value, 0)
        c.destroy()
    }

    function test_promiseSettlingAfterTheObjectIsGoneStillCounts() {
        let c = counter({ name: "late_total" })
        let rejectIt
        let p = new Promise(function (resolve, reject) { rejectIt = reject })
        c.countExceptions(p)
        tracked = c
        c.destroy()
        tryVerify(function () { return tracked === null })
        rejectIt(new Error("late"))
        p.catch(function () {})
        tryVerify(function () { return PromQtTest.sample(reg, "late_total") === 1 })
    }

    function test_defaultRegistryIsReachableFromCpp() {
        let c = counterComponent.createObject(testCase, { name: "default_registry_total" })
        c.inc(7)
        compare(c.registry, null)
        // PromQtTest.text(null) reads promqt::Qml::defaultRegistry() through the C++ API.
        compare(PromQtTest.sample(null, "default_registry_total"), 7)
        c.destroy()
    }
}
