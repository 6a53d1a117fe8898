// SPDX-License-Identifier: MIT
// A plain Qt Quick button (no Controls needed) that counts its clicks: every DemoButton has a
// Counter of the same family, told apart by the `button` label.
import QtQuick
import PromQt

Rectangle {
    id: button
    property alias text: label.text
    signal clicked()

    implicitWidth: label.implicitWidth + 32
    implicitHeight: 40
    radius: 6
    color: mouse.pressed ? "#2a5d8f" : (mouse.containsMouse ? "#3b78b5" : "#4a8bd0")

    Counter {
        id: clicks
        name: "qmldemo_button_clicks_total"
        help: "Clicks on the example's buttons."
        labels: ({ button: button.text })
    }

    Text {
        id: label
        anchors.centerIn: parent
        color: "white"
        font.pixelSize: 15
    }

    MouseArea {
        id: mouse
        anchors.fill: parent
        hoverEnabled: true
        onClicked: button.click()
    }

    function click() {
        clicks.inc()
        button.clicked()
    }
}
