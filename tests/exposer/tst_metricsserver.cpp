// SPDX-License-Identifier: MIT
// MetricsServer over real loopback sockets: every row of the HTTP behaviour table.
#include <promqt/metricsserver.h>

#include "httpclient.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using promqt::test::HttpResponse;
using promqt::test::RawHttpClient;
using promqt::test::httpRequest;

namespace {

class ThrowingCollectable : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override { throw std::runtime_error("boom"); }
};

} // namespace

class TestMetricsServer : public QObject {
    Q_OBJECT
    std::shared_ptr<prometheus::Registry> registry;
    prometheus::Counter* requests = nullptr;
    std::unique_ptr<promqt::MetricsServer> server;
    quint16 port = 0;

private slots:
    void init() {
        registry = std::make_shared<prometheus::Registry>();
        requests = &prometheus::BuildCounter()
                        .Name("app_requests_total")
                        .Help("Requests.")
                        .Register(*registry)
                        .Add({{"method", "get"}});
        requests->Increment(3);
        prometheus::BuildGauge().Name("app_temperature").Help("Temp.").Register(*registry).Add({}).Set(21.5);
        server = std::make_unique<promqt::MetricsServer>();
        server->registerCollectable(registry);
        QVERIFY(server->listen(QHostAddress::LocalHost, 0));
        port = server->serverPort();
        QVERIFY(port != 0);
    }
    void cleanup() { server.reset(); }

