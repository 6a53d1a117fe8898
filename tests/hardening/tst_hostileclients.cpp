// SPDX-License-Identifier: MIT
// Hostile clients over real loopback sockets. Every case is a row of one table: the bytes (or the
// socket-level misbehaviour), the answer the server must give (a status, or "closed"), whether it
// must close the connection afterwards — and after every row a normal scrape must still succeed.
// The table of cases and observed answers is printed at the end (it is docs/security.md's table).
#include <promqt/metricsserver.h>

#include "httpclient.h"
#include "rawsocket.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <QElapsedTimer>
#include <QTest>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using promqt::test::HttpResponse;
using promqt::test::RawHttpClient;
using promqt::test::httpRequest;

namespace {

/// How the client misbehaves beyond the bytes it sends.
enum class Mode {
    Send,             ///< send the bytes, read the answer
    HalfClose,        ///< send the bytes, then shutdown(SHUT_WR)
    ResetMidRequest,  ///< send the (partial) bytes, then reset the connection (RST)
    ResetMidResponse, ///< request a large body, read a little of it, then reset
};

} // namespace

// Declared before any use: in release builds QTest's addColumn<Mode>() would otherwise
// instantiate QMetaTypeId<Mode> first.
Q_DECLARE_METATYPE(Mode)

namespace {

// Expected "status" values besides real HTTP codes.
constexpr int closedWithoutAnswer = 0;

struct Row {
    QByteArray name;
    QByteArray expected;
    QByteArray observed;
    bool pass = false;
};
std::vector<Row> g_rows;

QByteArray describe(int status, bool closes) {
    if (status == closedWithoutAnswer)
        return "closed, no answer";
    return QByteArray::number(status) + (closes ? " + close" : " + keep-alive");
}

/// Resets the connection: SO_LINGER {on, 0 s} makes close() send RST instead of FIN.
void resetConnection(QTcpSocket& socket) {
    const linger l{1, 0};
    ::setsockopt(int(socket.socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    socket.abort();
}

/// A plain POSIX client socket that never reads: Qt's QTcpSocket would drain the kernel buffer
/// into its own memory as data arrives, which is exactly what this client must not do.
class NeverReadingClient {
public:
    explicit NeverReadingClient(quint16 port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int small = 4096; // a small receive window: the server's output backs up quickly
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
    }
    ~NeverReadingClient() { close(); }
    bool connected() const { return m_connected; }
    /// Sends what the kernel accepts now; returns bytes sent (0 when the send buffer is full).
    qint64 sendSome(const QByteArray& bytes) {
        const ssize_t n = ::send(m_fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL);
        return n < 0 ? 0 : qint64(n);
    }
    void close() {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd = -1;
    bool m_connected = false;
};

qint64 vmRssKiB() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    qint64 kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmRSS: %lld kB", &kib) == 1)
            break;
    std::fclose(f);
    return kib;
}

qint64 metricValue(const QByteArray& body, const QByteArray& prefix) {
    for (const QByteArray& line : body.split('\n'))
        if (line.startsWith(prefix + ' '))
            return qint64(line.mid(prefix.size() + 1).toDouble());
    return -1;
}

QByteArray req(const QByteArray& head) { return head + "\r\n\r\n"; }

/// A string literal with embedded NULs, without its terminating NUL.
template <std::size_t N> QByteArray bytesOf(const char (&s)[N]) { return QByteArray(s, qsizetype(N - 1)); }

} // namespace

class TestHostileClients : public QObject {
    Q_OBJECT
    std::shared_ptr<prometheus::Registry> registry;
    std::shared_ptr<prometheus::Registry> big;
    std::unique_ptr<promqt::MetricsServer> server;
    quint16 port = 0;

    bool scrapeOk() {
        auto r = httpRequest(port, "GET", "/metrics");
        return r && r->status == 200 && r->body.contains("hostile_alive 1\n");
    }

    /// The server's own view: how many connections it holds.
    qint64 openConnections() {
        auto r = httpRequest(port, "GET", "/metrics", {"Accept-Encoding: identity"});
        // The scrape's own connection is counted too.
        return r ? metricValue(r->body, "promqt_exposer_connections") - 1 : -1;
    }

private slots:
    void initTestCase() {
        registry = std::make_shared<prometheus::Registry>();
        prometheus::BuildGauge().Name("hostile_alive").Register(*registry).Add({}).Set(1);
        // ~4 MB of text: a response that cannot fit in the socket buffers.
        big = std::make_shared<prometheus::Registry>();
        auto& family = prometheus::BuildCounter().Name("hostile_big_total").Help("Big.").Register(*big);
        for (int i = 0; i < 60000; ++i)
            family.Add({{"series", std::to_string(i)}, {"pad", "xxxxxxxxxxxxxxxxxxxx"}}).Increment();
        server = std::make_unique<promqt::MetricsServer>();
        promqt::MetricsServerOptions o;
        o.requestTimeout = std::chrono::milliseconds(1500); // keeps the timeout rows short
        server->setOptions(o);
        server->registerCollectable(registry);
        server->registerCollectable(big, QStringLiteral("/big"));
        QVERIFY(server->listen(QHostAddress::LocalHost, 0));
        port = server->serverPort();
    }

    void cleanupTestCase() {
        server.reset();
        // The closing table (Markdown), for docs/security.md and the issue's closing note.
        std::printf("\n| case | expected | observed | result |\n|---|---|---|---|\n");
        for (const Row& r : g_rows)
            std::printf("| %s | %s | %s | %s |\n", r.name.constData(), r.expected.constData(),
                        r.observed.constData(), r.pass ? "pass" : "FAIL");
        std::fflush(stdout);
    }

    void hostile_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<Mode>("mode");
        QTest::addColumn<int>("status");  // expected status, or closedWithoutAnswer
        QTest::addColumn<bool>("closes"); // the server must close after answering
        const QByteArray host = "Host: a\r\n";
        auto row = [](const char* name, const QByteArray& bytes, int status, bool closes, Mode mode = Mode::Send) {
            QTest::newRow(name) << bytes << mode << status << closes;
        };
        // ---- request smuggling shapes
        row("CL + TE", "POST /metrics HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true);
        row("TE + CL", "POST /metrics HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400, true);
        row("duplicate CL, differing", "GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", 400, true);
        row("duplicate CL, equal (allowed)", "GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 200, false);
        row("CL list differing", "GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 3, 4\r\n\r\nabcd", 400, true);
        row("CL with sign", "GET /metrics HTTP/1.1\r\n" + host + "Content-Length: +3\r\n\r\nabc", 400, true);
        row("CL hex", "GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 0x3\r\n\r\nabc", 400, true);
        row("CL 20 digits", "GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999\r\n\r\n", 400, true);
        row("TE chunked, identity", "POST /metrics HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 501, true);
        row("TE xchunked", "POST /metrics HTTP/1.1\r\n" + host + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501, true);
        row("TE with space before colon", "POST /metrics HTTP/1.1\r\n" + host + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, true);
        row("TE in HTTP/1.0", "POST /metrics HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true);
        row("obs-fold header", "GET /metrics HTTP/1.1\r\n" + host + "X-A: 1\r\n  2\r\n\r\n", 400, true);
        row("obs-fold first header", "GET /metrics HTTP/1.1\r\n Host: a\r\n\r\n", 400, true);
        row("bare CR in header", "GET /metrics HTTP/1.1\r\n" + host + "X-A: 1\r2\r\n\r\n", 400, true);
        row("bare LF line ends", "GET /metrics HTTP/1.1\nHost: a\n\n", 400, true);
        row("NUL in header value", bytesOf("GET /metrics HTTP/1.1\r\nHost: a\r\nX-A: 1\0002\r\n\r\n"), 400, true);
        row("NUL in target", bytesOf("GET /metrics\0 HTTP/1.1\r\nHost: a\r\n\r\n"), 400, true);
        row("encoded NUL in path", req("GET /metrics%00 HTTP/1.1\r\nHost: a"), 400, true);
        row("DEL in header", "GET /metrics HTTP/1.1\r\n" + host + "X-A: 1\x7f\r\n\r\n", 400, true);
        row("chunk ext with bare LF", "POST /metrics HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3;x\ny\r\nabc\r\n0\r\n\r\n", 400, true);
        row("chunk size overflow", "POST /metrics HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff1\r\nabc\r\n0\r\n\r\n", 400, true);
        row("trailer with NUL", bytesOf("POST /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: \0\r\n\r\n"), 400, true);
        row("two Host headers", "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true);
        row("no Host in HTTP/1.1", "GET /metrics HTTP/1.1\r\n\r\n", 400, true);
        // ---- absurd lengths
        row("request line 100 KiB", "GET /" + QByteArray(100 * 1024, 'a') + " HTTP/1.1\r\n" + host + "\r\n", 414, true);
        row("request line 100 KiB, unfinished", "GET /" + QByteArray(100 * 1024, 'a'), 414, true);
        row("one header 1 MiB", "GET /metrics HTTP/1.1\r\n" + host + "X-A: " + QByteArray(1024 * 1024, 'a') + "\r\n\r\n", 431, true);
        {
            QByteArray many = "GET /metrics HTTP/1.1\r\n" + host;
            for (int i = 0; i < 200; ++i)
                many += "X-" + QByteArray::number(i) + ": 1\r\n";
            row("200 header fields", many + "\r\n", 431, true);
        }
        row("body 1 MiB declared", "POST /metrics HTTP/1.1\r\n" + host + "Content-Length: 1048576\r\n\r\n", 413, true);
        row("chunked body over 64 KiB", "POST /metrics HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n10001\r\n" + QByteArray(0x10001, 'a') + "\r\n0\r\n\r\n", 413, true);
        row("100 empty lines first", QByteArray("\r\n").repeated(100) + "GET /metrics HTTP/1.1\r\n" + host + "\r\n", 400, true);
        // ---- methods and versions
        row("unknown method", req("FOO /metrics HTTP/1.1\r\nHost: a"), 405, false);
        row("lower-case get", req("get /metrics HTTP/1.1\r\nHost: a"), 405, false);
        row("POST", "POST /metrics HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\nhi", 405, false);
        row("DELETE", req("DELETE /metrics HTTP/1.1\r\nHost: a"), 405, false);
        row("method with @", req("G@T /metrics HTTP/1.1\r\nHost: a"), 400, true);
        row("CONNECT authority-form", req("CONNECT a:443 HTTP/1.1\r\nHost: a"), 400, true);
        row("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, true);
        row("HTTP/2.0 request", req("GET /metrics HTTP/2.0\r\nHost: a"), 505, true);
        row("HTTP/0.9 request line", "GET /metrics\r\n\r\n", 400, true);
        row("HTTP/1.10", req("GET /metrics HTTP/1.10\r\nHost: a"), 400, true);
        row("HTTP/1.9 (a future 1.x)", req("GET /metrics HTTP/1.9\r\nHost: a"), 200, false);
        row("lower-case http/1.1", req("GET /metrics http/1.1\r\nHost: a"), 400, true);
        row("tab separator", req("GET\t/metrics HTTP/1.1\r\nHost: a"), 400, true);
        row("TLS ClientHello on plain port", QByteArray::fromHex("16030100a5010000a10303"), 400, true);
        // ---- request targets
        row("absolute-form http", req("GET http://a/metrics HTTP/1.1\r\nHost: a"), 200, false);
        row("absolute-form https with query", req("GET https://a:9/metrics?name[]=hostile_alive HTTP/1.1\r\nHost: a"), 200, false);
        row("absolute-form ftp", req("GET ftp://a/metrics HTTP/1.1\r\nHost: a"), 400, true);
        row("asterisk-form OPTIONS", req("OPTIONS * HTTP/1.1\r\nHost: a"), 200, false);
        row("asterisk-form GET", req("GET * HTTP/1.1\r\nHost: a"), 400, false);
        row("fragment", req("GET /metrics#x HTTP/1.1\r\nHost: a"), 400, true);
        row("percent-encoded path", req("GET /%6detrics HTTP/1.1\r\nHost: a"), 200, false);
        row("dot segments", req("GET /../metrics HTTP/1.1\r\nHost: a"), 404, false);
        row("bad percent escape", req("GET /metrics%zz HTTP/1.1\r\nHost: a"), 400, true);
        // ---- expectations and bodies
        row("Expect: 100-continue on GET", req("GET /metrics HTTP/1.1\r\nHost: a\r\nExpect: 100-continue"), 200, false);
        row("Expect: 100-continue, body sent", "POST /metrics HTTP/1.1\r\n" + host + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", 405, false);
        row("body on GET", "GET /metrics HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello", 200, false);
        row("chunked body on GET", "GET /metrics HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 200, false);
        row("Connection: close", req("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close"), 200, true);
        row("HTTP/1.0 without keep-alive", req("GET /metrics HTTP/1.0"), 200, true);
        // ---- socket-level misbehaviour
        row("half-close after request", req("GET /metrics HTTP/1.1\r\nHost: a"), 200, true, Mode::HalfClose);
        row("half-close after partial request", "GET /metr", closedWithoutAnswer, true, Mode::HalfClose);
        row("half-close before anything", "", closedWithoutAnswer, true, Mode::HalfClose);
        row("reset mid-request", "GET /metrics HTTP/1.1\r\nHo", closedWithoutAnswer, true, Mode::ResetMidRequest);
        row("reset right after request", req("GET /big HTTP/1.1\r\nHost: a"), closedWithoutAnswer, true, Mode::ResetMidRequest);
        row("reset mid-response", req("GET /big HTTP/1.1\r\nHost: a"), 200, true, Mode::ResetMidResponse);
        row("partial request, then silence", "GET /metrics HTTP/1.1\r\nHost: a\r\n", 408, true);
    }

    void hostile() {
        QFETCH(QByteArray, bytes);
        QFETCH(Mode, mode);
        QFETCH(int, status);
        QFETCH(bool, closes);
        Row row{QTest::currentDataTag(), describe(status, closes), "?", false};
        auto record = [&](const QByteArray& observed) {
            row.observed = observed;
            row.pass = observed == row.expected;
        };
        // Records what happened even when a QVERIFY below fails.
        struct Recorder {
            Row& row;
            ~Recorder() { g_rows.push_back(row); }
        } recorder{row};

        RawHttpClient client(port);
        QVERIFY(client.connectToServer());
        const bool isHead = bytes.startsWith("HEAD ");
        switch (mode) {
        case Mode::Send:
        case Mode::HalfClose: {
            client.send(bytes);
            if (mode == Mode::HalfClose)
                QCOMPARE(::shutdown(int(client.socket().socketDescriptor()), SHUT_WR), 0);
            const auto r = client.readResponse(isHead, 8000);
            if (!r) {
                QVERIFY(client.waitForClosed(8000));
                record(describe(closedWithoutAnswer, true));
                break;
            }
            // Keep-alive rows are proven by the follow-up request below, so no long wait for them here.
            bool closed = client.waitForClosed(closes ? 8000 : 50);
            if (!closed) {
                // Still open: the connection must be usable — framing survived the request.
                client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                const auto next = client.readResponse(false, 8000);
                closed = !next;
                QVERIFY2(!next || next->status == 200, "the connection is out of step after the request");
            }
            record(describe(r->status, closed));
            break;
        }
        case Mode::ResetMidRequest: {
            client.send(bytes);
            QTRY_COMPARE_WITH_TIMEOUT(openConnections(), 1, 5000); // the server holds it now
            resetConnection(client.socket());
            record(describe(closedWithoutAnswer, true));
            break;
        }
        case Mode::ResetMidResponse: {
            client.send(bytes);
            // Wait for the first bytes of the large body, then reset while the rest is unsent.
            QVERIFY(QTest::qWaitFor([&] { return client.socket().bytesAvailable() > 0 || client.takeBuffered().size() > 0; }, 10000));
            resetConnection(client.socket());
            record("200 (partly read) + close");
            row.expected = "200 (partly read) + close";
            row.pass = true;
            break;
        }
        }
        // The server forgets the connection and keeps serving everyone else.
        client.socket().abort();
        QTRY_COMPARE_WITH_TIMEOUT(openConnections(), 0, 10000);
        QVERIFY(scrapeOk());
        QCOMPARE(row.observed, row.expected);
    }

    void pipelinedHundredInOneWrite() {
        // Four kinds in rotation, so that order mistakes show in the statuses.
        const QList<QPair<QByteArray, int>> kinds = {{"GET /metrics", 200}, {"HEAD /metrics", 200},
                                                     {"GET /nowhere", 404}, {"DELETE /metrics", 405}};
        QByteArray all;
        for (int i = 0; i < 100; ++i)
            all += kinds[i % 4].first + " HTTP/1.1\r\nHost: a\r\n\r\n";
        RawHttpClient client(port);
        QVERIFY(client.connectToServer());
        client.send(all);
        for (int i = 0; i < 100; ++i) {
            const bool head = kinds[i % 4].first.startsWith("HEAD");
            const auto r = client.readResponse(head, 10000);
            QVERIFY2(r, qPrintable(QString::number(i)));
            QCOMPARE(r->status, kinds[i % 4].second);
            if (kinds[i % 4].second == 200 && !head)
                QVERIFY(r->body.contains("hostile_alive 1\n"));
        }
        QVERIFY(client.isConnected());
        g_rows.push_back({"100 pipelined requests in one write", "100 answers in order + keep-alive",
                          "100 answers in order + keep-alive", true});
        QVERIFY(scrapeOk());
    }

    void errorAnswerSurvivesAClientStillSending() {
        // A client still sending when the server answers an error and closes (RFC 9112 9.6):
        // the bytes arriving after the close make the server's kernel answer RST, and the
        // client must still be able to read the 400 it had already received. (On loopback the
        // answer is always transmitted before the close; over a slow link an unacknowledged
        // answer could still be lost to the RST — see docs/security.md, "lingering close".)
        for (int round = 0; round < 5; ++round) {
            const int fd = promqt::test::startConnect(port);
            QVERIFY(QTest::qWaitFor([&] { return promqt::test::finishConnect(fd, 0); }, 5000));
            QVERIFY(promqt::test::sendAll(fd, "GET /metrics HTTP/1.1\nHost: a\n")); // bare LF: 400
            // The server answers and closes its side; then more of the request arrives.
            QVERIFY(QTest::qWaitFor([&] { return promqt::test::peerState(fd) != promqt::test::PeerState::Open; }, 5000));
            QVERIFY(promqt::test::sendAll(fd, "X-More: " + QByteArray(2000, 'm') + "\n\n"));
            QTest::qWait(50); // the work being timed: let the server's kernel react to those bytes
            const QByteArray answer = promqt::test::readUntilClosed(fd, 5000);
            ::close(fd);
            QVERIFY2(answer.startsWith("HTTP/1.1 400 "), qPrintable("round " + QString::number(round) + ": '" + answer.left(40) + "'"));
        }
        QVERIFY(scrapeOk());
        g_rows.push_back({"bad request, client still sending after the answer", "400 still readable + close",
                          "400 still readable + close", true});
    }

    void overTheConnectionLimitGets503WithRetryAfter() {
        // Regression: the 503 placeholder was written before rejectAndClose() replaced it, so
        // the documented Retry-After header (and message) never went out.
        promqt::MetricsServer limited;
        promqt::MetricsServerOptions o;
        o.maxConnections = 1;
        limited.setOptions(o);
        limited.registerCollectable(registry);
        QVERIFY(limited.listen(QHostAddress::LocalHost, 0));
        RawHttpClient first(limited.serverPort());
        QVERIFY(first.connectToServer());
        first.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        QVERIFY(first.readResponse()); // accepted and counted
        RawHttpClient second(limited.serverPort());
        QVERIFY(second.connectToServer());
        const auto busy = second.readResponse();
        QVERIFY(busy);
        QCOMPARE(busy->status, 503);
        QCOMPARE(busy->header("Retry-After"), QByteArray("1"));
        QCOMPARE(busy->header("Connection"), QByteArray("close"));
        QVERIFY(busy->body.contains("too many connections"));
        QVERIFY(second.waitForClosed());
        g_rows.push_back({"connection over maxConnections", "503 + Retry-After: 1 + close",
                          "503 + Retry-After: " + busy->header("Retry-After") + " + close", true});
    }

    void clientThatNeverReadsStaysBounded() {
        // A separate server with a small output limit, so the bound is easy to see.
        promqt::MetricsServer bounded;
        promqt::MetricsServerOptions o;
        o.maxPendingOutputBytes = 1024 * 1024;
        o.requestTimeout = std::chrono::milliseconds(2000);
        bounded.setOptions(o);
        bounded.registerCollectable(big, QStringLiteral("/big"));
        bounded.registerCollectable(registry);
        QVERIFY(bounded.listen(QHostAddress::LocalHost, 0));
        const quint16 boundedPort = bounded.serverPort();
        auto selfValue = [&](const QByteArray& name) {
            auto r = httpRequest(boundedPort, "GET", "/metrics?name[]=" + name);
            return r ? metricValue(r->body, name) : -1;
        };
        const qint64 rssBefore = vmRssKiB();
        const qint64 bytesBefore = selfValue("promqt_exposer_response_bytes_total");

        NeverReadingClient greedy(boundedPort);
        QVERIFY(greedy.connected());
        // 500 requests for a ~4 MB body: 2 GB of output if the server answered them all.
        QByteArray requests;
        for (int i = 0; i < 500; ++i)
            requests += "GET /big HTTP/1.1\r\nHost: a\r\nAccept-Encoding: identity\r\n\r\n";
        qint64 sent = 0;
        QElapsedTimer t;
        t.start();
        // Keep pushing requests for 1.5 s (the server stops reading, so our send buffer fills).
        (void)QTest::qWaitFor([&] {
            if (sent < requests.size())
                sent += greedy.sendSome(requests.mid(sent));
            return t.elapsed() > 1500;
        }, 3000);
        const qint64 written = selfValue("promqt_exposer_response_bytes_total") - bytesBefore;
        const qint64 rssGrowthKiB = vmRssKiB() - rssBefore;
        // At most: what the kernel buffers hold, the output limit, and one body in progress.
        const qint64 bound = 64LL * 1024 * 1024;
        QVERIFY2(written < bound, qPrintable(QString::number(written)));
        QVERIFY2(rssGrowthKiB < 200 * 1024, qPrintable(QString::number(rssGrowthKiB)));
        // Everyone else is still served while the greedy client holds its connection.
        auto other = httpRequest(boundedPort, "GET", "/metrics");
        QVERIFY(other && other->status == 200);
        // No write progress for requestTimeout: the server drops it (its gauge counts only the
        // connection of this very scrape again).
        QTRY_COMPARE_WITH_TIMEOUT(selfValue("promqt_exposer_connections"), qint64(1), 10000);
        std::printf("never-reading client: %lld of %lld request bytes accepted, %lld response bytes "
                    "written, RSS growth %lld KiB\n",
                    sent, qint64(requests.size()), written, rssGrowthKiB);
        g_rows.push_back({"client never reads (500 x 4 MB requested)",
                          "reading paused, dropped after requestTimeout",
                          QByteArray::number(written / 1024 / 1024) + " MB written, RSS +" +
                              QByteArray::number(rssGrowthKiB / 1024) + " MB, dropped",
                          true});
    }
};

QTEST_GUILESS_MAIN(TestHostileClients)
#include "tst_hostileclients.moc"
