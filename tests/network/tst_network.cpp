// SPDX-License-Identifier: MIT
// promqt::NetworkInstrumentation against a small HTTP server on loopback.
#include <promqt/network.h>

#include <prometheus/registry.h>

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkCookieJar>
#include <QNetworkReply>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>

namespace {

// Answers by path: /ok 200, /missing 404, /unavailable 503, /redirect 302 → /ok, /slow 200
// after 100 ms, /hang never. Keep-alive, Content-Length framing, request bodies are skipped.
class TestServer : public QObject {
public:
    TestServer() {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    QUrl url(const QString& path) const { return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(path)); }
    int requestCount() const { return m_requests; }
    QByteArray log() const { return m_log; }

private:
    void serve(QTcpSocket* socket) {
        QByteArray& buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const int end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = buffer.left(end);
            qsizetype bodyLength = 0;
            for (const QByteArray& line : head.split('\n'))
                if (line.toLower().startsWith("content-length:"))
                    bodyLength = line.mid(15).trimmed().toLongLong();
            if (buffer.size() < end + 4 + bodyLength)
                return;
            buffer.remove(0, end + 4 + bodyLength);
            ++m_requests;
            const QList<QByteArray> requestLine = head.left(head.indexOf('\r')).split(' ');
            m_log += requestLine.value(0) + ' ' + requestLine.value(1) + " on " +
                     QByteArray::number(socket->peerPort()) + "; ";
            answer(socket, requestLine.value(0), requestLine.value(1));
        }
    }

    void answer(QTcpSocket* socket, const QByteArray& method, const QByteArray& path) {
        const QByteArray body = method == "HEAD" ? QByteArray() : QByteArrayLiteral("hello");
        const auto reply = [socket, body](const QByteArray& status, const QByteArray& extra = {}) {
            socket->write("HTTP/1.1 " + status + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" +
                          extra + "\r\n" + body);
        };
        if (path == "/ok") {
            reply("200 OK");
        } else if (path == "/unavailable") {
            reply("503 Service Unavailable");
        } else if (path == "/redirect") {
            reply("302 Found", "Location: " + url(QStringLiteral("/ok")).toEncoded() + "\r\n");
        } else if (path == "/slow") {
            QPointer<QTcpSocket> guarded(socket);
            QTimer::singleShot(100, Qt::PreciseTimer, this, [guarded, reply] { // the latency being measured
                if (guarded)
                    reply("200 OK");
            });
        } else if (path == "/hang") {
            // never answers
        } else {
            reply("404 Not Found");
        }
    }

    QTcpServer m_server;
    std::map<QTcpSocket*, QByteArray> m_buffers;
    int m_requests = 0;
    QByteArray m_log;
};

struct Series {
    std::uint64_t count = 0;
    double sum = 0;
};

using Labels = std::map<std::string, std::string>;

// The duration series with exactly these labels, as a scrape would see it.
std::optional<Series> series(const prometheus::Registry& registry, const Labels& labels) {
    for (const auto& family : registry.Collect()) {
        if (family.name != "promqt_network_request_duration_seconds")
            continue;
        for (const auto& metric : family.metric) {
            Labels have;
            for (const auto& l : metric.label)
                have[l.name] = l.value;
            if (have == labels)
                return Series{metric.histogram.sample_count, metric.histogram.sample_sum};
        }
    }
    return std::nullopt;
}

// Observation count of that series, 0 if it does not exist.
std::uint64_t countOf(const prometheus::Registry& registry, const Labels& labels) {
    const auto s = series(registry, labels);
    return s ? s->count : 0;
}

// All duration series, for failure messages.
QByteArray dump(const prometheus::Registry& registry) {
    QByteArray out;
    for (const auto& family : registry.Collect())
        if (family.name == "promqt_network_request_duration_seconds")
            for (const auto& metric : family.metric) {
                out += '{';
                for (const auto& l : metric.label)
                    out += QByteArray::fromStdString(l.name + "=\"" + l.value + "\" ");
                out += "} " + QByteArray::number(quint64(metric.histogram.sample_count)) + "; ";
            }
    return out;
}

std::uint64_t totalRequests(const prometheus::Registry& registry) {
    std::uint64_t total = 0;
    for (const auto& family : registry.Collect())
        if (family.name == "promqt_network_request_duration_seconds")
            for (const auto& metric : family.metric)
                total += metric.histogram.sample_count;
    return total;
}

