// SPDX-License-Identifier: MIT
// MetricsServer from QML: serves what QML metrics recorded (fetched over a real loopback socket
// with XMLHttpRequest), custom registry and path, stop/start, a busy port, a bad address.
import QtQuick
import QtTest
import PromQt
import PromQtTest

TestCase {
    id: testCase
    name: "MetricsServer"

    Registry { id: reg }

    MetricsServer { id: server }   // all defaults: 127.0.0.1, a free port, /metrics, default registry

    Counter { id: clicks; name: "qml_server_clicks_total"; help: "Clicks."; labels: ({ button: "ok" }) }
    Gauge { id: queue; name: "qml_server_queue_length" }
    Histogram { id: latency; name: "qml_server_latency_seconds"; buckets: [0.1, 1] }
    Summary { id: sizes; name: "qml_server_sizes_bytes" }

    Component {
        id: serverComponent
        MetricsServer {}
    }

    // GET `url`; returns an object filled in when the answer (or a failure) arrives.
    function get(url) {
        let result = { done: false, status: 0, body: "" }
        let xhr = new XMLHttpRequest()
        xhr.onreadystatechange = function () {
            if (xhr.readyState === XMLHttpRequest.DONE) {
                result.status = xhr.status
                result.body = xhr.responseText
                result.done = true
            }
        }
        xhr.open("GET", url)
        xhr.send()
        return result
    }

    function fetch(url) {
        let r = get(url)
        tryVerify(function () { return r.done }, 10000, "response from " + url)
        return r
    }

    function test_defaults() {
        compare(server.address, "127.0.0.1")
        compare(server.port, 0)
        compare(server.path, "/metrics")
        compare(server.registry, null)
        verify(server.running)
        verify(server.serverPort > 0)
        compare(server.url.toString(), "http://127.0.0.1:" + server.serverPort + "/metrics")
        compare(server.errorString, "")
    }

    function test_servesWhatQmlRecorded() {
        clicks.inc(3)
        queue.set(7)
        latency.observe(0.5)
        sizes.observe(1024)
        let r = fetch(server.url)
        compare(r.status, 200)
        verify(r.body.indexOf("# HELP qml_server_clicks_total Clicks.") >= 0, r.body)
        verify(r.body.indexOf('qml_server_clicks_total{button="ok"} 3') >= 0, r.body)
        verify(r.body.indexOf("qml_server_queue_length 7") >= 0)
        verify(r.body.indexOf('qml_server_latency_seconds_bucket{le="1"} 1') >= 0)
        verify(r.body.indexOf("qml_server_sizes_bytes_sum 1024") >= 0)
        clicks.inc()
        verify(fetch(server.url).body.indexOf('qml_server_clicks_total{button="ok"} 4') >= 0)
    }

    function test_customRegistryAndPath() {
        let s = serverComponent.createObject(testCase, { registry: reg, path: "/app-metrics" })
        verify(s.running)
        verify(s.url.toString().endsWith("/app-metrics"))
        let own = Qt.createQmlObject('import PromQt; Counter { name: "only_in_custom_total" }', testCase)
        own.registry = reg
        own.inc()
        let r = fetch(s.url)
        compare(r.status, 200)
        verify(r.body.indexOf("only_in_custom_total 1") >= 0, r.body)
        compare(r.body.indexOf("qml_server_clicks_total"), -1)   // not the default registry
        compare(fetch("http://127.0.0.1:" + s.serverPort + "/metrics").status, 404)

        s.path = "/other"
        compare(fetch(s.url).status, 200)
        verify(s.url.toString().endsWith("/other"))
        compare(fetch("http://127.0.0.1:" + s.serverPort + "/app-metrics").status, 404)

        s.registry = null                                          // back to the default registry
        verify(fetch(s.url).body.indexOf("qml_server_clicks_total") >= 0)
        own.destroy()
        s.destroy()
    }

    function test_stopAndStart() {
        let s = serverComponent.createObject(testCase)
        verify(s.running)
        let url = s.url
        s.running = false
        verify(!s.running)
        compare(s.serverPort, 0)
        compare(s.url.toString(), "")
        compare(fetch(url).status, 0)      // connection refused
        s.running = true
        verify(s.running)
        compare(fetch(s.url).status, 200)
        s.destroy()
    }

    function test_busyPortShowsInErrorString() {
        let busy = PromQtTest.occupyPort()
        let s = serverComponent.createObject(testCase, { port: busy })
        verify(!s.running)
        verify(s.errorString.length > 0)
        verify(s.errorString.indexOf(String(busy)) >= 0, s.errorString)
        compare(s.url.toString(), "")
        compare(s.serverPort, 0)
        s.port = 0                          // retry on another port: works, error cleared
        verify(s.running)
        compare(s.errorString, "")
        s.destroy()
    }

    function test_badAddressWarns() {
        ignoreWarning(new RegExp("QML MetricsServer: address: \"not-an-address\" is not an IP address"))
        let s = serverComponent.createObject(testCase, { address: "not-an-address" })
        verify(!s.running)
        verify(s.errorString.indexOf("not an IP address") >= 0)
        s.address = "localhost"
        verify(s.running)
        verify(s.url.toString().startsWith("http://127.0.0.1:"), s.url)
        s.destroy()
    }

    function test_badPortAndPathWarn() {
        ignoreWarning(new RegExp("QML MetricsServer: port: 70000 is not between 0 and 65535"))
        let s = serverComponent.createObject(testCase, { port: 70000 })
        verify(!s.running)
        s.port = 0
        verify(s.running)
        ignoreWarning(new RegExp("QML MetricsServer: path: \"metrics\" must start with '/'; keeping \"/metrics\""))
        s.path = "metrics"
        compare(s.path, "/metrics")
        s.destroy()
    }

    function test_notRunningUntilAsked() {
        let s = serverComponent.createObject(testCase, { running: false })
        verify(!s.running)
        s.running = true
        verify(s.running)
        s.destroy()
    }
}
