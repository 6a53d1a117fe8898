// SPDX-License-Identifier: MIT
// The whole instrumentation of the example, in QML: a MetricsServer, WindowMetrics for frame
// times, and Counter/Gauge/Histogram/Summary objects next to the code they measure.
import QtQuick
import QtQuick.Window
import PromQt

Window {
    id: root
    title: "PromQt QML desktop example"
    width: 640
    height: 480
    visible: true

    required property int metricsPort
    required property string metricsAddress
    required property bool autopilot

    // ---- serving and frame times --------------------------------------------------------------
    MetricsServer {
        id: metricsServer
        objectName: "metricsServer"   // main.cpp prints its url
        address: root.metricsAddress
        port: root.metricsPort
    }

    WindowMetrics {
        name: "main"                  // promqt_frame_interval_seconds{window="main"} & co.
    }

    // ---- the slowly loading list --------------------------------------------------------------
    Histogram {
        id: listLoadSeconds
        name: "qmldemo_list_load_seconds"
        help: "Time to (re)load the item list."
        buckets: [0.1, 0.25, 0.5, 1, 2.5, 5]
    }
    Gauge {
        id: listItems
        name: "qmldemo_list_items"
        help: "Items currently in the list."
    }

    property int loadToken: 0
    property int itemsToLoad: 0

    function reloadList() {
        if (loadTimer.running)
            return
        itemModel.clear()
        itemsToLoad = 40 + Math.floor(Math.random() * 80)
        loadToken = listLoadSeconds.startTimer()
        loadTimer.start()
    }

    Timer {
        // Ten items per tick: a list fed by something slow (disk, database, network).
        id: loadTimer
        interval: 40
        repeat: true
        onTriggered: {
            for (let i = 0; i < 10 && itemModel.count < root.itemsToLoad; ++i)
                itemModel.append({ title: "Item " + (itemModel.count + 1) })
            listItems.set(itemModel.count)
            if (itemModel.count >= root.itemsToLoad) {
                stop()
                listLoadSeconds.stopTimer(root.loadToken)
            }
        }
    }

    ListModel { id: itemModel }

    // ---- the simulated network call -----------------------------------------------------------
    Histogram {
        id: requestSeconds
        name: "qmldemo_request_duration_seconds"
        help: "Duration of calls to the (simulated) backend."
        labels: ({ endpoint: "/api/items" })
    }
    Counter {
        id: requestFailures
        name: "qmldemo_request_failures_total"
        help: "Failed calls to the (simulated) backend."
        labels: ({ endpoint: "/api/items" })
    }
    Gauge {
        id: requestsInProgress
        name: "qmldemo_requests_in_progress"
        help: "Calls to the (simulated) backend not answered yet."
    }
    Summary {
        id: responseBytes
        name: "qmldemo_response_size_bytes"
        help: "Size of the (simulated) responses."
        quantiles: [{ quantile: 0.5, error: 0.05 }, { quantile: 0.9, error: 0.01 }]
    }
    Gauge {
        id: lastSuccess
        name: "qmldemo_last_success_timestamp_seconds"
        help: "When a call last succeeded (Unix time)."
    }

    Component {
        id: delayComponent
        Timer {}
    }

    // A backend call stand-in: answers after 50-450 ms, fails one time in five.
    function simulatedRequest() {
        return new Promise(function (resolve, reject) {
            const timer = delayComponent.createObject(root, { interval: 50 + Math.random() * 400 })
            timer.triggered.connect(function () {
                timer.destroy()
                if (Math.random() < 0.2)
                    reject(new Error("HTTP 503"))
                else
                    resolve({ bytes: Math.round(200 + Math.random() * 5000) })
            })
            timer.start()
        })
    }

    function callBackend() {
        // Each wrapper returns the same promise, so they compose.
        const call = requestsInProgress.trackInProgress(
                         requestFailures.countExceptions(requestSeconds.time(simulatedRequest())))
        call.then(function (response) {
            responseBytes.observe(response.bytes)
            lastSuccess.setToCurrentTime()
            status.text = "Backend answered " + response.bytes + " bytes"
        }, function (error) {
            status.text = "Backend failed: " + error.message
        })
    }

    // ---- UI -----------------------------------------------------------------------------------
    Column {
        anchors.fill: parent
        anchors.margins: 16
        spacing: 12

        Row {
            spacing: 8
            DemoButton { id: helloButton; text: "Hello" }
            DemoButton { id: reloadButton; text: "Reload list"; onClicked: root.reloadList() }
            DemoButton { id: callButton; text: "Call backend"; onClicked: root.callBackend() }
            DemoButton {
                // Blocks the GUI thread for 120 ms: shows up in promqt_frames_over_budget_total.
                id: jankButton
                text: "Jank!"
                onClicked: { const end = Date.now() + 120; while (Date.now() < end) {} }
            }
        }

        Row {
            spacing: 12
            Rectangle {
                // Spins while something is in progress, so there are frames to measure.
                width: 24; height: 24; radius: 4
                color: "#4a8bd0"
                RotationAnimation on rotation {
                    running: loadTimer.running || requestsInProgress.value > 0
                    from: 0; to: 360; duration: 800; loops: Animation.Infinite
                }
            }
            Text {
                id: status
                text: "Metrics at " + metricsServer.url
                font.pixelSize: 14
                anchors.verticalCenter: parent.verticalCenter
            }
        }

        ListView {
            width: parent.width
            height: parent.height - 110
            clip: true
            model: itemModel
            delegate: Text { text: title; font.pixelSize: 14; height: 22 }
        }
    }

    // ---- autopilot (--autopilot): a user who never gets tired ---------------------------------
    Timer {
        interval: 150
        repeat: true
        running: root.autopilot
        triggeredOnStart: true
        property int step: 0
        onTriggered: {
            const s = step++
            switch (s % 4) {
            case 0: helloButton.click(); break
            case 1: callButton.click(); break
            case 2: reloadButton.click(); break
            case 3: if (s % 20 === 3) jankButton.click(); else helloButton.click(); break
            }
        }
    }
}
