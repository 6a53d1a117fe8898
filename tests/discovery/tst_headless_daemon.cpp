// SPDX-License-Identifier: MIT
// examples/headless-daemon as a user runs it: it starts, registers with a (fake) Consul agent and
// a file_sd directory, serves process and event-loop-lag metrics, and on SIGTERM or SIGINT
// deregisters, removes its file and exits 0.
#include "fakehttp.h"
#include "httpclient.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using promqt::test::RecordingHttpServer;

class tst_HeadlessDaemon : public QObject {
    Q_OBJECT

private slots:
    void registersServesAndDeregistersOnSignal_data();
    void registersServesAndDeregistersOnSignal();
};

void tst_HeadlessDaemon::registersServesAndDeregistersOnSignal_data() {
    QTest::addColumn<int>("signo");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void tst_HeadlessDaemon::registersServesAndDeregistersOnSignal() {
    QFETCH(int, signo);
    RecordingHttpServer consul;
    QVERIFY(consul.listen());
    QTemporaryDir sdDir;

    QProcess daemon;
    daemon.setProgram(QStringLiteral(PROMQT_DAEMON_PATH));
    daemon.setArguments({QStringLiteral("--address"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                         QStringLiteral("0"), QStringLiteral("--consul"), consul.url().toString(),
                         QStringLiteral("--file-sd"), sdDir.path()});
    daemon.start();
    QVERIFY(daemon.waitForStarted(5000));
    QByteArray out;
    const QRegularExpression listening(QStringLiteral("listening on http://127.0.0.1:(\\d+)/metrics"));
    QRegularExpressionMatch m;
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     out += daemon.readAllStandardOutput();
                     m = listening.match(QString::fromUtf8(out));
                     return m.hasMatch() || daemon.state() != QProcess::Running;
                 },
                 10000) &&
                 m.hasMatch(),
             out + daemon.readAllStandardError());
    const quint16 port = quint16(m.captured(1).toUInt());

    // Registered with Consul, with its real port and an id unique per port.
    QTRY_COMPARE_WITH_TIMEOUT(consul.requestsTo("PUT", "/v1/agent/service/register").size(), 1, 10000);
    const QJsonObject body = QJsonDocument::fromJson(consul.requests().first().body).object();
    QCOMPARE(body.value("Port").toInt(), int(port));
    QCOMPARE(body.value("Address").toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(body.value("ID").toString(), QStringLiteral("promqt-headless-daemon-%1").arg(port));
    // And in the file_sd directory.
    QTRY_COMPARE_WITH_TIMEOUT(QDir(sdDir.path()).entryList(QDir::Files).size(), 1, 5000);

    // Serves its metrics.
    const auto scrape = promqt::test::httpRequest(port, "GET", "/metrics");
    QVERIFY(scrape && scrape->status == 200);
    QVERIFY(scrape->body.contains("process_cpu_seconds_total"));
    QVERIFY(scrape->body.contains("promqt_event_loop_lag_seconds"));
    QVERIFY(scrape->body.contains("daemon_work_ticks_total"));

    // The signal: deregistered, file removed, clean exit.
    QVERIFY(::kill(pid_t(daemon.processId()), signo) == 0);
    QVERIFY(QTest::qWaitFor([&] { return daemon.state() == QProcess::NotRunning; }, 10000));
    out += daemon.readAllStandardOutput();
    QCOMPARE(daemon.exitStatus(), QProcess::NormalExit);
    QCOMPARE(daemon.exitCode(), 0);
    QVERIFY2(out.contains("shutting down") && out.contains("stopped"), out.constData());
    const auto dereg = consul.requestsTo("PUT", "/v1/agent/service/deregister/");
    QCOMPARE(dereg.size(), 1);
    QCOMPARE(dereg.first().path(),
             QByteArray("/v1/agent/service/deregister/promqt-headless-daemon-") + QByteArray::number(port));
    QVERIFY(QDir(sdDir.path()).entryList(QDir::Files).isEmpty());
}

QTEST_GUILESS_MAIN(tst_HeadlessDaemon)
#include "tst_headless_daemon.moc"
