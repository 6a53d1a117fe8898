// SPDX-License-Identifier: MIT
// Basic auth, size limits, connection limit and timeouts — and that none of them delays or
// breaks the scrapes of well-behaved clients.
#include <promqt/metricsserver.h>

#include "httpclient.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QElapsedTimer>
#include <QTest>

using promqt::test::RawHttpClient;
using promqt::test::httpRequest;

class TestLimits : public QObject {
    Q_OBJECT
    std::shared_ptr<prometheus::Registry> registry;
    std::unique_ptr<promqt::MetricsServer> server;
    quint16 port = 0;

    void startServer(const promqt::MetricsServerOptions& options) {
        server = std::make_unique<promqt::MetricsServer>();
        server->setOptions(options);
        server->registerCollectable(registry);
        QVERIFY(server->listen(QHostAddress::LocalHost, 0));
        port = server->serverPort();
    }

    bool scrapeOk(int* millis = nullptr) {
        QElapsedTimer t;
        t.start();
        auto r = httpRequest(port, "GET", "/metrics");
        if (millis)
            *millis = int(t.elapsed());
        return r && r->status == 200 && r->body.contains("lim_value 1\n");
    }

private slots:
    void init() {
        registry = std::make_shared<prometheus::Registry>();
        prometheus::BuildGauge().Name("lim_value").Register(*registry).Add({}).Set(1);
        auto& big = prometheus::BuildCounter().Name("lim_big_total").Register(*registry);
        for (int i = 0; i < 3000; ++i)
            big.Add({{"series", std::to_string(i)}}).Increment();
    }
    void cleanup() { server.reset(); }

    void basicAuth() {
        startServer({});
        server->setBasicAuth(QStringLiteral("prom"), QStringLiteral("s3cret"), QStringLiteral("my metrics"));
        auto none = httpRequest(port, "GET", "/metrics");
        QVERIFY(none);
        QCOMPARE(none->status, 401);
        QCOMPARE(none->header("WWW-Authenticate"), QByteArray("Basic realm=\"my metrics\", charset=\"UTF-8\""));
        const QByteArray good = "Authorization: Basic " + QByteArray("prom:s3cret").toBase64();
        const QByteArray bad = "Authorization: Basic " + QByteArray("prom:s3creT").toBase64();
        const QByteArray shortBad = "Authorization: Basic " + QByteArray("p:s").toBase64();
        for (const QByteArray& h : {bad, shortBad, QByteArray("Authorization: Bearer abc"), QByteArray("Authorization: Basic")}) {
            auto r = httpRequest(port, "GET", "/metrics", {h});
            QVERIFY(r);
            QCOMPARE(r->status, 401);
        }
        auto ok = httpRequest(port, "GET", "/metrics", {good});
        QVERIFY(ok);
        QCOMPARE(ok->status, 200);
        auto lower = httpRequest(port, "GET", "/metrics", {"authorization: basic " + QByteArray("prom:s3cret").toBase64()});
        QVERIFY(lower && lower->status == 200);
        auto rootWithout = httpRequest(port, "GET", "/");
        QVERIFY(rootWithout && rootWithout->status == 401);
        // The failed attempts are counted.
        auto self = httpRequest(port, "GET", "/metrics", {good});
        QVERIFY(self->body.contains("promqt_exposer_rejected_requests_total{reason=\"unauthorized\"} 6\n"));
    }

