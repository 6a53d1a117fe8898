// SPDX-License-Identifier: MIT
#include "endpoint.h"

#include <promqt/discovery.h>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#if QT_CONFIG(ssl)
#include <QSslSocket>
#endif

#include <algorithm>

Q_LOGGING_CATEGORY(lcConsul, "promqt.discovery.consul")

namespace promqt {

using std::chrono::milliseconds;

namespace {

/// Consul durations: "10s", or "1500ms" when not whole seconds.
QString consulDuration(milliseconds d) {
    if (d.count() % 1000 == 0)
        return QString::number(d.count() / 1000) + QLatin1Char('s');
    return QString::number(d.count()) + QLatin1String("ms");
}

} // namespace

class ConsulAgentPrivate : public QObject {
public:
    enum class Op { None, Register, Deregister };
    enum class Want { Keep, Registered, Deregistered };

    explicit ConsulAgentPrivate(ConsulAgent* qq) : q(qq), source(this) {
        reconcileTimer.setSingleShot(true);
        reconcileTimer.setInterval(0);
        connect(&reconcileTimer, &QTimer::timeout, this, &ConsulAgentPrivate::reconcile);
        retryTimer.setSingleShot(true);
        connect(&retryTimer, &QTimer::timeout, this, &ConsulAgentPrivate::reconcile);
        timeoutTimer.setSingleShot(true);
        connect(&timeoutTimer, &QTimer::timeout, this, [this] {
            if (reply) {
                timedOut = true;
                reply->abort();
            }
        });
        connect(&source, &detail::EndpointSource::changed, this, &ConsulAgentPrivate::schedule);
    }

    ConsulAgent* q;
    detail::EndpointSource source;

