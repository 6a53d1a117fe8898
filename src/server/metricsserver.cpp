// SPDX-License-Identifier: MIT
#include "server/metricsserver_p.h"

#include <QSslServer>
#include <QSslSocket>

namespace promqt {

namespace {
const QByteArray allowedMethods = "GET, HEAD, OPTIONS";

QByteArray htmlEscape(const QString& s) { return s.toHtmlEscaped().toUtf8(); }
} // namespace

// ---- MetricsServerPrivate ----------------------------------------------------------------

MetricsServerPrivate::MetricsServerPrivate(MetricsServer* qq) : q(qq) {
    engine = std::make_unique<detail::ScrapeEngine>([this](const QString& path) {
        auto collectables = paths.collectables(path);
        if (options.selfMetrics && !collectables.empty())
            collectables.push_back(self.registry());
        return collectables;
    });
    QObject::connect(engine.get(), &detail::ScrapeEngine::collectFailed, q,
                     [this](const QString& message) {
                         emit q->errorOccurred(QStringLiteral("Collect() failed: ") + message);
                     });
}

MetricsServerPrivate::~MetricsServerPrivate() {
    closeAll();
    engine.reset(); // waits for scrapes still running on the pool
}

void MetricsServerPrivate::closeAll() {
    if (server) {
        server->close();
        server.reset();
    }
    // Connections reference `self` and the router: they go first.
    const auto open = std::exchange(connections, {});
    for (detail::Connection* c : open)
        delete c;
}

void MetricsServerPrivate::acceptConnections() {
    while (server && server->hasPendingConnections()) {
        QTcpSocket* socket = server->nextPendingConnection();
        if (!socket)
            break;
        auto* connection = new detail::Connection(socket, this, &self, options);
        connections.insert(connection);
        QObject::connect(connection, &detail::Connection::closed, q, [this](detail::Connection* c) {
            if (connections.erase(c))
                c->deleteLater();
        });
        if (int(connections.size()) > options.maxConnections) {
            // Answer instead of silently dropping, so the client knows to retry later; the
            // connections already open are untouched.
            self.countRejected("too_many_connections");
            http::Response busy = http::Response::plain(503, "503 Service Unavailable: too many connections");
            busy.setHeader("Retry-After", "1");
            connection->rejectAndClose(std::move(busy));
        }
    }
}

QString MetricsServerPrivate::pathLabel(const QByteArray& path, bool served) const {
    // Only known paths become label values: arbitrary request paths must not create series.
    if (served || path == "/")
        return QString::fromUtf8(path);
    return QStringLiteral("other");
}

http::Response MetricsServerPrivate::rootPage() const {
    QByteArray body = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>promqt metrics</title>"
                      "</head><body>\n<h1>promqt metrics</h1>\n<ul>\n";
    for (const QString& p : paths.paths())
        body += "<li><a href=\"" + htmlEscape(p) + "\">" + htmlEscape(p) + "</a></li>\n";
    body += "</ul>\n</body></html>\n";
    http::Response r(200);
    r.setHeader("Content-Type", "text/html; charset=utf-8");
    r.body = body;
    return r;
}

void MetricsServerPrivate::handle(const http::Request& request, Respond respond) {
    const QString path = QString::fromUtf8(request.path);
    const bool served = paths.contains(path);
    const QString label = pathLabel(request.path, served);
    auto answer = [this, label, respond](http::Response response) {
        self.countResponse(label, response.status);
        respond(std::move(response));
    };

    if (auth.enabled() && !auth.check(request.header("authorization"))) {
        self.countRejected("unauthorized");
        http::Response r = http::Response::plain(401);
        r.setHeader("WWW-Authenticate", auth.challenge());
        answer(std::move(r));
        return;
    }
    if (request.path == "*") { // asterisk-form: only OPTIONS means anything
        http::Response r = request.method == "OPTIONS" ? http::Response(200) : http::Response::plain(400);
        r.setHeader("Allow", allowedMethods);
        answer(std::move(r));
        return;
    }
    if (!served && request.path != "/") {
        answer(http::Response::plain(404));
        return;
    }
    if (request.method == "OPTIONS") {
        http::Response r(200);
        r.setHeader("Allow", allowedMethods);
        answer(std::move(r));
        return;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        http::Response r = http::Response::plain(405);
        r.setHeader("Allow", allowedMethods);
        answer(std::move(r));
        return;
    }
    if (!served) {
        answer(rootPage());
        return;
    }

    detail::ScrapeRequest scrape;
    scrape.path = path;
    scrape.format = negotiateFormat(request.joinedHeader("accept"));
    scrape.gzip = options.compression && acceptsGzip(request.joinedHeader("accept-encoding"));
    scrape.names = requestedNames(request.query);
    const bool compression = options.compression;
    const bool openMetrics = scrape.format == ExpositionFormat::OpenMetrics;
    engine->scrape(scrape, [this, answer, compression, openMetrics](const detail::ScrapeResult& result) {
        if (result.status != 200) {
            answer(http::Response::plain(result.status, "500 Internal Server Error: " + result.error.toUtf8()));
            return;
        }
        self.observeScrape(result.seconds);
        self.countFormat(openMetrics, result.gzip);
        http::Response r(200);
        r.setHeader("Content-Type", result.contentType);
        if (result.gzip)
            r.setHeader("Content-Encoding", "gzip");
        if (compression)
            r.setHeader("Vary", "Accept-Encoding, Accept");
        else
            r.setHeader("Vary", "Accept");
        r.body = result.body;
        answer(std::move(r));
    });
}

// ---- MetricsServer -------------------------------------------------------------------------

MetricsServer::MetricsServer(QObject* parent) : QObject(parent), d(std::make_unique<MetricsServerPrivate>(this)) {}

MetricsServer::~MetricsServer() = default;

void MetricsServer::registerCollectable(const std::weak_ptr<prometheus::Collectable>& collectable,
                                        const QString& path) {
    d->paths.add(path, collectable);
}

void MetricsServer::removeCollectable(const std::weak_ptr<prometheus::Collectable>& collectable,
                                      const QString& path) {
    d->paths.remove(path, collectable);
}

QStringList MetricsServer::paths() const { return d->paths.paths(); }

bool MetricsServer::listen(const QHostAddress& address, quint16 port) {
    if (d->server && d->server->isListening()) {
        d->errorString = QStringLiteral("already listening on %1:%2")
                             .arg(d->server->serverAddress().toString())
                             .arg(d->server->serverPort());
        return false;
    }
    if (!d->ssl.isNull()) {
        auto* ssl = new QSslServer();
        ssl->setSslConfiguration(d->ssl);
        ssl->setHandshakeTimeout(int(d->options.requestTimeout.count()));
        QObject::connect(ssl, &QSslServer::errorOccurred, this,
                         [this](QSslSocket*, QAbstractSocket::SocketError) {
                             d->self.countRejected("tls");
                         });
        QObject::connect(ssl, &QSslServer::sslErrors, this, [this](QSslSocket*, const QList<QSslError>& errors) {
            QStringList texts;
            for (const QSslError& e : errors)
                texts << e.errorString();
            emit errorOccurred(QStringLiteral("TLS: ") + texts.join(QStringLiteral("; ")));
        });
        QObject::connect(ssl, &QSslServer::peerVerifyError, this, [this](QSslSocket*, const QSslError& e) {
            emit errorOccurred(QStringLiteral("TLS peer verification: ") + e.errorString());
        });
        QObject::connect(ssl, &QSslServer::handshakeInterruptedOnError, this,
                         [this](QSslSocket*, const QSslError& e) {
                             emit errorOccurred(QStringLiteral("TLS handshake: ") + e.errorString());
                         });
        d->server.reset(ssl);
    } else {
        d->server = std::make_unique<QTcpServer>();
    }
    d->server->setMaxPendingConnections(1024);
    // Qt's default listen backlog is 50: a burst of connections (a slowloris flood, many
    // scrapers at once) overflowed the kernel's accept queue, which then dropped handshakes —
    // and every client caught in it, scrapers included, waited 1-3 s for a SYN retransmit.
    // The kernel caps this at net.core.somaxconn. Found by tst_load.
    d->server->setListenBacklogSize(1024);
    QObject::connect(d->server.get(), &QTcpServer::pendingConnectionAvailable, this,
                     [this] { d->acceptConnections(); });
    QObject::connect(d->server.get(), &QTcpServer::acceptError, this,
                     [this](QAbstractSocket::SocketError) {
                         emit errorOccurred(QStringLiteral("accept failed: ") + d->server->errorString());
                     });
    if (!d->server->listen(address, port)) {
        d->errorString = QStringLiteral("cannot listen on %1:%2: %3")
                             .arg(address.toString())
                             .arg(port)
                             .arg(d->server->errorString());
        d->server.reset();
        emit errorOccurred(d->errorString);
        return false;
    }
    d->errorString.clear();
    emit listeningChanged(true);
    return true;
}

void MetricsServer::close() {
    const bool was = isListening();
    d->closeAll();
    if (was)
        emit listeningChanged(false);
}

bool MetricsServer::isListening() const { return d->server && d->server->isListening(); }

quint16 MetricsServer::serverPort() const { return isListening() ? d->server->serverPort() : 0; }

QHostAddress MetricsServer::serverAddress() const {
    return isListening() ? d->server->serverAddress() : QHostAddress();
}

QUrl MetricsServer::url() const {
    if (!isListening())
        return {};
    QHostAddress host = d->server->serverAddress();
    if (host == QHostAddress::Any || host == QHostAddress::AnyIPv4)
        host = QHostAddress::LocalHost;
    else if (host == QHostAddress::AnyIPv6)
        host = QHostAddress::LocalHostIPv6;
    QUrl url;
    url.setScheme(d->ssl.isNull() ? QStringLiteral("http") : QStringLiteral("https"));
    url.setHost(host.toString());
    url.setPort(d->server->serverPort());
    const QStringList all = d->paths.paths();
    url.setPath(all.contains(QStringLiteral("/metrics")) || all.isEmpty() ? QStringLiteral("/metrics")
                                                                           : all.first());
    return url;
}

QString MetricsServer::errorString() const { return d->errorString; }

void MetricsServer::setOptions(const MetricsServerOptions& options) {
    d->options = options;
    d->engine->setThreads(options.scrapeThreads);
    d->engine->setInlineBudget(options.inlineScrapeBudget);
    d->engine->setCompressionLevel(options.compressionLevel);
}

MetricsServerOptions MetricsServer::options() const { return d->options; }

void MetricsServer::setSslConfiguration(const QSslConfiguration& configuration) { d->ssl = configuration; }

void MetricsServer::setBasicAuth(const QString& user, const QString& password, const QString& realm) {
    d->auth = detail::BasicAuth(user, password, realm);
}

std::shared_ptr<prometheus::Collectable> MetricsServer::selfMetrics() const { return d->self.registry(); }

} // namespace promqt
