// SPDX-License-Identifier: MIT
// Destruction at every awkward moment: a MetricsServer deleted while a scrape runs on its pool or
// while a large body is half written to a slow reader; a ThreadedMetricsServer stopped while a
// pool scrape runs; collectables destroyed while a scrape reads them; promqt::time() on a future
// whose promise dies in another thread while the caller drops the returned future. Run under
// ASan+UBSan and TSan: passing means no crash, no leak, no use-after-free and no data race.
#include <promqt/future.h>
#include <promqt/metricsserver.h>

#include "httpclient.h"
#include "rawsocket.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QPromise>
#include <QTest>

#include <atomic>
#include <thread>

using namespace promqt::test;

namespace {

/// A collectable whose Collect() signals that it has started, then blocks until released: the
/// test can act exactly while a scrape is in flight, without sleeping.
class GateCollectable : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override {
        entered.fetch_add(1);
        while (!released.load())
            std::this_thread::yield();
        prometheus::MetricFamily f;
        f.name = "gate_value";
        f.help = "Gate.";
        f.type = prometheus::MetricType::Gauge;
        prometheus::ClientMetric m;
        m.gauge.value = 1;
        f.metric.push_back(m);
        return {f};
    }
    mutable std::atomic<int> entered{0};
    std::atomic<bool> released{false};
};

std::shared_ptr<prometheus::Registry> largeRegistry(int series) {
    auto r = std::make_shared<prometheus::Registry>();
    auto& family = prometheus::BuildCounter().Name("life_big_total").Help("Big.").Register(*r);
    for (int i = 0; i < series; ++i)
        family.Add({{"series", std::to_string(i)}, {"pad", "yyyyyyyyyyyyyyyyyyyy"}}).Increment();
    return r;
}

/// Releases `gate` from another thread after the calling thread has started blocking on a
/// destructor; the destructor must wait for (not crash on) the Collect() in flight.
std::thread releaseSoon(const std::shared_ptr<GateCollectable>& gate) {
    return std::thread([gate] {
        // The work being timed: give the destructor time to start waiting.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        gate->released = true;
    });
}

} // namespace

class TestLifetime : public QObject {
    Q_OBJECT

private slots:
    void serverDestroyedWhileScrapeRunsOnThePool() {
        auto gate = std::make_shared<GateCollectable>();
        auto server = std::make_unique<promqt::MetricsServer>();
        server->registerCollectable(gate);
        QVERIFY(server->listen(QHostAddress::LocalHost, 0));
        RawHttpClient client(server->serverPort());
        QVERIFY(client.connectToServer());
        client.send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
        QTRY_VERIFY(gate->entered.load() > 0); // the first scrape of a path runs on the pool
        std::thread releaser = releaseSoon(gate);
        server.reset(); // connections closed, the pool waited for
        releaser.join();
        QVERIFY(client.waitForClosed());
        QVERIFY(!client.readResponse(false, 100));
    }

    void serverDestroyedWhileLargeBodyIsHalfWritten() {
        auto big = largeRegistry(60000); // ~4 MB of text
        for (int round = 0; round < 3; ++round) {
            auto server = std::make_unique<promqt::MetricsServer>();
            server->registerCollectable(big);
            QVERIFY(server->listen(QHostAddress::LocalHost, 0));
            const int fd = startConnect(server->serverPort());
            int small = 4096;
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
            QVERIFY(QTest::qWaitFor([&] { return finishConnect(fd, 0); }, 5000));
            QVERIFY(sendAll(fd, "GET /metrics HTTP/1.1\r\nHost: a\r\nAccept-Encoding: identity\r\n\r\n"));
            // The body has started to arrive, and cannot all fit in the socket buffers.
            QVERIFY(QTest::qWaitFor([&] { return peerState(fd) == PeerState::DataAvailable; }, 10000));
            char buf[1000];
            for (int i = 0; i < round; ++i) // read a little, slowly
                (void)::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            server.reset();
            // The client sees the end of the connection, not a hang; nothing leaks.
            const QByteArray rest = readUntilClosed(fd, 5000);
            QVERIFY(peerState(fd) == PeerState::Closed);
            ::close(fd);
            Q_UNUSED(rest);
        }
    }

    void serverDestroyedWithManyConnectionsInEveryState() {
        auto big = largeRegistry(20000);
        auto server = std::make_unique<promqt::MetricsServer>();
        server->registerCollectable(big);
        QVERIFY(server->listen(QHostAddress::LocalHost, 0));
        const quint16 port = server->serverPort();
        std::vector<std::unique_ptr<RawHttpClient>> clients;
        const QList<QByteArray> states = {
            "",                                                   // idle, nothing sent
            "GET /metr",                                          // partial request
            "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n",           // scrape pending
            "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", // pipelined
            "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            "BAD\r\n\r\n",                                        // error being answered
        };
        for (int i = 0; i < 30; ++i) {
            auto c = std::make_unique<RawHttpClient>(port);
            QVERIFY(c->connectToServer());
            c->send(states[i % states.size()]);
            clients.push_back(std::move(c));
        }
        QTest::qWait(20); // the work being timed: let some of it be in progress
        server.reset();
        for (auto& c : clients)
            QVERIFY(c->waitForClosed());
    }

