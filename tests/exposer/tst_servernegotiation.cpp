// SPDX-License-Identifier: MIT
// Content negotiation over real sockets: OpenMetrics chosen and not chosen by realistic Accept
// headers, gzip honouring q-values, compression switched off, name[] filtering.
#include <promqt/metricsserver.h>

#include "httpclient.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QTest>

using promqt::test::gunzip;
using promqt::test::httpRequest;

namespace {
const QByteArray textType = "text/plain; version=0.0.4; charset=utf-8";
const QByteArray omType = "application/openmetrics-text; version=1.0.0; charset=utf-8";
} // namespace

class TestServerNegotiation : public QObject {
    Q_OBJECT
    std::shared_ptr<prometheus::Registry> registry;
    std::unique_ptr<promqt::MetricsServer> server;
    quint16 port = 0;

private slots:
    void init() {
        registry = std::make_shared<prometheus::Registry>();
        prometheus::BuildCounter().Name("neg_events_total").Help("Events.").Register(*registry).Add({}).Increment(2);
        prometheus::BuildGauge().Name("neg_value").Help("Value.").Register(*registry).Add({}).Set(3);
        prometheus::BuildGauge().Name("neg_other").Help("Other.").Register(*registry).Add({}).Set(4);
        server = std::make_unique<promqt::MetricsServer>();
        server->registerCollectable(registry);
        QVERIFY(server->listen(QHostAddress::LocalHost, 0));
        port = server->serverPort();
    }
    void cleanup() { server.reset(); }

    void format_data() {
        QTest::addColumn<QByteArray>("accept");
        QTest::addColumn<bool>("openMetrics");
        QTest::newRow("none") << QByteArray() << false;
        QTest::newRow("prometheus 2.42")
            << QByteArray("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                          "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
            << true;
        QTest::newRow("openmetrics only") << QByteArray("application/openmetrics-text") << true;
        QTest::newRow("openmetrics q=0") << QByteArray("application/openmetrics-text;q=0, text/plain") << false;
        QTest::newRow("text preferred") << QByteArray("text/plain;q=1, application/openmetrics-text;q=0.5") << false;
        QTest::newRow("curl") << QByteArray("*/*") << false;
        QTest::newRow("browser")
            << QByteArray("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8") << false;
        QTest::newRow("garbage") << QByteArray(";;;q=zz,,") << false;
    }
    void format() {
        QFETCH(QByteArray, accept);
        QFETCH(bool, openMetrics);
        QList<QByteArray> headers;
        if (!accept.isNull())
            headers << "Accept: " + accept;
        auto r = httpRequest(port, "GET", "/metrics", headers);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->header("Content-Type"), openMetrics ? omType : textType);
        if (openMetrics) {
            QVERIFY(r->body.endsWith("# EOF\n"));
            QVERIFY(r->body.contains("# TYPE neg_events counter\n"));
            QVERIFY(r->body.contains("neg_events_total 2\n"));
        } else {
            QVERIFY(!r->body.contains("# EOF"));
            QVERIFY(r->body.contains("# TYPE neg_events_total counter\n"));
        }
    }

    void gzip_data() {
        QTest::addColumn<QByteArray>("acceptEncoding");
        QTest::addColumn<bool>("gzip");
        QTest::newRow("none") << QByteArray() << false;
        QTest::newRow("gzip") << QByteArray("gzip") << true;
        QTest::newRow("prometheus") << QByteArray("gzip") << true;
        QTest::newRow("browser") << QByteArray("gzip, deflate, br") << true;
        QTest::newRow("gzip q=0") << QByteArray("gzip;q=0") << false;
        QTest::newRow("gzip q=0 star") << QByteArray("gzip;q=0, *") << false;
        QTest::newRow("star") << QByteArray("*") << true;
        QTest::newRow("star q=0") << QByteArray("*;q=0") << false;
        QTest::newRow("identity") << QByteArray("identity") << false;
        QTest::newRow("uppercase") << QByteArray("GZIP;Q=0.5") << true;
    }
    void gzip() {
        QFETCH(QByteArray, acceptEncoding);
        QFETCH(bool, gzip);
        QList<QByteArray> headers;
        if (!acceptEncoding.isNull())
            headers << "Accept-Encoding: " + acceptEncoding;
        auto r = httpRequest(port, "GET", "/metrics", headers);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(r->header("Vary").contains("Accept-Encoding"));
        QCOMPARE(r->header("Content-Length").toInt(), r->body.size());
        if (gzip) {
            QCOMPARE(r->header("Content-Encoding"), QByteArray("gzip"));
            QVERIFY(r->body.startsWith("\x1f\x8b"));
            QVERIFY(gunzip(r->body).contains("neg_value 3\n"));
        } else {
            QVERIFY(r->header("Content-Encoding").isNull());
            QVERIFY(r->body.contains("neg_value 3\n"));
        }
    }

    void gzipWithOpenMetricsAndHead() {
        const QList<QByteArray> headers = {"Accept: application/openmetrics-text", "Accept-Encoding: gzip"};
        auto get = httpRequest(port, "GET", "/metrics", headers);
        auto head = httpRequest(port, "HEAD", "/metrics", headers);
        QVERIFY(get && head);
        QVERIFY(gunzip(get->body).endsWith("# EOF\n"));
        QCOMPARE(head->header("Content-Encoding"), QByteArray("gzip"));
        QCOMPARE(head->header("Content-Type"), omType);
        QVERIFY(head->body.isEmpty());
    }

    void compressionSwitchedOff() {
        promqt::MetricsServerOptions o;
        o.compression = false;
        server->setOptions(o);
        auto r = httpRequest(port, "GET", "/metrics", {"Accept-Encoding: gzip"});
        QVERIFY(r);
        QVERIFY(r->header("Content-Encoding").isNull());
        QVERIFY(r->body.contains("neg_value 3\n"));
    }

    void nameFilter() {
        auto r = httpRequest(port, "GET", "/metrics?name[]=neg_value&name[]=neg_events_total");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(r->body.contains("neg_value 3\n"));
        QVERIFY(r->body.contains("neg_events_total 2\n"));
        QVERIFY(!r->body.contains("neg_other"));
        QVERIFY(!r->body.contains("promqt_exposer"));
        auto encoded = httpRequest(port, "GET", "/metrics?name%5B%5D=neg_other");
        QVERIFY(encoded);
        QVERIFY(encoded->body.contains("neg_other 4\n"));
        QVERIFY(!encoded->body.contains("neg_value"));
        auto none = httpRequest(port, "GET", "/metrics?name[]=does_not_exist");
        QVERIFY(none && none->status == 200);
        QVERIFY(none->body.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestServerNegotiation)
#include "tst_servernegotiation.moc"
