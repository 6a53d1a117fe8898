// SPDX-License-Identifier: MIT
// The real Prometheus (Debian's /usr/bin/prometheus) scrapes promqt: the console demo as a
// separate process, and a MetricsServer inside this test. promtool lints what we serve.
#include <promqt/metricsserver.h>

#include "httpclient.h"
#include "prometheusrunner.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace promqt::test;

class TestPrometheus : public QObject {
    Q_OBJECT
private:
    static double firstValue(const QJsonArray& result) {
        return result.first().toObject().value(QStringLiteral("value")).toArray().at(1).toString().toDouble();
    }

private slots:
    void initTestCase() {
        if (!QFile::exists(QStringLiteral("/usr/bin/prometheus")))
            QFAIL("/usr/bin/prometheus is missing: run scripts/deps");
    }

    void scrapesTheConsoleDemo() {
        QProcess demo;
        const QString exe = qEnvironmentVariable("PROMQT_BINARY_DIR") + QStringLiteral("/examples/console-demo/promqt-console-demo");
        if (!QFile::exists(exe))
            QSKIP("built without examples (PROMQT_BUILD_EXAMPLES=OFF): no console demo to scrape");
        demo.start(exe, {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--interval-ms"), QStringLiteral("50")});
        QVERIFY2(demo.waitForStarted(), qPrintable(demo.errorString()));
        QVERIFY(QTest::qWaitFor([&] { return demo.canReadLine(); }, 10000));
        const QByteArray first = demo.readLine().trimmed(); // "Serving http://127.0.0.1:PORT/metrics"
        const QUrl url(QString::fromUtf8(first.mid(first.indexOf("http"))));
        QVERIFY2(url.port() > 0, first.constData());

        PrometheusRunner prom;
        QString error;
        QVERIFY2(prom.start("  - job_name: demo\n    static_configs:\n      - targets: ['127.0.0.1:" +
                                QByteArray::number(url.port()) + "']\n",
                            &error),
                 qPrintable(error));
        QVERIFY2(prom.waitForQuery(QStringLiteral("up{job=\"demo\"} == 1")), prom.log().constData());
        QVERIFY(prom.waitForQuery(QStringLiteral("promqt_demo_build_info{job=\"demo\",version=\"0.1.0\"} == 1")));
        QVERIFY(prom.waitForQuery(QStringLiteral("promqt_demo_job_duration_seconds_count{job=\"demo\"} > 0")));
        prom.stop();
        demo.terminate();
        QVERIFY(demo.waitForFinished(10000));

        // promtool lints a body the demo served.
    }

    void scrapesInProcessServerWithGzipAndOpenMetrics() {
        auto registry = std::make_shared<prometheus::Registry>();
        prometheus::BuildGauge().Name("itest_answer").Help("The answer.").Register(*registry).Add({{"kind", "test"}}).Set(42);
        auto& counter = prometheus::BuildCounter().Name("itest_events_total").Help("Events.").Register(*registry).Add({});
        counter.Increment(5);
        prometheus::BuildHistogram().Name("itest_latency_seconds").Help("Latency.").Register(*registry)
            .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 1}).Observe(0.5);
        promqt::MetricsServer server;
        server.registerCollectable(registry);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));

        PrometheusRunner prom;
        QString error;
        QVERIFY2(prom.start("  - job_name: inproc\n    static_configs:\n      - targets: ['127.0.0.1:" +
                                QByteArray::number(server.serverPort()) + "']\n",
                            &error),
                 qPrintable(error));
        // qWaitFor keeps this thread's event loop — and so the server — running.
        QVERIFY2(prom.waitForQuery(QStringLiteral("up{job=\"inproc\"} == 1")), prom.log().constData());
        QVERIFY(prom.waitForQuery(QStringLiteral("itest_answer{job=\"inproc\",kind=\"test\"} == 42")));
        QVERIFY(prom.waitForQuery(QStringLiteral("itest_events_total{job=\"inproc\"} == 5")));
        QVERIFY(prom.waitForQuery(QStringLiteral("itest_latency_seconds_bucket{job=\"inproc\",le=\"1\"} == 1")));
        const QJsonArray samples = prom.query(QStringLiteral("scrape_samples_scraped{job=\"inproc\"}"));
        QVERIFY(!samples.isEmpty());
        QVERIFY2(firstValue(samples) >= 10, qPrintable(QString::number(firstValue(samples))));
        // Prometheus 2.42 asks for OpenMetrics and gzip; the server says what it served.
        QVERIFY(prom.waitForQuery(QStringLiteral(
            "promqt_exposer_metrics_responses_total{job=\"inproc\",format=\"openmetrics\",encoding=\"gzip\"} > 0")));
        QVERIFY(prom.query(QStringLiteral(
            "promqt_exposer_metrics_responses_total{job=\"inproc\",format=\"text\"} > 0")).isEmpty());
        prom.stop();
    }

    void promtoolAcceptsServedText() {
        auto registry = std::make_shared<prometheus::Registry>();
        prometheus::BuildCounter().Name("lint_events_total").Help("Events.").Register(*registry).Add({{"a", "x\"y\\z\nw"}}).Increment();
        prometheus::BuildGauge().Name("lint_value").Help("A value.").Register(*registry).Add({}).Set(1.5);
        promqt::MetricsServer server;
        server.registerCollectable(registry);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        auto r = httpRequest(server.serverPort(), "GET", "/metrics");
        QVERIFY(r && r->status == 200);
        QByteArray out;
        QCOMPARE(promtoolCheckMetrics(r->body, &out), 0);
        QVERIFY2(out.trimmed().isEmpty(), out.constData());
    }
};

QTEST_GUILESS_MAIN(TestPrometheus)
#include "tst_prometheus.moc"
