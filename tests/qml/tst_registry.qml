// SPDX-License-Identifier: MIT
// Registry: isolation between registries, the default registry (reached from C++), a C++
// registry handed to QML, and metrics outliving the Registry object.
import QtQuick
import QtTest
import PromQt
import PromQtTest

TestCase {
    id: testCase
    name: "Registry"

    Component {
        id: counterComponent
        Counter {}
    }
    Component {
        id: registryComponent
        Registry {}
    }

    property QtObject tracked

    function test_registriesAreIsolated() {
        let r1 = registryComponent.createObject(testCase)
        let r2 = registryComponent.createObject(testCase)
        verify(!r1.isDefault)
        let a = counterComponent.createObject(testCase, { registry: r1, name: "same_total" })
        let b = counterComponent.createObject(testCase, { registry: r2, name: "same_total" })
        a.inc()
        b.inc(5)
        compare(a.value, 1)
        compare(b.value, 5)
        compare(PromQtTest.sample(r1, "same_total"), 1)
        compare(PromQtTest.sample(r2, "same_total"), 5)
        a.destroy(); b.destroy(); r1.destroy(); r2.destroy()
    }

    function test_unsetRegistryMeansDefault() {
        let c = counterComponent.createObject(testCase, { name: "registry_default_total" })
        c.inc(2)
        compare(PromQtTest.sample(null, "registry_default_total"), 2)   // via promqt::Qml::defaultRegistry()
        let r = registryComponent.createObject(testCase)
        c.registry = r
        c.registry = null                 // back to the default registry and its series
        compare(c.value, 2)
        c.destroy(); r.destroy()
    }

    function test_cppRegistryHandedToQml() {
        let r = PromQtTest.cppRegistry()
        verify(!r.isDefault)
        let c = counterComponent.createObject(testCase, { registry: r, name: "from_qml_total" })
        c.inc(3)
        compare(PromQtTest.cppCounterValue("from_qml_total"), 3)
        c.destroy()
    }

    function test_metricsOutliveTheirRegistryObject() {
        let r = registryComponent.createObject(testCase)
        let c = counterComponent.createObject(testCase, { registry: r, name: "orphan_total" })
        c.inc()
        PromQtTest.retain(r)              // C++ keeps a reference to the prometheus registry
        tracked = r
        r.destroy()
        tryVerify(function () { return tracked === null })
        compare(c.registry, null)         // the QObject is gone ...
        verify(c.valid)                   // ... but the object keeps recording into its registry
        c.inc()
        compare(c.value, 2)
        compare(PromQtTest.retainedSample("orphan_total"), 2)
        c.destroy()
    }
}
