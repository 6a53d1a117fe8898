// SPDX-License-Identifier: MIT
// ThreadedMetricsServer inside a Qt application: serves from its own thread, reports a busy
// port synchronously, stops and joins with connections open.
#include <promqt/metricsserver.h>

#include "httpclient.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using promqt::test::RawHttpClient;
using promqt::test::httpRequest;

class TestThreadedServer : public QObject {
    Q_OBJECT
    std::shared_ptr<prometheus::Registry> registry;

private slots:
    void init() {
        registry = std::make_shared<prometheus::Registry>();
        prometheus::BuildGauge().Name("threaded_value").Register(*registry).Add({}).Set(5);
    }

    void servesFromItsOwnThread() {
        promqt::ThreadedMetricsServer server;
        server.registerCollectable(registry);
        QSignalSpy listening(&server, &promqt::ThreadedMetricsServer::listeningChanged);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QVERIFY(server.isListening());
        QVERIFY(server.serverPort() != 0);
        QCOMPARE(server.url().port(), int(server.serverPort()));
        QCOMPARE(server.serverAddress(), QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(server.property("serverAddress").value<QHostAddress>(), QHostAddress(QHostAddress::LocalHost));
        QTRY_COMPARE(listening.count(), 1);
        auto r = httpRequest(server.serverPort(), "GET", "/metrics");
        QVERIFY(r && r->status == 200);
        QVERIFY(r->body.contains("threaded_value 5\n"));
    }

    void servesWhileThisThreadIsBlocked() {
        promqt::ThreadedMetricsServer server;
        server.registerCollectable(registry);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        // A blocking client in this thread: only works because the server has its own loop.
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(socket.waitForConnected(5000));
        socket.write("GET /metrics HTTP/1.0\r\n\r\n");
        QByteArray all;
        while (socket.waitForReadyRead(5000))
            all += socket.readAll();
        all += socket.readAll();
        QVERIFY2(all.contains("threaded_value 5\n"), all.constData());
    }

    void busyPortFailsSynchronously() {
        QTcpServer blocker;
        QVERIFY(blocker.listen(QHostAddress::LocalHost, 0));
        promqt::ThreadedMetricsServer server;
        QElapsedTimer t;
        t.start();
        QVERIFY(!server.listen(QHostAddress::LocalHost, blocker.serverPort()));
        QVERIFY(t.elapsed() < 5000);
        QVERIFY(!server.isListening());
        QVERIFY2(server.errorString().contains(QStringLiteral("address"), Qt::CaseInsensitive), qPrintable(server.errorString()));
        // The same object can then listen elsewhere.
        server.registerCollectable(registry);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QVERIFY(server.errorString().isEmpty());
    }

    void stopJoinsWithOpenConnections() {
        auto server = std::make_unique<promqt::ThreadedMetricsServer>();
        server->registerCollectable(registry);
        QVERIFY(server->listen(QHostAddress::LocalHost, 0));
        const quint16 port = server->serverPort();
        RawHttpClient idle(port), midRequest(port);
        QVERIFY(idle.connectToServer());
        QVERIFY(midRequest.connectToServer());
        midRequest.send("GET /metr");
        idle.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(idle.readResponse());
        server->stop();
        QVERIFY(!server->isListening());
        QCOMPARE(server->serverPort(), quint16(0));
        QVERIFY(idle.waitForClosed());
        QVERIFY(midRequest.waitForClosed());
        server->stop(); // twice is fine
        server.reset(); // destructor after stop
        RawHttpClient after(port);
        QVERIFY(!after.connectToServer(500));
    }

    void optionsAuthAndRestart() {
        promqt::ThreadedMetricsServer server;
        server.registerCollectable(registry);
        server.setBasicAuth(QStringLiteral("u"), QStringLiteral("p"));
        promqt::MetricsServerOptions o;
        o.selfMetrics = false;
        server.setOptions(o);
        QCOMPARE(server.options().selfMetrics, false);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        auto denied = httpRequest(server.serverPort(), "GET", "/metrics");
        QVERIFY(denied && denied->status == 401);
        auto ok = httpRequest(server.serverPort(), "GET", "/metrics", {"Authorization: Basic " + QByteArray("u:p").toBase64()});
        QVERIFY(ok && ok->status == 200 && !ok->body.contains("promqt_exposer"));
        server.close();
        QVERIFY(!server.isListening());
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QVERIFY(server.isListening());
    }

    void destroyedWhileScrapesRun() {
        auto big = std::make_shared<prometheus::Registry>();
        auto& fam = prometheus::BuildGauge().Name("big").Register(*big);
        for (int i = 0; i < 20000; ++i)
            fam.Add({{"i", std::to_string(i)}}).Set(i);
        for (int round = 0; round < 3; ++round) {
            auto server = std::make_unique<promqt::ThreadedMetricsServer>();
            server->registerCollectable(big);
            QVERIFY(server->listen(QHostAddress::LocalHost, 0));
            std::vector<std::unique_ptr<RawHttpClient>> clients;
            for (int i = 0; i < 4; ++i) {
                clients.push_back(std::make_unique<RawHttpClient>(server->serverPort()));
                QVERIFY(clients.back()->connectToServer());
                clients.back()->send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            server.reset(); // mid-scrape: must neither crash nor hang
        }
    }
};

QTEST_GUILESS_MAIN(TestThreadedServer)
#include "tst_threadedserver.moc"
