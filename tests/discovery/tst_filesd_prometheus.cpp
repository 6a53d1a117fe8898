// SPDX-License-Identifier: MIT
// FileSdTarget with a real Prometheus: two servers in one file_sd directory are discovered and
// scraped (`up == 1`); stopping one removes its file and Prometheus drops the target.
#include "fakehttp.h"

#include <promqt/discovery.h>
#include <promqt/metricsserver.h>
#include <promqt/threadedmetricsserver.h>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using promqt::FileSdTarget;
using promqt::test::ExternalServer;

namespace {

const QString kPrometheus = QStringLiteral("/usr/bin/prometheus");

QJsonObject getJson(quint16 port, const QByteArray& path) {
    const QByteArray body = promqt::test::httpGet(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port) + QString::fromLatin1(path)));
    return QJsonDocument::fromJson(body).object();
}

/// scrapeUrl -> health of the active targets of job "promqt".
QMap<QString, QString> activeTargets(quint16 port) {
    QMap<QString, QString> out;
    const QJsonArray targets =
        getJson(port, "/api/v1/targets?state=active").value("data").toObject().value("activeTargets").toArray();
    for (const auto& t : targets) {
        const QJsonObject o = t.toObject();
        if (o.value("labels").toObject().value("job").toString() == QLatin1String("promqt"))
            out.insert(o.value("scrapeUrl").toString(), o.value("health").toString());
    }
    return out;
}

/// instance label -> value of `up{job="promqt"}`.
QMap<QString, QString> upByInstance(quint16 port) {
    QMap<QString, QString> out;
    const QJsonArray result = getJson(port, "/api/v1/query?query=up%7Bjob%3D%22promqt%22%7D")
                                  .value("data")
                                  .toObject()
                                  .value("result")
                                  .toArray();
    for (const auto& r : result) {
        const QJsonObject o = r.toObject();
        out.insert(o.value("metric").toObject().value("instance").toString(),
                   o.value("value").toArray().at(1).toString());
    }
    return out;
}

} // namespace

class tst_FileSdPrometheus : public QObject {
    Q_OBJECT

private slots:
    void prometheusDiscoversAndDropsTargets();
};

void tst_FileSdPrometheus::prometheusDiscoversAndDropsTargets() {
    if (!QFile::exists(kPrometheus))
        QSKIP("/usr/bin/prometheus is not installed");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString sdDir = tmp.filePath(QStringLiteral("file_sd"));
    QFile config(tmp.filePath(QStringLiteral("prometheus.yml")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(QStringLiteral("global:\n"
                                "  scrape_interval: 1s\n"
                                "  scrape_timeout: 1s\n"
                                "  evaluation_interval: 1s\n"
                                "scrape_configs:\n"
                                "  - job_name: promqt\n"
                                "    file_sd_configs:\n"
                                "      - files: ['%1/*.json']\n"
                                "        refresh_interval: 1s\n")
                     .arg(sdDir)
                     .toUtf8());
    config.close();

    const quint16 port = promqt::test::freeLoopbackPort();
    ExternalServer prometheus(kPrometheus,
                              {QStringLiteral("--config.file=") + config.fileName(),
                               QStringLiteral("--storage.tsdb.path=") + tmp.filePath(QStringLiteral("data")),
                               QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port),
                               QStringLiteral("--log.level=warn")},
                              port);
    QVERIFY2(prometheus.start("/-/ready"), prometheus.log().constData());

    // One server of each kind: a MetricsServer in this thread, a ThreadedMetricsServer.
    auto registry = std::make_shared<prometheus::Registry>();
    prometheus::BuildGauge().Name("promqt_demo").Register(*registry).Add({}).Set(1);
    promqt::MetricsServer a;
    promqt::ThreadedMetricsServer b;
    a.registerCollectable(registry);
    b.registerCollectable(registry);
    QVERIFY(a.listen(QHostAddress::LocalHost, 0));
    QVERIFY(b.listen(QHostAddress::LocalHost, 0));
    FileSdTarget targetA(sdDir), targetB(sdDir);
    targetB.setAdvertiseAddress(QStringLiteral("127.0.0.1")); // explicit, as a fleet would
    targetA.setFileName(QStringLiteral("a.json"));
    targetB.setFileName(QStringLiteral("b.json"));
    targetA.setLabels({{QStringLiteral("name"), QStringLiteral("a")}});
    targetB.setLabels({{QStringLiteral("name"), QStringLiteral("b")}});
    QSignalSpy writtenA(&targetA, &FileSdTarget::written);
    QSignalSpy writtenB(&targetB, &FileSdTarget::written);
    targetA.setServer(&a);
    targetB.setServer(&b);
    QVERIFY(writtenA.wait(5000) || writtenA.size() == 1);
    QVERIFY(writtenB.size() == 1 || writtenB.wait(5000));

    const QString urlA = QStringLiteral("http://127.0.0.1:%1/metrics").arg(a.serverPort());
    const QString urlB = QStringLiteral("http://127.0.0.1:%1/metrics").arg(b.serverPort());
    const QString instA = QStringLiteral("127.0.0.1:%1").arg(a.serverPort());
    const QString instB = QStringLiteral("127.0.0.1:%1").arg(b.serverPort());
    using Health = QMap<QString, QString>;
    QTRY_COMPARE_WITH_TIMEOUT(activeTargets(port), (Health{{urlA, "up"}, {urlB, "up"}}), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(upByInstance(port), (Health{{instA, "1"}, {instB, "1"}}), 15000);

    // Stop b: its file goes, and Prometheus drops the target.
    QSignalSpy removedB(&targetB, &FileSdTarget::removed);
    b.stop();
    QVERIFY(removedB.wait(5000));
    QTRY_COMPARE_WITH_TIMEOUT(activeTargets(port), (Health{{urlA, "up"}}), 20000);

    prometheus.stop();
}

QTEST_GUILESS_MAIN(tst_FileSdPrometheus)
#include "tst_filesd_prometheus.moc"
