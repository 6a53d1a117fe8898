// SPDX-License-Identifier: MIT
// Runs the complete example of docs/qml.md (taken from the file itself, so the docs cannot rot):
// it loads, serves its metrics, and a refresh shows up in a scrape.
import QtQuick
import QtTest
import PromQt
import PromQtTest

TestCase {
    id: testCase
    name: "Docs"

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

    function test_completeExample() {
        let code = PromQtTest.docExample("qml.md", "complete-example")
        verify(code.indexOf("MetricsServer") > 0, "example found in docs/qml.md")
        verify(code.indexOf("port: 9464") > 0)
        code = code.replace("port: 9464", "port: 0")   // a free port, not the documented one
        let window = Qt.createQmlObject(code, testCase, "docs/qml.md")
        verify(window !== null)
        verify(window.server.running, window.server.errorString)

        window.refresh()
        // Scrape again and again (one request at a time) until the refresh has finished.
        let body = ""
        let pending = null
        tryVerify(function () {
            if (pending !== null && pending.done)
                body = pending.body
            if (pending === null || pending.done)
                pending = get(window.server.url)
            return body.indexOf("orders_load_seconds_count 1") >= 0
        }, 10000, "the refresh was recorded and served")
        verify(body.indexOf("orders_refresh_clicks_total 1") >= 0, body)
        verify(body.indexOf('orders_request_duration_seconds_count{endpoint="/orders"} 1') >= 0, body)
        verify(body.indexOf('orders_request_failures_total{endpoint="/orders"} 0') >= 0, body)
        verify(body.indexOf("orders_requests_in_progress 0") >= 0, body)
        verify(body.indexOf('promqt_frames_total{window="orders"}') >= 0, body)
        window.destroy()
    }
}