    QUrl agentUrl{QStringLiteral("http://127.0.0.1:8500")};
    QString name;
    QString id;
    QStringList tags;
    QMap<QString, QString> meta;
    QString token;
    milliseconds checkInterval{10'000};
    milliseconds checkTimeout{5'000};
    milliseconds deregisterAfter{0};
    milliseconds requestTimeout{5'000};
    milliseconds retryInitial{1'000};
    milliseconds retryMax{60'000};
    milliseconds backoff{1'000};
    milliseconds shutdownTimeout{2'000};
    bool retryEnabled = true;
    bool deregisterOnStop = true;
    bool enabled = true; ///< false after deregister(), until registerService()
    bool explicitDeregisterPending = false;

    QPointer<QNetworkAccessManager> externalNam;
    QNetworkAccessManager* ownNam = nullptr;

    // What the agent may hold: agentId is an id that may be registered there (a request was
    // sent and not undone); agentBody is the body the agent confirmed for it (empty: unknown).
    QString agentId;
    QByteArray agentBody;
    bool registeredFlag = false;

    // The one request in flight.
    QPointer<QNetworkReply> reply;
    Op op = Op::None;
    QString opId;
    QByteArray opBody;
    bool opPrevConfirmed = false;
    bool timedOut = false;
    bool superseded = false;
    QTimer timeoutTimer;
    QTimer retryTimer;
    QTimer reconcileTimer;

    QString effectiveName() const {
        if (!name.isEmpty())
            return name;
        const QString app = QCoreApplication::applicationName();
        return app.isEmpty() ? QStringLiteral("promqt") : app;
    }
    QString effectiveId() const { return id.isEmpty() ? effectiveName() : id; }

    QNetworkAccessManager* nam() {
        if (externalNam)
            return externalNam;
        if (!ownNam)
            ownNam = new QNetworkAccessManager(this);
        return ownNam;
    }

    /// `path` is percent-encoded already (a service id may contain '/' or spaces).
    QUrl apiUrl(const QString& path) const {
        QUrl u = agentUrl;
        QString base = u.path(QUrl::FullyEncoded);
        while (base.endsWith(QLatin1Char('/')))
            base.chop(1);
        u.setPath(base + path, QUrl::TolerantMode);
        u.setQuery(QString());
        return u;
    }

    QByteArray payload(const detail::Endpoint& e) const {
        QUrl check;
        check.setScheme(e.scheme);
        check.setHost(e.host);
        check.setPort(e.port);
        check.setPath(QStringLiteral("/"));

        QJsonObject checkObj{
            {QStringLiteral("Name"), QStringLiteral("promqt metrics endpoint")},
            {QStringLiteral("HTTP"), check.toString(QUrl::FullyEncoded)},
            {QStringLiteral("Method"), QStringLiteral("GET")},
            {QStringLiteral("Interval"), consulDuration(checkInterval)},
            {QStringLiteral("Timeout"), consulDuration(checkTimeout)},
        };
        if (deregisterAfter.count() > 0)
            checkObj.insert(QStringLiteral("DeregisterCriticalServiceAfter"), consulDuration(deregisterAfter));

        QJsonObject metaObj;
        metaObj.insert(QStringLiteral("metrics_path"), e.path);
        metaObj.insert(QStringLiteral("scheme"), e.scheme);
        for (auto it = meta.cbegin(); it != meta.cend(); ++it)
            metaObj.insert(it.key(), it.value());

        const QJsonObject body{
            {QStringLiteral("ID"), effectiveId()},
            {QStringLiteral("Name"), effectiveName()},
            {QStringLiteral("Tags"), QJsonArray::fromStringList(tags)},
            {QStringLiteral("Address"), e.host},
            {QStringLiteral("Port"), int(e.port)},
            {QStringLiteral("Meta"), metaObj},
            {QStringLiteral("Check"), checkObj},
        };
        return QJsonDocument(body).toJson(QJsonDocument::Compact);
    }

    Want want(QString& wantId, QByteArray& wantBody) const {
        if (!enabled)
            return Want::Deregistered;
        if (const auto e = source.current()) {
            wantId = effectiveId();
            wantBody = payload(*e);
            return Want::Registered;
        }
        return deregisterOnStop ? Want::Deregistered : Want::Keep;
    }

    /// A setting changed: reconcile at the next loop turn, so that setters made in one go
    /// produce one request. A change also cuts a pending back-off short.
    void schedule() {
        retryTimer.stop();
        reconcileTimer.start();
    }

    void setRegistered(bool on) {
        if (registeredFlag == on)
            return;
        registeredFlag = on;
        emit q->registeredChanged(on);
    }

    void reconcile() {
        QString wantId;
        QByteArray wantBody;
        const Want w = want(wantId, wantBody);

        if (reply) {
            // A registration that no longer matches what is wanted is cut short; anything else
            // finishes first and calls us again.
            if (op == Op::Register && !(w == Want::Registered && wantId == opId && wantBody == opBody)) {
                superseded = true;
                reply->abort();
            }
            return;
        }
        if (w == Want::Keep)
            return;
        if (!agentId.isEmpty() && (w == Want::Deregistered || wantId != agentId)) {
            send(Op::Deregister, agentId, {});
            return;
        }
        if (w == Want::Registered && (agentId != wantId || agentBody != wantBody)) {
            send(Op::Register, wantId, wantBody);
            return;
        }
        if (w == Want::Deregistered && explicitDeregisterPending) {
            // deregister() with nothing registered: done at once, still with a signal.
            explicitDeregisterPending = false;
            emit q->deregistered();
        }
    }

    void send(Op o, const QString& serviceId, const QByteArray& body) {
        op = o;
        opId = serviceId;
        opBody = body;
        timedOut = false;
        superseded = false;
        QNetworkRequest request;
        if (o == Op::Register) {
            QUrl u = apiUrl(QStringLiteral("/v1/agent/service/register"));
            u.setQuery(QStringLiteral("replace-existing-checks=true"));
            request.setUrl(u);
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
            opPrevConfirmed = agentId == serviceId && !agentBody.isEmpty();
            // From now on the agent may hold this id, whatever the answer turns out to be.
            agentId = serviceId;
            agentBody.clear();
        } else {
            request.setUrl(apiUrl(QStringLiteral("/v1/agent/service/deregister/") +
                                  QString::fromLatin1(QUrl::toPercentEncoding(serviceId))));
        }
        if (!token.isEmpty())
            request.setRawHeader(QByteArrayLiteral("X-Consul-Token"), token.toUtf8());
        qCDebug(lcConsul) << (o == Op::Register ? "register" : "deregister") << serviceId << "at"
                          << request.url().toString();
        reply = nam()->put(request, body);
        QNetworkReply* r = reply;
        connect(r, &QNetworkReply::finished, this, [this, r] { onFinished(r); });
        timeoutTimer.start(requestTimeout);
    }

    void onFinished(QNetworkReply* r) {
        r->deleteLater();
        if (r != reply)
            return;
        timeoutTimer.stop();
        reply = nullptr;
        const Op o = op;
        op = Op::None;
        const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QNetworkReply::NetworkError error = r->error();

        if (superseded) {
            // Aborted on purpose because the wish changed; the request may have reached the
            // agent, so agentId stays set and reconcile() undoes or replaces it.
            superseded = false;
            reconcile();
            return;
        }

        const bool ok = status / 100 == 2 || (o == Op::Deregister && status == 404);
        QString reason;
        bool reachedAgent = true; // could the agent have acted on the request?
        if (!ok) {
            if (timedOut) {
                reason = QStringLiteral("no answer within %1 ms").arg(requestTimeout.count());
            } else if (status != 0) {
                reason = QStringLiteral("HTTP %1: %2")
                             .arg(status)
                             .arg(QString::fromUtf8(r->readAll().trimmed().left(300)));
                reachedAgent = false; // the agent answered and refused
            } else {
                reason = r->errorString();
                reachedAgent = !(error == QNetworkReply::ConnectionRefusedError ||
                                 error == QNetworkReply::HostNotFoundError);
            }
        }

        const QPointer<ConsulAgent> guard(q);
        if (o == Op::Register) {
            if (ok) {
                agentBody = opBody;
                backoff = retryInitial;
                setRegistered(true);
                if (!guard)
                    return;
                emit q->registered();
            } else {
                if (!reachedAgent && !opPrevConfirmed && agentId == opId)
                    agentId.clear(); // certainly not registered: nothing to undo later
                if (!opPrevConfirmed)
                    setRegistered(false);
                if (!guard)
                    return;
                qCWarning(lcConsul).noquote() << "registration of" << opId << "failed:" << reason;
                emit q->registrationFailed(QStringLiteral("registration of \"%1\" with %2 failed: %3")
                                               .arg(opId, agentUrl.toString(), reason));
            }
        } else {
            if (ok) {
                if (agentId == opId) {
                    agentId.clear();
                    agentBody.clear();
                }
                backoff = retryInitial;
                setRegistered(false);
                if (!guard)
                    return;
                explicitDeregisterPending = false;
                emit q->deregistered();
            } else {
                qCWarning(lcConsul).noquote() << "deregistration of" << opId << "failed:" << reason;
                emit q->deregistrationFailed(QStringLiteral("deregistration of \"%1\" from %2 failed: %3")
                                                 .arg(opId, agentUrl.toString(), reason));
            }
        }
        if (!guard)
            return;
        if (ok) {
            reconcile();
        } else if (retryEnabled) {
            retryTimer.start(backoff);
            backoff = std::min(backoff * 2, retryMax);
        }
    }

    /// The destructor's deregistration: a plain blocking HTTP/1.1 exchange on a private socket,
    /// bounded by shutdownTimeout. No event loop runs, so nothing re-enters user code.
    void deregisterSynchronously(const QString& serviceId) {
        const QUrl url = apiUrl(QStringLiteral("/v1/agent/service/deregister/") +
                                QString::fromLatin1(QUrl::toPercentEncoding(serviceId)));
        const bool tls = url.scheme() == QLatin1String("https");
        const quint16 port = quint16(url.port(tls ? 443 : 80));
        QDeadlineTimer deadline(shutdownTimeout);
        std::unique_ptr<QTcpSocket> socket;
#if QT_CONFIG(ssl)
        if (tls) {
            auto ssl = std::make_unique<QSslSocket>();
            ssl->connectToHostEncrypted(url.host(), port);
            if (!ssl->waitForEncrypted(int(deadline.remainingTime()))) {
                qCWarning(lcConsul).noquote() << "deregistration of" << serviceId
                                              << "at shutdown failed:" << ssl->errorString();
                return;
            }
            socket = std::move(ssl);
        }
#endif
        if (!socket) {
            if (tls) {
                qCWarning(lcConsul) << "deregistration at shutdown needs TLS support";
                return;
            }
            socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(url.host(), port);
            if (!socket->waitForConnected(int(deadline.remainingTime()))) {
                qCWarning(lcConsul).noquote() << "deregistration of" << serviceId
                                              << "at shutdown failed:" << socket->errorString();
                return;
            }
        }
        QByteArray request = "PUT " + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority) +
                             " HTTP/1.1\r\nHost: " + url.host().toUtf8() + ':' + QByteArray::number(port) +
                             "\r\nContent-Length: 0\r\nConnection: close\r\n";
        if (!token.isEmpty())
            request += "X-Consul-Token: " + token.toUtf8() + "\r\n";
        request += "\r\n";
        socket->write(request);
        QByteArray answer;
        while (!answer.contains("\r\n") && !deadline.hasExpired()) {
            if (socket->bytesToWrite() > 0)
                socket->waitForBytesWritten(int(deadline.remainingTime()));
            else if (!socket->waitForReadyRead(int(deadline.remainingTime())))
                break;
            answer += socket->readAll();
        }
        const QList<QByteArray> statusLine = answer.left(answer.indexOf("\r\n")).split(' ');
        const int status = statusLine.value(1).toInt();
        if (status / 100 == 2 || status == 404) {
            qCDebug(lcConsul) << "deregistered" << serviceId << "at shutdown";
        } else {
            qCWarning(lcConsul).noquote()
                << "deregistration of" << serviceId << "at shutdown failed:"
                << (status ? QStringLiteral("HTTP %1").arg(status)
                           : QStringLiteral("no answer within %1 ms").arg(shutdownTimeout.count()));
        }
        socket->abort();
    }

    void shutdown() {
        reconcileTimer.stop();
        retryTimer.stop();
        timeoutTimer.stop();
        if (reply) {
            // The request may have reached the agent; agentId (set when it was sent) keeps it.
            QNetworkReply* r = reply;
            reply = nullptr;
            r->disconnect(this);
            r->abort();
            r->deleteLater();
        }
        if ((deregisterOnStop || !enabled) && !agentId.isEmpty())
            deregisterSynchronously(agentId);
        agentId.clear();
    }
};

ConsulAgent::ConsulAgent(QObject* parent) : QObject(parent), d(std::make_unique<ConsulAgentPrivate>(this)) {}

ConsulAgent::~ConsulAgent() { d->shutdown(); }

void ConsulAgent::setServer(QObject* server) {
    d->enabled = true;
    if (!d->source.setServer(server))
        qCWarning(lcConsul) << "ConsulAgent::setServer:" << server
                            << "lacks the properties listening, serverPort and url";
    emit configurationChanged();
}

QObject* ConsulAgent::server() const { return d->source.server(); }

void ConsulAgent::setService(const QString& address, quint16 port, const QString& scheme, const QString& path) {
    d->enabled = true;
    detail::Endpoint e;
    e.host = address;
    e.port = port;
    e.scheme = scheme;
    e.path = path;
    d->source.setFixed(e);
    emit configurationChanged();
}

QUrl ConsulAgent::agentUrl() const { return d->agentUrl; }
void ConsulAgent::setAgentUrl(const QUrl& url) {
    if (d->agentUrl == url)
        return;
    // A new agent knows nothing of the old one's registration: start afresh.
    d->agentUrl = url;
    d->agentId.clear();
    d->agentBody.clear();
    d->setRegistered(false);
    d->schedule();
    emit configurationChanged();
}

QString ConsulAgent::serviceName() const { return d->effectiveName(); }
void ConsulAgent::setServiceName(const QString& name) {
    d->name = name;
    d->schedule();
    emit configurationChanged();
}

QString ConsulAgent::serviceId() const { return d->effectiveId(); }
void ConsulAgent::setServiceId(const QString& id) {
    d->id = id;
    d->schedule();
    emit configurationChanged();
}

QStringList ConsulAgent::tags() const { return d->tags; }
void ConsulAgent::setTags(const QStringList& tags) {
    d->tags = tags;
    d->schedule();
    emit configurationChanged();
}

QMap<QString, QString> ConsulAgent::meta() const { return d->meta; }
void ConsulAgent::setMeta(const QMap<QString, QString>& meta) {
    d->meta = meta;
    d->schedule();
    emit configurationChanged();
}

QString ConsulAgent::token() const { return d->token; }
void ConsulAgent::setToken(const QString& token) {
    d->token = token;
    emit configurationChanged();
}

QString ConsulAgent::advertiseAddress() const { return d->source.advertiseAddress(); }
void ConsulAgent::setAdvertiseAddress(const QString& address) {
    d->source.setAdvertiseAddress(address);
    emit configurationChanged();
}

milliseconds ConsulAgent::checkInterval() const { return d->checkInterval; }
void ConsulAgent::setCheckInterval(milliseconds interval) {
    d->checkInterval = interval;
    d->schedule();
}

milliseconds ConsulAgent::checkTimeout() const { return d->checkTimeout; }
void ConsulAgent::setCheckTimeout(milliseconds timeout) {
    d->checkTimeout = timeout;
    d->schedule();
}

milliseconds ConsulAgent::deregisterCriticalServiceAfter() const { return d->deregisterAfter; }
void ConsulAgent::setDeregisterCriticalServiceAfter(milliseconds after) {
    d->deregisterAfter = after;
    d->schedule();
}

milliseconds ConsulAgent::requestTimeout() const { return d->requestTimeout; }
void ConsulAgent::setRequestTimeout(milliseconds timeout) { d->requestTimeout = timeout; }

bool ConsulAgent::retryEnabled() const { return d->retryEnabled; }
void ConsulAgent::setRetryEnabled(bool enabled) {
    d->retryEnabled = enabled;
    if (!enabled)
        d->retryTimer.stop();
}

void ConsulAgent::setRetryBackoff(milliseconds initial, milliseconds maximum) {
    d->retryInitial = std::max(initial, milliseconds(1));
    d->retryMax = std::max(maximum, d->retryInitial);
    d->backoff = d->retryInitial;
}

bool ConsulAgent::deregisterOnStop() const { return d->deregisterOnStop; }
void ConsulAgent::setDeregisterOnStop(bool on) {
    d->deregisterOnStop = on;
    d->schedule();
    emit configurationChanged();
}

milliseconds ConsulAgent::shutdownTimeout() const { return d->shutdownTimeout; }
void ConsulAgent::setShutdownTimeout(milliseconds timeout) { d->shutdownTimeout = timeout; }

void ConsulAgent::setNetworkAccessManager(QNetworkAccessManager* manager) { d->externalNam = manager; }

bool ConsulAgent::isRegistered() const { return d->registeredFlag; }

QByteArray ConsulAgent::registrationPayload() const {
    const auto e = d->source.current();
    return e ? d->payload(*e) : QByteArray();
}

void ConsulAgent::registerService() {
    d->enabled = true;
    d->explicitDeregisterPending = false;
    d->agentBody.clear(); // send again even if nothing changed
    d->schedule();
}

void ConsulAgent::deregister() {
    d->enabled = false;
    d->explicitDeregisterPending = true;
    d->schedule();
}

} // namespace promqt
