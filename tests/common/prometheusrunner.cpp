// SPDX-License-Identifier: MIT
#include "prometheusrunner.h"

#include "httpclient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTcpServer>
#include <QTest>
#include <QUrl>

namespace promqt::test {

quint16 freePort() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

PrometheusRunner::PrometheusRunner() { m_process.setProcessChannelMode(QProcess::MergedChannels); }

PrometheusRunner::~PrometheusRunner() { stop(); }

bool PrometheusRunner::start(const QByteArray& scrapeConfigs, QString* error) {
    const QString config = m_dir.filePath(QStringLiteral("prometheus.yml"));
    QFile f(config);
    if (!f.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("cannot write %1").arg(config);
        return false;
    }
    f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n" + scrapeConfigs);
    f.close();
    m_port = freePort();
    m_process.start(QStringLiteral("/usr/bin/prometheus"),
                    {QStringLiteral("--config.file=") + config,
                     QStringLiteral("--storage.tsdb.path=") + m_dir.filePath(QStringLiteral("data")),
                     QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port),
                     QStringLiteral("--log.level=warn")});
    if (!m_process.waitForStarted(10000)) {
        if (error)
            *error = QStringLiteral("prometheus did not start: ") + m_process.errorString();
        return false;
    }
    const bool ready = QTest::qWaitFor([this] {
        if (m_process.state() != QProcess::Running)
            return true;
        auto r = httpRequest(m_port, "GET", "/-/ready");
        return r && r->status == 200;
    }, 30000);
    if (!ready || m_process.state() != QProcess::Running) {
        if (error)
            *error = QStringLiteral("prometheus not ready: ") + QString::fromUtf8(log());
        return false;
    }
    return true;
}

void PrometheusRunner::stop() {
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate(); // SIGTERM: Prometheus shuts down cleanly
    if (!m_process.waitForFinished(15000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QJsonDocument PrometheusRunner::get(const QByteArray& pathAndQuery) {
    auto r = httpRequest(m_port, "GET", pathAndQuery);
    if (!r || r->status != 200)
        return {};
    return QJsonDocument::fromJson(r->body);
}

QJsonArray PrometheusRunner::query(const QString& expr) {
    const QByteArray q = QUrl::toPercentEncoding(expr);
    const QJsonDocument doc = get("/api/v1/query?query=" + q);
    return doc.object().value(QStringLiteral("data")).toObject().value(QStringLiteral("result")).toArray();
}

bool PrometheusRunner::waitForQuery(const QString& expr, int timeoutMs) {
    return QTest::qWaitFor([&] { return !query(expr).isEmpty(); }, timeoutMs);
}

QByteArray PrometheusRunner::log() const { return const_cast<QProcess&>(m_process).readAll(); }

int promtoolCheckMetrics(const QByteArray& body, QByteArray* output) {
    QProcess promtool;
    promtool.setProcessChannelMode(QProcess::MergedChannels);
    promtool.start(QStringLiteral("/usr/bin/promtool"), {QStringLiteral("check"), QStringLiteral("metrics")});
    if (!promtool.waitForStarted(10000))
        return -1;
    promtool.write(body);
    promtool.closeWriteChannel();
    if (!promtool.waitForFinished(30000))
        return -2;
    if (output)
        *output = promtool.readAll();
    return promtool.exitCode();
}

} // namespace promqt::test
