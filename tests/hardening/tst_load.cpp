// SPDX-License-Identifier: MIT
// Load on loopback, bounded in count and time: 1,000 idle connections held while scrapes keep
// answering fast; the connection limit answering 503 at its default; a 500-client slowloris
// closed at the request timeout while scrapes are unaffected. The server runs in its own thread
// (ThreadedMetricsServer) so that the clients here can block and time scrapes exactly.
#include <promqt/metricsserver.h>

#include "rawsocket.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <vector>

using namespace promqt::test;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int sanitizerSlowdown = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr int sanitizerSlowdown = 4;
#else
constexpr int sanitizerSlowdown = 1;
#endif
#else
constexpr int sanitizerSlowdown = 1;
#endif

/// The stated bound: 99 % of scrapes answer within this (1,000 series, loopback, 2 cores).
constexpr qint64 p99BoundMs = 100 * sanitizerSlowdown;

const QByteArray scrapeRequest = "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

struct Latencies {
    std::vector<double> ms;
    int failures = 0;
    double percentile(double p) {
        if (ms.empty())
            return -1;
        std::sort(ms.begin(), ms.end());
        return ms[std::min(ms.size() - 1, std::size_t(p * double(ms.size())))];
    }
    void scrape(quint16 port) {
        QElapsedTimer t;
        t.start();
        const BlockingResponse r = blockingRequest(port, scrapeRequest, 5000);
        if (r.status != 200 || !r.body.contains("load_series_total{series=\"999\"} 1\n"))
            ++failures;
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    QString summary() {
        return QStringLiteral("%1 scrapes, p50 %2 ms, p99 %3 ms, max %4 ms, failures %5")
            .arg(ms.size())
            .arg(percentile(0.5), 0, 'f', 2)
            .arg(percentile(0.99), 0, 'f', 2)
            .arg(percentile(1.0), 0, 'f', 2)
            .arg(failures);
    }
};

qint64 serverConnections(quint16 port) {
    const BlockingResponse r = blockingRequest(
        port, "GET /metrics?name[]=promqt_exposer_connections HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const qsizetype at = r.body.indexOf("\npromqt_exposer_connections ");
    if (r.status != 200 || at < 0)
        return -1;
    // Minus the connection of this very request.
    return r.body.mid(at + 28, r.body.indexOf('\n', at + 1) - at - 28).toLongLong() - 1;
}

/// Opens `count` connections, in batches so the listen backlog never overflows.
std::vector<int> openIdle(quint16 port, int count) {
    std::vector<int> fds;
    for (int i = 0; i < count; i += 50) {
        std::vector<int> batch;
        for (int j = i; j < std::min(count, i + 50); ++j)
            batch.push_back(startConnect(port));
        for (int fd : batch) {
            if (fd < 0 || !finishConnect(fd, 5000)) {
                if (fd >= 0)
                    ::close(fd);
                continue;
            }
            fds.push_back(fd);
        }
    }
    return fds;
}

void closeAll(std::vector<int>& fds) {
    for (int fd : fds)
        ::close(fd);
    fds.clear();
}

} // namespace

class TestLoad : public QObject {
    Q_OBJECT
    std::shared_ptr<prometheus::Registry> registry;

private slots:
    void initTestCase() {
        const rlim_t limit = raiseFileLimit(4096);
        qInfo("open files soft limit: %llu", static_cast<unsigned long long>(limit));
        QVERIFY2(limit >= 2200, "need at least 2,200 file descriptors (client and server ends)");
        registry = std::make_shared<prometheus::Registry>();
        auto& family = prometheus::BuildCounter().Name("load_series_total").Help("Load.").Register(*registry);
        for (int i = 0; i < 1000; ++i)
            family.Add({{"series", std::to_string(i)}}).Increment();
    }

    void thousandIdleConnectionsAndContinuousScrapes() {
        promqt::ThreadedMetricsServer server;
        promqt::MetricsServerOptions o;
        o.maxConnections = 2000;
        server.setOptions(o);
        server.registerCollectable(registry);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const quint16 port = server.serverPort();

        QElapsedTimer t;
        t.start();
        std::vector<int> idle = openIdle(port, 1000);
        QCOMPARE(int(idle.size()), 1000);
        // Regression: with Qt's default listen backlog (50), a burst of connections overflowed
        // the accept queue and the kernel dropped handshakes, delaying clients by 1-3 s each
        // (15 s for this burst). A burst must not delay anyone, scrapers included.
        QVERIFY2(t.elapsed() < 5000 * sanitizerSlowdown, qPrintable(QString::number(t.elapsed())));
        QTRY_COMPARE_WITH_TIMEOUT(serverConnections(port), qint64(1000), 15000);
        const qint64 openMs = t.elapsed();

        Latencies lat;
        QElapsedTimer run;
        run.start();
        while (lat.ms.size() < 400 && run.elapsed() < 20000)
            lat.scrape(port);
        std::printf("1,000 idle connections held (opened and accepted in %lld ms); %s\n", openMs,
                    qPrintable(lat.summary()));
        std::fflush(stdout);
        QCOMPARE(lat.failures, 0);
        QVERIFY2(lat.percentile(0.99) < p99BoundMs, qPrintable(lat.summary()));
        // The idle connections were neither dropped nor answered.
        for (int fd : idle)
            QCOMPARE(int(peerState(fd)), int(PeerState::Open));
        QCOMPARE(serverConnections(port), qint64(1000));
        closeAll(idle);
        QTRY_COMPARE_WITH_TIMEOUT(serverConnections(port), qint64(0), 10000);
    }