    void uriTooLongIs414() {
        promqt::MetricsServerOptions o;
        o.maxRequestLineBytes = 100;
        startServer(o);
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        c.send("GET /" + QByteArray(200, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r = c.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 414);
        QVERIFY(c.waitForClosed());
        QVERIFY(scrapeOk());
    }

    void headersTooLargeIs431() {
        promqt::MetricsServerOptions o;
        o.maxHeaderBytes = 200;
        startServer(o);
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(300, 'b') + "\r\n\r\n");
        auto r = c.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 431);
        QVERIFY(c.waitForClosed());
        QVERIFY(scrapeOk());
    }

    void tooManyConnectionsIs503AndOthersUnaffected() {
        promqt::MetricsServerOptions o;
        o.maxConnections = 2;
        startServer(o);
        RawHttpClient a(port), b(port);
        for (RawHttpClient* c : {&a, &b}) {
            QVERIFY(c->connectToServer());
            c->send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            QVERIFY(c->readResponse()); // the server has certainly accepted it
        }
        RawHttpClient third(port);
        QVERIFY(third.connectToServer());
        auto busy = third.readResponse();
        QVERIFY(busy);
        QCOMPARE(busy->status, 503);
        QCOMPARE(busy->header("Connection"), QByteArray("close"));
        QVERIFY(third.waitForClosed());
        for (RawHttpClient* c : {&a, &b}) {
            c->send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            auto r = c->readResponse();
            QVERIFY(r && r->status == 200);
        }
        a.socket().abort();
        // A slot is free again once the server saw the close.
        QTRY_VERIFY_WITH_TIMEOUT(scrapeOk(), 5000);
    }

    void slowClientIsClosedAndOthersAreNotDelayed() {
        promqt::MetricsServerOptions o;
        o.requestTimeout = std::chrono::milliseconds(600);
        startServer(o);
        RawHttpClient slow(port);
        QVERIFY(slow.connectToServer());
        slow.send("GET /metr");
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 3; ++i) {
            int millis = 0;
            QVERIFY(scrapeOk(&millis));
            QVERIFY2(millis < 300, qPrintable(QString::number(millis)));
        }
        auto timeout = slow.readResponse(false, 5000);
        QVERIFY(timeout);
        QCOMPARE(timeout->status, 408);
        QVERIFY(slow.waitForClosed());
        QVERIFY2(t.elapsed() >= 500, qPrintable(QString::number(t.elapsed())));
        QVERIFY(scrapeOk());
    }

    void trickleDoesNotExtendTheRequestTimeout() {
        promqt::MetricsServerOptions o;
        o.requestTimeout = std::chrono::milliseconds(500);
        startServer(o);
        RawHttpClient slow(port);
        QVERIFY(slow.connectToServer());
        QElapsedTimer t;
        t.start();
        const QByteArray request = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
        int sent = 0;
        // One byte every ~20 ms: the request would take > 1.5 s, longer than the timeout.
        QVERIFY(QTest::qWaitFor([&] {
            if (sent < request.size() && t.elapsed() > sent * 20)
                slow.send(request.mid(sent++, 1));
            return !slow.isConnected();
        }, 5000));
        QVERIFY2(t.elapsed() < 1500, qPrintable(QString::number(t.elapsed())));
    }

    void idleConnectionIsClosed() {
        promqt::MetricsServerOptions o;
        o.idleTimeout = std::chrono::milliseconds(300);
        startServer(o);
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(c.readResponse());
        QElapsedTimer t;
        t.start();
        QVERIFY(c.waitForClosed(5000));
        QVERIFY(t.elapsed() >= 250);
    }

    void clientThatNeverReadsIsBoundedAndDropped() {
        promqt::MetricsServerOptions o;
        o.maxPendingOutputBytes = 64 * 1024;
        o.requestTimeout = std::chrono::milliseconds(800);
        startServer(o);
        RawHttpClient greedy(port);
        QVERIFY(greedy.connectToServer());
        greedy.socket().setReadBufferSize(1); // this client reads (almost) nothing
        // Stop the test client from draining the kernel buffer through readyRead.
        greedy.socket().disconnect();
        QByteArray many;
        for (int i = 0; i < 400; ++i)
            many += "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
        greedy.send(many);
        // Meanwhile everyone else is served promptly.
        for (int i = 0; i < 3; ++i) {
            int millis = 0;
            QVERIFY(scrapeOk(&millis));
            QVERIFY2(millis < 500, qPrintable(QString::number(millis)));
        }
        // The stalled connection is dropped once writing makes no progress for the timeout.
        QTRY_VERIFY_WITH_TIMEOUT(greedy.socket().state() == QAbstractSocket::UnconnectedState ||
                                     [&] {
                                         auto r = httpRequest(port, "GET", "/metrics");
                                         return r && r->body.contains("promqt_exposer_connections 1\n");
                                     }(),
                                 10000);
    }

    void bodyOnGetIsSkipped() {
        startServer({});
        RawHttpClient c(port);
        QVERIFY(c.connectToServer());
        c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        auto first = c.readResponse();
        auto second = c.readResponse();
        QVERIFY(first && second);
        QCOMPARE(first->status, 200);
        QCOMPARE(second->status, 200);
        QVERIFY(second->body.contains("<html>"));
    }
};

QTEST_GUILESS_MAIN(TestLimits)
#include "tst_limits.moc"