    void getMetrics() {
        auto r = httpRequest(port, "GET", "/metrics");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->version, QByteArray("HTTP/1.1"));
        QCOMPARE(r->header("Content-Type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
        QCOMPARE(r->header("Content-Length").toInt(), r->body.size());
        QVERIFY(r->body.contains("app_requests_total{method=\"get\"} 3\n"));
        QVERIFY(r->body.contains("app_temperature 21.5\n"));
        QVERIFY(r->body.contains("# TYPE promqt_exposer_connections gauge"));
    }

    void urlAndProperties() {
        QCOMPARE(server->url(), QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port)));
        QCOMPARE(server->property("serverAddress").value<QHostAddress>(), QHostAddress(QHostAddress::LocalHost));
        QVERIFY(server->isListening());
        QSignalSpy spy(server.get(), &promqt::MetricsServer::listeningChanged);
        server->close();
        QVERIFY(!server->isListening());
        QCOMPARE(spy.count(), 1);
        QCOMPARE(server->url(), QUrl());
        RawHttpClient c(port);
        QVERIFY(!c.connectToServer(1000));
    }

    void headHasHeadersButNoBody() {
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        c.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        auto head = c.readResponse(true);
        QVERIFY(head);
        QCOMPARE(head->status, 200);
        QVERIFY(head->header("Content-Length").toInt() > 100);
        QVERIFY(head->body.isEmpty());
        // If HEAD had leaked a body, this would parse garbage instead of the root page.
        auto root = c.readResponse();
        QVERIFY(root);
        QCOMPARE(root->status, 200);
        QVERIFY(root->body.contains("<a href=\"/metrics\">"));
        auto headRoot = httpRequest(port, "HEAD", "/");
        QVERIFY(headRoot && headRoot->status == 200 && headRoot->body.isEmpty());
        auto head404 = httpRequest(port, "HEAD", "/nope");
        QVERIFY(head404 && head404->status == 404);
    }

    void rootPageIsHealthCheck() {
        auto r = httpRequest(port, "GET", "/");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->header("Content-Type"), QByteArray("text/html; charset=utf-8"));
        QVERIFY(r->body.contains("href=\"/metrics\""));
    }

    void unknownPathIs404() {
        auto r = httpRequest(port, "GET", "/other");
        QVERIFY(r);
        QCOMPARE(r->status, 404);
        QCOMPARE(r->header("Content-Length").toInt(), r->body.size());
    }

    void otherMethodIs405WithAllow() {
        for (const QByteArray method : {"POST", "PUT", "DELETE", "PATCH", "BREW"}) {
            auto r = httpRequest(port, method, "/metrics", {"Content-Length: 0"});
            QVERIFY(r);
            QCOMPARE(r->status, 405);
            QCOMPARE(r->header("Allow"), QByteArray("GET, HEAD, OPTIONS"));
        }
        auto unknown = httpRequest(port, "POST", "/nope", {"Content-Length: 0"});
        QVERIFY(unknown);
        QCOMPARE(unknown->status, 404);
    }

    void options() {
        for (const QByteArray path : {"/metrics", "/", "*"}) {
            auto r = httpRequest(port, "OPTIONS", path);
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QCOMPARE(r->header("Allow"), QByteArray("GET, HEAD, OPTIONS"));
            QCOMPARE(r->header("Content-Length"), QByteArray("0"));
        }
    }

    void malformedRequestIs400AndCloses() {
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        c.send("GARBAGE\r\n\r\n");
        auto r = c.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 400);
        QCOMPARE(r->header("Connection"), QByteArray("close"));
        QVERIFY(c.waitForClosed());
    }

    void keepAliveServesSeveralRequests() {
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        for (int i = 0; i < 3; ++i) {
            requests->Increment();
            c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            auto r = c.readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QVERIFY(r->body.contains("app_requests_total{method=\"get\"} " + QByteArray::number(4 + i) + "\n"));
        }
        QVERIFY(c.isConnected());
    }

    void pipelinedRequestsAnsweredInOrder() {
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        QByteArray batch;
        const QList<QByteArray> paths = {"/metrics", "/", "/nope", "/metrics", "/"};
        for (const QByteArray& p : paths)
            batch += "GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n";
        c.send(batch);
        for (const QByteArray& p : paths) {
            auto r = c.readResponse();
            QVERIFY(r);
            if (p == "/metrics")
                QVERIFY(r->body.contains("app_temperature"));
            else if (p == "/")
                QVERIFY(r->body.contains("<html>"));
            else
                QCOMPARE(r->status, 404);
        }
    }

    void http10GetsHttp10AndClose() {
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        c.send("GET /metrics HTTP/1.0\r\n\r\n");
        auto r = c.readResponse();
        QVERIFY(r);
        QCOMPARE(r->version, QByteArray("HTTP/1.0"));
        QCOMPARE(r->status, 200);
        QVERIFY(c.waitForClosed());

        RawHttpClient k(port);
        QVERIFY(k.connectToServer());
        k.send("GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        auto r2 = k.readResponse();
        QVERIFY(r2);
        QCOMPARE(r2->header("Connection").toLower(), QByteArray("keep-alive"));
        k.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        QVERIFY(k.readResponse());
        QVERIFY(k.isConnected());
    }

    void connectionCloseIsHonoured() {
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        auto r = c.readResponse();
        QVERIFY(r);
        QCOMPARE(r->header("Connection"), QByteArray("close"));
        QVERIFY(c.waitForClosed());
    }

    void busyPortFailsWithMessage() {
        promqt::MetricsServer second;
        QSignalSpy errors(&second, &promqt::MetricsServer::errorOccurred);
        QVERIFY(!second.listen(QHostAddress::LocalHost, port));
        QVERIFY(!second.isListening());
        QVERIFY2(second.errorString().contains(QString::number(port)), qPrintable(second.errorString()));
        QVERIFY2(second.errorString().contains(QStringLiteral("address"), Qt::CaseInsensitive),
                 qPrintable(second.errorString()));
        QCOMPARE(errors.count(), 1);
    }

    void severalPathsAndCollectables() {
        auto other = std::make_shared<prometheus::Registry>();
        prometheus::BuildGauge().Name("other_value").Register(*other).Add({}).Set(7);
        server->registerCollectable(other, QStringLiteral("/other"));
        server->registerCollectable(other); // a second collectable on /metrics
        server->registerCollectable(other); // twice: no effect
        auto r = httpRequest(port, "GET", "/other");
        QVERIFY(r && r->status == 200);
        QVERIFY(r->body.contains("other_value 7\n"));
        QVERIFY(!r->body.contains("app_temperature"));
        auto m = httpRequest(port, "GET", "/metrics");
        QVERIFY(m && m->body.contains("other_value 7\n") && m->body.contains("app_temperature"));
        QCOMPARE(m->body.count("# TYPE other_value gauge"), 1);
        auto root = httpRequest(port, "GET", "/");
        QVERIFY(root && root->body.contains("href=\"/other\""));

        server->removeCollectable(other, QStringLiteral("/other"));
        auto gone = httpRequest(port, "GET", "/other");
        QVERIFY(gone && gone->status == 404);
    }

    void expiredCollectableIsSkipped() {
        {
            auto temp = std::make_shared<prometheus::Registry>();
            prometheus::BuildGauge().Name("temp_value").Register(*temp).Add({}).Set(1);
            server->registerCollectable(temp);
        }
        auto r = httpRequest(port, "GET", "/metrics");
        QVERIFY(r && r->status == 200);
        QVERIFY(!r->body.contains("temp_value"));
    }

    void collectFailureIs500AndSignalled() {
        auto bad = std::make_shared<ThrowingCollectable>();
        server->registerCollectable(bad, QStringLiteral("/bad"));
        QSignalSpy errors(server.get(), &promqt::MetricsServer::errorOccurred);
        auto r = httpRequest(port, "GET", "/bad");
        QVERIFY(r);
        QCOMPARE(r->status, 500);
        QVERIFY(r->body.contains("boom"));
        QVERIFY(errors.count() >= 1);
        QVERIFY(errors.first().first().toString().contains(QStringLiteral("boom")));
        auto ok = httpRequest(port, "GET", "/metrics");
        QVERIFY(ok && ok->status == 200);
    }

    void serverDeletedFromItsErrorSignal() {
        // Qt's rule: after emitting, check the emitter still exists. A user may well delete the
        // server when it reports a failing Collect().
        auto bad = std::make_shared<ThrowingCollectable>();
        auto* doomed = new promqt::MetricsServer;
        doomed->registerCollectable(bad, QStringLiteral("/bad"));
        QVERIFY(doomed->listen(QHostAddress::LocalHost, 0));
        bool deleted = false;
        QObject::connect(doomed, &promqt::MetricsServer::errorOccurred, [&deleted, doomed] {
            if (!deleted) {
                deleted = true;
                delete doomed;
            }
        });
        RawHttpClient c(doomed->serverPort());
        QVERIFY(c.connectToServer());
        c.send("GET /bad HTTP/1.1\r\nHost: x\r\n\r\nGET /bad HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(c.waitForClosed());
        QVERIFY(deleted);
    }

    void selfMetricsCountScrapes() {
        QVERIFY(httpRequest(port, "GET", "/metrics"));
        QVERIFY(httpRequest(port, "GET", "/nope"));
        auto r = httpRequest(port, "GET", "/metrics");
        QVERIFY(r);
        QVERIFY2(r->body.contains("promqt_exposer_scrapes_total{code=\"200\",path=\"/metrics\"} 1\n"), r->body.constData());
        QVERIFY(r->body.contains("promqt_exposer_scrapes_total{code=\"404\",path=\"other\"} 1\n"));
        QVERIFY(r->body.contains("promqt_exposer_connections 1\n"));
        QVERIFY(r->body.contains("promqt_exposer_scrape_duration_seconds_count"));
        QVERIFY(r->body.contains("promqt_exposer_response_bytes_total"));

        promqt::MetricsServerOptions o = server->options();
        o.selfMetrics = false;
        server->setOptions(o);
        auto off = httpRequest(port, "GET", "/metrics");
        QVERIFY(off && !off->body.contains("promqt_exposer"));
    }

    void clientDisconnectingMidResponse() {
        auto big = std::make_shared<prometheus::Registry>();
        auto& fam = prometheus::BuildCounter().Name("big_total").Register(*big);
        for (int i = 0; i < 20000; ++i)
            fam.Add({{"i", std::to_string(i)}}).Increment(i);
        server->registerCollectable(big, QStringLiteral("/big"));
        for (int round = 0; round < 5; ++round) {
            RawHttpClient c(port);
            QVERIFY(c.connectToServer());
            c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
            QVERIFY(QTest::qWaitFor([&] { return c.socket().bytesAvailable() > 0 || !c.takeBuffered().isEmpty(); }, 5000));
            c.socket().abort();
        }
        auto r = httpRequest(port, "GET", "/big");
        QVERIFY(r && r->status == 200);
        QVERIFY(r->body.contains("big_total{i=\"19999\"} 19999\n"));
    }
};

QTEST_GUILESS_MAIN(TestMetricsServer)
#include "tst_metricsserver.moc"