    void defaultLimitAnswers503ToThe257th() {
        promqt::ThreadedMetricsServer server;
        QCOMPARE(server.options().maxConnections, 256);
        server.registerCollectable(registry);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const quint16 port = server.serverPort();

        std::vector<int> held = openIdle(port, 256);
        QCOMPARE(int(held.size()), 256);
        // Each one is served: proof that the server accepted all 256.
        for (int fd : held)
            QVERIFY(sendAll(fd, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"));
        for (int fd : held)
            QTRY_COMPARE_WITH_TIMEOUT(int(peerState(fd)), int(PeerState::DataAvailable), 5000);

        const int extra = startConnect(port);
        QVERIFY(finishConnect(extra, 5000));
        const QByteArray busy = readUntilClosed(extra, 5000);
        ::close(extra);
        QVERIFY2(busy.startsWith("HTTP/1.1 503 "), busy.constData());
        QVERIFY2(busy.contains("Retry-After: 1\r\n"), busy.constData());

        // The connections already open are unaffected.
        const int first = held.front();
        char drain[4096];
        (void)::recv(first, drain, sizeof drain, MSG_DONTWAIT); // the OPTIONS answer
        QVERIFY(sendAll(first, scrapeRequest));
        const QByteArray answer = readUntilClosed(first, 5000);
        QVERIFY2(answer.startsWith("HTTP/1.1 200 "), answer.left(200).constData());
        held.erase(held.begin());
        ::close(first);
        // A slot is free again: a new scrape is served.
        QTRY_COMPARE_WITH_TIMEOUT(blockingRequest(port, scrapeRequest).status, 200, 5000);
        closeAll(held);
    }

    void slowlorisIsClosedAtTheRequestTimeout() {
        promqt::ThreadedMetricsServer server;
        promqt::MetricsServerOptions o;
        o.maxConnections = 2000;
        o.requestTimeout = std::chrono::milliseconds(2000);
        server.setOptions(o);
        server.registerCollectable(registry);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const quint16 port = server.serverPort();

        struct Slow {
            int fd = -1;
            int sent = 0;
            qint64 firstByteMs = -1;
            qint64 closedMs = -1;
            QByteArray received;
        };
        std::vector<int> fds = openIdle(port, 500);
        QCOMPARE(int(fds.size()), 500);
        std::vector<Slow> clients;
        for (int fd : fds) {
            Slow c;
            c.fd = fd;
            clients.push_back(c);
        }
        const QByteArray request = "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n\r\n";

        Latencies lat;
        QElapsedTimer t;
        t.start();
        int open = int(clients.size());
        qint64 nextTick = 0;
        while (open > 0 && t.elapsed() < 15000) {
            if (t.elapsed() >= nextTick) { // one byte a second from every client still open
                nextTick += 1000;
                for (Slow& c : clients) {
                    if (c.closedMs >= 0 || c.sent >= request.size())
                        continue;
                    if (::send(c.fd, request.constData() + c.sent, 1, MSG_NOSIGNAL) == 1) {
                        if (c.sent++ == 0)
                            c.firstByteMs = t.elapsed();
                    }
                }
            }
            for (Slow& c : clients) {
                if (c.closedMs >= 0)
                    continue;
                char buf[1024];
                const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
                if (n > 0)
                    c.received.append(buf, n);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                    c.closedMs = t.elapsed();
                    --open;
                }
            }
            lat.scrape(port); // the well-behaved scraper, all along
        }
        qint64 latest = 0;
        int answered408 = 0;
        for (const Slow& c : clients) {
            QVERIFY2(c.closedMs >= 0, "a slow client was never closed");
            QVERIFY(c.firstByteMs >= 0);
            latest = std::max(latest, c.closedMs - c.firstByteMs);
            // Closed at the timeout, not before: the trickle is not mistaken for an idle client.
            QVERIFY2(c.closedMs - c.firstByteMs >= 1800, qPrintable(QString::number(c.closedMs - c.firstByteMs)));
            if (c.received.startsWith("HTTP/1.1 408 "))
                ++answered408;
        }
        std::printf("slowloris: 500 clients at 1 byte/s, all closed within %lld ms of their first byte "
                    "(requestTimeout 2000 ms), %d answered 408; scrapes meanwhile: %s\n",
                    latest, answered408, qPrintable(lat.summary()));
        std::fflush(stdout);
        QVERIFY2(latest < 2000 + 1500 * sanitizerSlowdown, qPrintable(QString::number(latest)));
        QCOMPARE(answered408, 500);
        QCOMPARE(lat.failures, 0);
        QVERIFY2(lat.percentile(0.99) < p99BoundMs, qPrintable(lat.summary()));
        for (Slow& c : clients)
            ::close(c.fd);
    }
};

QTEST_GUILESS_MAIN(TestLoad)
#include "tst_load.moc"
