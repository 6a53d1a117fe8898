// SPDX-License-Identifier: MIT
// Pusher with a real Pushgateway (Debian's prometheus-pushgateway, no persistence): values arrive
// with the job and grouping labels (one needing base64), are replaced by a second push, merged by
// pushAdd, and removed by deleteGroup; a stopped gateway gives failed() and nothing else breaks.
#include "fakehttp.h"

#include <promqt/push.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using promqt::Pusher;
using promqt::test::ExternalServer;
using Labels = QMap<QString, QString>;

namespace {

const QString kPushgateway = QStringLiteral("/usr/bin/prometheus-pushgateway");

/// Value of the sample `name` with exactly `labels` in a text exposition, or a null string.
QString sample(const QByteArray& text, const QString& name, const Labels& labels) {
    static const QRegularExpression line(QStringLiteral("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)$"));
    static const QRegularExpression label(QStringLiteral("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\""));
    for (const QByteArray& raw : text.split('\n')) {
        const auto m = line.match(QString::fromUtf8(raw));
        if (!m.hasMatch() || m.captured(1) != name)
            continue;
        Labels found;
        auto it = label.globalMatch(m.captured(2));
        while (it.hasNext()) {
            const auto l = it.next();
            found.insert(l.captured(1), l.captured(2));
        }
        if (found == labels)
            return m.captured(3);
    }
    return {};
}

QByteArray gatewayMetrics(quint16 port) {
    return promqt::test::httpGet(QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port)));
}

/// The groups of /api/v1/metrics: their labels, and for each the metric names it holds.
QList<QPair<Labels, QStringList>> apiGroups(quint16 port) {
    QList<QPair<Labels, QStringList>> out;
    const QByteArray body = promqt::test::httpGet(QUrl(QStringLiteral("http://127.0.0.1:%1/api/v1/metrics").arg(port)));
    const QJsonArray data = QJsonDocument::fromJson(body).object().value("data").toArray();
    for (const auto& g : data) {
        const QJsonObject o = g.toObject();
        Labels labels;
        const QJsonObject lo = o.value("labels").toObject();
        for (auto it = lo.begin(); it != lo.end(); ++it)
            labels.insert(it.key(), it.value().toString());
        QStringList names;
        for (auto it = o.begin(); it != o.end(); ++it)
            if (it.key() != QLatin1String("labels") && it.key() != QLatin1String("push_time_seconds") &&
                it.key() != QLatin1String("push_failure_time_seconds"))
                names.append(it.key());
        out.append({labels, names});
    }
    return out;
}

} // namespace

class tst_PusherPushgateway : public QObject {
    Q_OBJECT

private slots:
    void pushReplaceAddDeleteAndFailure();
};

void tst_PusherPushgateway::pushReplaceAddDeleteAndFailure() {
    if (!QFile::exists(kPushgateway))
        QSKIP("/usr/bin/prometheus-pushgateway is not installed");
    const quint16 port = promqt::test::freeLoopbackPort();
    ExternalServer gateway(kPushgateway,
                           {QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port),
                            QStringLiteral("--log.level=warn")},
                           port);
    QVERIFY2(gateway.start("/-/ready"), gateway.log().constData());

    auto registry = std::make_shared<prometheus::Registry>();
    auto& jobs = prometheus::BuildCounter().Name("promqt_test_jobs_total").Help("Jobs.").Register(*registry).Add({});
    auto& last = prometheus::BuildGauge().Name("promqt_test_last_size_bytes").Help("Size.").Register(*registry).Add({{"kind", "full"}});
    jobs.Increment(3);
    last.Set(1024);

    Pusher pusher(gateway.url(), QStringLiteral("backup"));
    const Labels grouping{{QStringLiteral("instance"), QStringLiteral("db1")},
                          {QStringLiteral("path"), QStringLiteral("/var/lib/db")}};
    pusher.setGroupingLabels(grouping);
    pusher.registerCollectable(registry);
    QSignalSpy pushed(&pusher, &Pusher::pushed);
    QSignalSpy failed(&pusher, &Pusher::failed);
    QSignalSpy deleted(&pusher, &Pusher::deleted);

    // 1. push: the values appear under the job and grouping labels (path went as base64).
    QVERIFY(pusher.groupUrl().toString().contains(QLatin1String("/path@base64/")));
    pusher.push();
    QVERIFY(pushed.wait(5000));
    QCOMPARE(failed.size(), 0);
    Labels series = grouping;
    series.insert(QStringLiteral("job"), QStringLiteral("backup"));
    QByteArray text = gatewayMetrics(port);
    QCOMPARE(sample(text, "promqt_test_jobs_total", series), QStringLiteral("3"));
    Labels gaugeSeries = series;
    gaugeSeries.insert(QStringLiteral("kind"), QStringLiteral("full"));
    QCOMPARE(sample(text, "promqt_test_last_size_bytes", gaugeSeries), QStringLiteral("1024"));
    auto groups = apiGroups(port);
    QCOMPARE(groups.size(), 1);
    QCOMPARE(groups.first().first, series);
    QVERIFY(groups.first().second.contains(QStringLiteral("promqt_test_jobs_total")));

    // 2. push again with new values: replaced.
    jobs.Increment(2);
    last.Set(2048);
    pusher.push();
    QVERIFY(pushed.wait(5000));
    text = gatewayMetrics(port);
    QCOMPARE(sample(text, "promqt_test_jobs_total", series), QStringLiteral("5"));
    QCOMPARE(sample(text, "promqt_test_last_size_bytes", gaugeSeries), QStringLiteral("2048"));

    // 3. pushAdd from another registry keeps the group's other metrics; push (PUT) replaces them.
    auto other = std::make_shared<prometheus::Registry>();
    prometheus::BuildGauge().Name("promqt_test_other").Help("Other.").Register(*other).Add({}).Set(7);
    Pusher second(gateway.url(), QStringLiteral("backup"));
    second.setGroupingLabels(grouping);
    second.registerCollectable(other);
    QSignalSpy secondPushed(&second, &Pusher::pushed);
    second.pushAdd();
    QVERIFY(secondPushed.wait(5000));
    text = gatewayMetrics(port);
    QCOMPARE(sample(text, "promqt_test_other", series), QStringLiteral("7"));
    QCOMPARE(sample(text, "promqt_test_jobs_total", series), QStringLiteral("5"));
    second.push();
    QVERIFY(secondPushed.wait(5000));
    text = gatewayMetrics(port);
    QCOMPARE(sample(text, "promqt_test_other", series), QStringLiteral("7"));
    QVERIFY(sample(text, "promqt_test_jobs_total", series).isNull());

    // 4. deleteGroup: gone.
    pusher.deleteGroup();
    QVERIFY(deleted.wait(5000));
    text = gatewayMetrics(port);
    QVERIFY(sample(text, "promqt_test_other", series).isNull());
    QVERIFY(apiGroups(port).isEmpty());

    // 5. A stopped gateway: failed() with a reason; the loop and the app carry on.
    gateway.stop();
    pusher.push();
    QVERIFY(failed.wait(10000));
    QVERIFY2(failed.first().first().toString().contains(QLatin1String("refused"), Qt::CaseInsensitive),
             qPrintable(failed.first().first().toString()));
    bool ticked = false;
    QTimer::singleShot(0, this, [&] { ticked = true; });
    QVERIFY(QTest::qWaitFor([&] { return ticked; }, 1000));
    QVERIFY(!pusher.isBusy());
}

QTEST_GUILESS_MAIN(tst_PusherPushgateway)
#include "tst_pusher_pushgateway.moc"