    void threadedServerStoppedWhileScrapeRunsOnThePool() {
        for (bool stopExplicitly : {true, false}) {
            auto gate = std::make_shared<GateCollectable>();
            auto server = std::make_unique<promqt::ThreadedMetricsServer>();
            server->registerCollectable(gate);
            QVERIFY(server->listen(QHostAddress::LocalHost, 0));
            const int fd = startConnect(server->serverPort());
            QVERIFY(finishConnect(fd, 5000));
            QVERIFY(sendAll(fd, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"));
            QTRY_VERIFY(gate->entered.load() > 0);
            std::thread releaser = releaseSoon(gate);
            if (stopExplicitly)
                server->stop();
            server.reset();
            releaser.join();
            const QByteArray rest = readUntilClosed(fd, 5000);
            QVERIFY2(rest.isEmpty(), rest.constData()); // no answer from a stopped server
            ::close(fd);
        }
    }

    void threadedServerDestroyedFromAnotherThreadDuringScrapes() {
        auto big = largeRegistry(20000);
        for (int round = 0; round < 5; ++round) {
            auto* server = new promqt::ThreadedMetricsServer;
            server->registerCollectable(big);
            QVERIFY(server->listen(QHostAddress::LocalHost, 0));
            const quint16 port = server->serverPort();
            std::atomic<bool> done{false};
            std::thread scraper([&] {
                while (!done.load())
                    (void)blockingRequest(port, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 2000);
            });
            // Let a few scrapes be in flight, then stop from a third thread.
            QTRY_VERIFY(blockingRequest(port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").status == 200);
            std::thread killer([server] { delete server; });
            killer.join();
            done = true;
            scraper.join();
        }
    }

    void collectablesDestroyedWhileScrapeRuns() {
        promqt::MetricsServer server;
        promqt::MetricsServerOptions o;
        o.inlineScrapeBudget = std::chrono::microseconds(0); // always on the pool
        server.setOptions(o);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        for (int round = 0; round < 20; ++round) {
            auto registry = largeRegistry(2000 + 500 * (round % 4));
            std::weak_ptr<prometheus::Registry> weak = registry;
            server.registerCollectable(registry);
            RawHttpClient client(server.serverPort());
            QVERIFY(client.connectToServer());
            client.send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
            if (round % 2)
                QTest::qWait(round % 5); // the work being timed: vary the moment of destruction
            registry.reset(); // the server holds only a weak_ptr: the scrape may or may not see it
            const auto r = client.readResponse(false, 10000);
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QVERIFY(weak.expired());
            server.removeCollectable(weak);
        }
        // A gate collectable destroyed by the test while its Collect() runs on the pool: the
        // scrape's own strong reference keeps it alive until Collect() returns.
        auto gate = std::make_shared<GateCollectable>();
        std::weak_ptr<GateCollectable> weakGate = gate;
        server.registerCollectable(gate, QStringLiteral("/gate"));
        RawHttpClient client(server.serverPort());
        QVERIFY(client.connectToServer());
        client.send("GET /gate HTTP/1.1\r\nHost: a\r\n\r\n");
        QTRY_VERIFY(gate->entered.load() > 0);
        GateCollectable* raw = gate.get();
        gate.reset();
        QVERIFY(!weakGate.expired()); // still held by the running scrape
        raw->released = true;
        const auto r = client.readResponse(false, 10000);
        QVERIFY(r && r->status == 200 && r->body.contains("gate_value 1\n"));
        QTRY_VERIFY(weakGate.expired());
    }

    void timeWhilePromiseAndReturnedFutureDieConcurrently() {
        auto registry = std::make_shared<prometheus::Registry>();
        auto& hist = prometheus::BuildHistogram().Name("life_seconds").Register(*registry).Add({}, prometheus::Histogram::BucketBoundaries{0.1});
        for (int i = 0; i < 2000; ++i) {
            auto promise = std::make_unique<QPromise<int>>();
            promise->start();
            QFuture<int> returned = promqt::time(hist, promise->future());
            std::atomic<bool> go{false};
            // One thread destroys the promise (unfinished: the future is canceled), or finishes
            // it, while this thread drops or cancels the returned future.
            std::thread other([&, mode = i % 3] {
                while (!go.load())
                    std::this_thread::yield();
                if (mode == 1) {
                    promise->addResult(i);
                    promise->finish();
                }
                promise.reset();
            });
            go = true;
            if (i % 2)
                returned.cancel();
            returned = QFuture<int>();
            other.join();
        }
        // Every future ended exactly once, however the race went.
        QCOMPARE(hist.Collect().histogram.sample_count, 2000u);
    }
};

QTEST_GUILESS_MAIN(TestLifetime)
#include "tst_lifetime.moc"
