// SPDX-License-Identifier: MIT
// The QML desktop example (examples/qml-desktop) starts offscreen, prints its metrics URL, and a
// scrape over a raw loopback socket shows the series its QML recorded, frame times included.
#include "httpclient.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>
#include <QUrl>

#include <optional>

using promqt::test::httpRequest;

namespace {

// The value of the first sample line starting with `series` ("name{labels}"), if any.
std::optional<double> sampleValue(const QByteArray& body, const QByteArray& series)
{
    for (const QByteArray& line : body.split('\n')) {
        if (line.startsWith(series + ' '))
            return line.mid(series.size() + 1).toDouble();
    }
    return std::nullopt;
}

} // namespace

class tst_QmlExample : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void startsOffscreenAndServesItsMetrics();
    void busyPortIsReported();

private:
    QProcess m_process;
};

void tst_QmlExample::init()
{
    m_process.setProgram(QStringLiteral(PROMQT_QML_EXAMPLE));
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    m_process.setProcessEnvironment(env);
}

void tst_QmlExample::cleanup()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
}

void tst_QmlExample::startsOffscreenAndServesItsMetrics()
{
    m_process.setArguments({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--autopilot")});
    m_process.start();
    QVERIFY(m_process.waitForStarted());

    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += m_process.readAllStandardOutput()).contains('\n')
                                     || m_process.state() == QProcess::NotRunning,
                             20000);
    const auto match = QRegularExpression(QStringLiteral(R"(metrics at (http://127\.0\.0\.1:(\d+)/metrics))"))
                               .match(QString::fromUtf8(out));
    QVERIFY2(match.hasMatch(), (out + m_process.readAllStandardError()).constData());
    const auto port = quint16(match.captured(2).toUInt());
    QVERIFY(port > 0);

    // The autopilot clicks, reloads and calls the backend; scrape until all of it shows.
    QByteArray body;
    const auto scrape = [&] {
        const auto response = httpRequest(port, "GET", "/metrics");
        if (!response || response->status != 200)
            return false;
        body = response->body;
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(scrape() && sampleValue(body, R"(qmldemo_button_clicks_total{button="Hello"})").value_or(0) > 0
                                     && sampleValue(body, R"(qmldemo_request_duration_seconds_count{endpoint="/api/items"})").value_or(0) > 0
                                     && sampleValue(body, "qmldemo_list_load_seconds_count").value_or(0) > 0
                                     && sampleValue(body, R"(promqt_frame_interval_seconds_count{window="main"})").value_or(0) > 0,
                             20000);

    QVERIFY(body.contains("# TYPE qmldemo_button_clicks_total counter"));
    QVERIFY(sampleValue(body, R"(qmldemo_button_clicks_total{button="Call backend"})").has_value());
    QVERIFY(sampleValue(body, R"(promqt_frames_total{window="main"})").value_or(0) > 0);
    QVERIFY(sampleValue(body, R"(promqt_frames_over_budget_total{window="main"})").has_value());
    QCOMPARE(sampleValue(body, R"(promqt_frame_budget_seconds{window="main"})"), 0.0167);
    QVERIFY(sampleValue(body, "qmldemo_list_items").value_or(0) > 0);
    QVERIFY(body.contains("# TYPE qmldemo_response_size_bytes summary"));
    QVERIFY(m_process.state() == QProcess::Running);

    // What QML declared is valid exposition by Prometheus' own linter.
    QProcess promtool;
    promtool.start(QStringLiteral("/usr/bin/promtool"), {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(promtool.waitForStarted());
    promtool.write(body);
    promtool.closeWriteChannel();
    QVERIFY(promtool.waitForFinished(20000));
    QVERIFY2(promtool.exitCode() == 0, promtool.readAll().constData());
}

void tst_QmlExample::busyPortIsReported()
{
    QTcpServer busy;
    QVERIFY(busy.listen(QHostAddress::LocalHost, 0));
    m_process.setArguments({QStringLiteral("--port"), QString::number(busy.serverPort())});
    m_process.start();
    QVERIFY(m_process.waitForFinished(20000));
    QCOMPARE(m_process.exitCode(), 1);
    const QByteArray err = m_process.readAllStandardError();
    QVERIFY2(err.contains("cannot serve metrics") && err.contains(QByteArray::number(busy.serverPort())),
             err.constData());
}

QTEST_MAIN(tst_QmlExample)
#include "tst_qmlexample.moc"