double inFlightGauge(const prometheus::Registry& registry) {
    for (const auto& family : registry.Collect())
        if (family.name == "promqt_network_requests_in_flight")
            return family.metric.at(0).gauge.value;
    return -1;
}

Labels labels(const char* method, const char* code, const char* error = "", const char* host = "127.0.0.1") {
    return {{"method", method}, {"code", code}, {"error", error}, {"host", host}};
}

bool waitFinished(QNetworkReply* reply) {
    if (reply->isFinished())
        return true;
    QSignalSpy spy(reply, &QNetworkReply::finished);
    return spy.wait(10000);
}

} // namespace

class TestNetwork : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<prometheus::Registry> registry;
    std::unique_ptr<TestServer> server;
    std::unique_ptr<QNetworkAccessManager> nam;
    QPointer<promqt::NetworkInstrumentation> instrumentation;

    QNetworkReply* get(const QString& path) { return nam->get(QNetworkRequest(server->url(path))); }

private slots:
    void init() {
        registry = std::make_unique<prometheus::Registry>();
        server = std::make_unique<TestServer>();
        nam = std::make_unique<QNetworkAccessManager>();
        instrumentation = new promqt::NetworkInstrumentation(nam.get(), *registry, nam.get());
    }
    void cleanup() {
        nam.reset();
        QVERIFY(instrumentation.isNull()); // a child of the manager
        server.reset();
        registry.reset();
    }

    void familiesExistUpFront() {
        QCOMPARE(inFlightGauge(*registry), 0.0);
        QCOMPARE(instrumentation->manager(), nam.get());
        QCOMPARE(totalRequests(*registry), 0u);
    }

    void successIsObservedFromTheCall() {
        QElapsedTimer wall;
        wall.start();
        std::unique_ptr<QNetworkReply> reply(get(QStringLiteral("/slow")));
        QVERIFY(waitFinished(reply.get()));
        const double elapsed = wall.nsecsElapsed() / 1e9;
        QCOMPARE(reply->readAll(), QByteArrayLiteral("hello"));
        const auto s = series(*registry, labels("GET", "200"));
        QVERIFY(s);
        QCOMPARE(s->count, 1u);
        QVERIFY2(s->sum >= 0.1, qPrintable(QString::number(s->sum)));
        QVERIFY(s->sum <= elapsed);
        QCOMPARE(totalRequests(*registry), 1u);
        QCOMPARE(inFlightGauge(*registry), 0.0);
        QCOMPARE(instrumentation->inFlight(), 0);
    }

    void httpStatusesAreCodes() {
        for (const auto& path : {QStringLiteral("/ok"), QStringLiteral("/missing"), QStringLiteral("/unavailable"),
                                 QStringLiteral("/missing")}) {
            std::unique_ptr<QNetworkReply> reply(get(path));
            QVERIFY(waitFinished(reply.get()));
        }
        QVERIFY2(countOf(*registry, labels("GET", "200")) == 1u, dump(*registry));
        QVERIFY2(countOf(*registry, labels("GET", "404")) == 2u, dump(*registry)); // error stays "": the code says it
        QVERIFY2(countOf(*registry, labels("GET", "503")) == 1u, dump(*registry));
        QCOMPARE(totalRequests(*registry), 4u);
    }

    void methods() {
        QNetworkRequest request(server->url(QStringLiteral("/ok")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain"));
        std::vector<std::unique_ptr<QNetworkReply>> replies;
        replies.emplace_back(nam->post(request, QByteArrayLiteral("body")));
        replies.emplace_back(nam->put(request, QByteArrayLiteral("body")));
        replies.emplace_back(nam->deleteResource(request));
        replies.emplace_back(nam->head(request));
        replies.emplace_back(nam->sendCustomRequest(request, "patch", QByteArrayLiteral("body")));
        replies.emplace_back(nam->sendCustomRequest(request, "FROBNICATE"));
        for (auto& reply : replies)
            QVERIFY(waitFinished(reply.get()));
        for (const char* method : {"POST", "PUT", "DELETE", "HEAD", "PATCH"})
            QVERIFY2(series(*registry, labels(method, "200")), method);
        QVERIFY2(countOf(*registry, labels("OTHER", "200")) == 1u, dump(*registry)); // FROBNICATE
        QCOMPARE(totalRequests(*registry), 6u);
    }

    void connectionRefused() {
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            closedPort = probe.serverPort();
        } // closed: nothing listens there any more
        std::unique_ptr<QNetworkReply> reply(
            nam->get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(closedPort)))));
        QVERIFY(waitFinished(reply.get()));
        QCOMPARE(reply->error(), QNetworkReply::ConnectionRefusedError);
        QVERIFY2(countOf(*registry, labels("GET", "error", "ConnectionRefused")) == 1u, dump(*registry));
        QCOMPARE(inFlightGauge(*registry), 0.0);
    }

    void abortIsOperationCanceled() {
        std::unique_ptr<QNetworkReply> reply(get(QStringLiteral("/hang")));
        QTRY_COMPARE(server->requestCount(), 1);
        QCOMPARE(instrumentation->inFlight(), 1);
        QCOMPARE(inFlightGauge(*registry), 1.0);
        reply->abort();
        QVERIFY(reply->isFinished());
        QVERIFY2(countOf(*registry, labels("GET", "error", "OperationCanceled")) == 1u, dump(*registry));
        QCOMPARE(inFlightGauge(*registry), 0.0);
    }

    void transferTimeout() {
        QNetworkRequest request(server->url(QStringLiteral("/hang")));
        request.setTransferTimeout(100);
        std::unique_ptr<QNetworkReply> reply(nam->get(request));
        QVERIFY(waitFinished(reply.get()));
        QCOMPARE(reply->error(), QNetworkReply::OperationCanceledError);
        const auto s = series(*registry, labels("GET", "error", "OperationCanceled"));
        QVERIFY(s);
        // Qt's transfer timer is a coarse timer: it may fire up to 5 % (and a rounding) early.
        QVERIFY2(s->sum >= 0.09, qPrintable(QString::number(s->sum)));
    }

    void redirectFollowedIsOneRequest() {
        QNetworkRequest request(server->url(QStringLiteral("/redirect")));
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
        std::unique_ptr<QNetworkReply> reply(nam->get(request));
        QVERIFY(waitFinished(reply.get()));
        QCOMPARE(reply->url(), server->url(QStringLiteral("/ok")));
        // Two requests reached the server (Qt may retry one on a fresh connection under load);
        // the call site made one, and one is observed.
        QVERIFY2(server->requestCount() >= 2, server->log());
        QVERIFY2(countOf(*registry, labels("GET", "200")) == 1u, dump(*registry));
        QCOMPARE(totalRequests(*registry), 1u);
    }

    void redirectNotFollowedIsItsCode() {
        QNetworkRequest request(server->url(QStringLiteral("/redirect")));
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        std::unique_ptr<QNetworkReply> reply(nam->get(request));
        QVERIFY(waitFinished(reply.get()));
        QVERIFY2(countOf(*registry, labels("GET", "302")) == 1u, dump(*registry));
        QCOMPARE(totalRequests(*registry), 1u);
    }

    void nonHttpSchemes() {
        // These replies may be finished as soon as they are created; the manager still
        // announces them later, with its finished() signal.
        QSignalSpy finished(nam.get(), &QNetworkAccessManager::finished);
        std::unique_ptr<QNetworkReply> ok(nam->get(QNetworkRequest(QUrl(QStringLiteral("data:text/plain,hi")))));
        QTRY_COMPARE(finished.count(), 1);
        QVERIFY2(countOf(*registry, labels("GET", "ok", "", "")) == 1u, dump(*registry));
        std::unique_ptr<QNetworkReply> missing(
            nam->get(QNetworkRequest(QUrl::fromLocalFile(QStringLiteral("/nonexistent/promqt")))));
        QTRY_COMPARE(finished.count(), 2);
        QVERIFY2(countOf(*registry, labels("GET", "error", "ContentNotFound", "")) == 1u, dump(*registry));
    }

    void requestsInFlight() {
        std::unique_ptr<QNetworkReply> a(get(QStringLiteral("/hang")));
        std::unique_ptr<QNetworkReply> b(get(QStringLiteral("/hang")));
        QTRY_COMPARE(inFlightGauge(*registry), 2.0);
        a->abort();
        QCOMPARE(inFlightGauge(*registry), 1.0);
        b->abort();
        QCOMPARE(inFlightGauge(*registry), 0.0);
    }

    void replyDeletedUnfinished() {
        QNetworkReply* reply = get(QStringLiteral("/hang"));
        QTRY_COMPARE(server->requestCount(), 1);
        QCOMPARE(inFlightGauge(*registry), 1.0);
        delete reply;
        QCOMPARE(inFlightGauge(*registry), 0.0);
        QVERIFY2(countOf(*registry, labels("GET", "error", "OperationCanceled")) == 1u, dump(*registry));
        QCOMPARE(totalRequests(*registry), 1u);
    }

    void otherChildrenOfTheManagerAreIgnored() {
        auto* mine = new QObject(nam.get());
        nam->setCookieJar(new QNetworkCookieJar); // re-parented to the manager
        std::unique_ptr<QNetworkReply> done(get(QStringLiteral("/ok")));
        QVERIFY(waitFinished(done.get()));
        // An existing reply re-parented to the manager is not a new request either.
        done->setParent(nullptr);
        done->setParent(nam.get());
        done->setParent(nullptr);
        QCoreApplication::processEvents(); // runs the queued classification of the new children
        QCOMPARE(instrumentation->inFlight(), 0);
        QCOMPARE(inFlightGauge(*registry), 0.0);
        QCOMPARE(totalRequests(*registry), 1u);
        delete mine;
        QCOMPARE(totalRequests(*registry), 1u);
    }

    void hostLabelCanBeChanged() {
        instrumentation->setHostLabel([](const QUrl& url) {
            return url.host() == QLatin1String("127.0.0.1") ? QStringLiteral("loopback") : QStringLiteral("other");
        });
        std::unique_ptr<QNetworkReply> reply(get(QStringLiteral("/ok")));
        QVERIFY(waitFinished(reply.get()));
        QVERIFY2(countOf(*registry, labels("GET", "200", "", "loopback")) == 1u, dump(*registry));
    }

    void instrumentationDeletedWhileInFlight() {
        std::unique_ptr<QNetworkReply> reply(get(QStringLiteral("/hang")));
        QTRY_COMPARE(inFlightGauge(*registry), 1.0);
        delete instrumentation;
        QCOMPARE(inFlightGauge(*registry), 0.0);
        reply->abort(); // nobody is listening any more: no observation, no crash
        QCOMPARE(totalRequests(*registry), 0u);
        std::unique_ptr<QNetworkReply> after(get(QStringLiteral("/ok")));
        QVERIFY(waitFinished(after.get()));
        QCOMPARE(totalRequests(*registry), 0u);
    }

    void managerDeletedWhileInFlight() {
        auto* standalone = new promqt::NetworkInstrumentation(nam.get(), *registry); // not a child
        get(QStringLiteral("/hang"));
        QTRY_COMPARE(standalone->inFlight(), 1);
        nam.reset(); // deletes its replies; `instrumentation` (its child) goes too
        QCOMPARE(standalone->manager(), nullptr);
        QCOMPARE(standalone->inFlight(), 0);
        QCOMPARE(inFlightGauge(*registry), 0.0);
        // Both instrumentations saw the one request end unfinished.
        QVERIFY2(countOf(*registry, labels("GET", "error", "OperationCanceled")) == 2u, dump(*registry));
        delete standalone;
    }

    void twoManagersShareTheRegistry() {
        QNetworkAccessManager second;
        promqt::NetworkInstrumentation secondInstrumentation(&second, *registry);
        std::unique_ptr<QNetworkReply> a(get(QStringLiteral("/ok")));
        std::unique_ptr<QNetworkReply> b(second.get(QNetworkRequest(server->url(QStringLiteral("/ok")))));
        QVERIFY(waitFinished(a.get()));
        QVERIFY(waitFinished(b.get()));
        QVERIFY2(countOf(*registry, labels("GET", "200")) == 2u, dump(*registry));
    }

    void customBuckets() {
        prometheus::Registry own;
        QNetworkAccessManager manager;
        promqt::NetworkInstrumentation custom(&manager, own, {0.5, 1.0});
        std::unique_ptr<QNetworkReply> reply(manager.get(QNetworkRequest(server->url(QStringLiteral("/ok")))));
        QVERIFY(waitFinished(reply.get()));
        for (const auto& family : own.Collect())
            if (family.name == "promqt_network_request_duration_seconds")
                QCOMPARE(family.metric.at(0).histogram.bucket.size(), std::size_t(3)); // 0.5, 1, +Inf
    }
};

QTEST_GUILESS_MAIN(TestNetwork)
#include "tst_network.moc"
