// SPDX-License-Identifier: MIT
#include <promqt/network.h>

#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QChildEvent>
#include <QHash>
#include <QMetaEnum>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QThread>

#include <chrono>
#include <cstdint>

namespace promqt {

namespace {

using Clock = std::chrono::steady_clock;

QString defaultHostLabel(const QUrl& url) { return url.host().toLower(); }

QString methodLabel(const QNetworkReply* reply) {
    switch (reply->operation()) {
    case QNetworkAccessManager::HeadOperation: return QStringLiteral("HEAD");
    case QNetworkAccessManager::GetOperation: return QStringLiteral("GET");
    case QNetworkAccessManager::PutOperation: return QStringLiteral("PUT");
    case QNetworkAccessManager::PostOperation: return QStringLiteral("POST");
    case QNetworkAccessManager::DeleteOperation: return QStringLiteral("DELETE");
    case QNetworkAccessManager::CustomOperation: {
        // A custom verb is free text: only well-known methods become label values, so that a
        // typo or a generated verb cannot create new series.
        const QByteArray verb = reply->request().attribute(QNetworkRequest::CustomVerbAttribute).toByteArray().toUpper();
        for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"})
            if (verb == known)
                return QString::fromLatin1(verb);
        return QStringLiteral("OTHER");
    }
    case QNetworkAccessManager::UnknownOperation: break;
    }
    return QStringLiteral("OTHER");
}

// Errors that Qt derives from the HTTP status itself (404 → ContentNotFoundError, 503 →
// ServiceUnavailableError, 400 → ProtocolInvalidOperationError, 407 → ProxyAuthentication…):
// the `code` label already says it all, so they do not fill the `error` label.
bool derivedFromStatus(QNetworkReply::NetworkError error) {
    const int e = static_cast<int>(error);
    return (e >= 201 && e <= 299) || (e >= 401 && e <= 499) || error == QNetworkReply::ProtocolInvalidOperationError ||
           error == QNetworkReply::ProxyAuthenticationRequiredError;
}

QString errorName(QNetworkReply::NetworkError error) {
    const char* key = QMetaEnum::fromType<QNetworkReply::NetworkError>().valueToKey(error);
    if (!key)
        return QStringLiteral("Unknown");
    QString name = QString::fromLatin1(key);
    if (name.endsWith(QLatin1String("Error")))
        name.chop(5);
    return name;
}

} // namespace

class NetworkInstrumentationPrivate {
public:
    // One request between its creation (ChildAdded) and its end. Children that turn out not to
    // be replies (a cookie jar, the user's own objects) are dropped when classified.
    struct Request {
        Clock::time_point start;
        QMetaObject::Connection destroyedConnection;
        bool isReply = false; // classified, and counted in flight
        QString method;
        QString host;
    };

    NetworkInstrumentationPrivate(QNetworkAccessManager* nam, prometheus::Registry& registry,
                                  const std::vector<double>& buckets)
        : manager(nam),
          buckets(buckets),
          durations(prometheus::BuildHistogram()
                        .Name("promqt_network_request_duration_seconds")
                        .Help("Duration of QNetworkAccessManager requests, from the call until the reply "
                              "finished, in seconds.")
                        .Register(registry)),
          inFlightGauge(prometheus::BuildGauge()
                            .Name("promqt_network_requests_in_flight")
                            .Help("QNetworkAccessManager requests started and not yet finished.")
                            .Register(registry)
                            .Add({})) {}

    void observe(const Request& request, const QString& code, const QString& error) {
        const double seconds = std::chrono::duration<double>(Clock::now() - request.start).count();
        durations
            .Add({{"method", request.method.toStdString()},
                  {"code", code.toStdString()},
                  {"error", error.toStdString()},
                  {"host", request.host.toStdString()}},
                 buckets)
            .Observe(seconds);
    }

    void describe(Request& request, const QNetworkReply* reply) const {
        request.method = methodLabel(reply);
        request.host = hostLabel(reply->request().url());
    }

    QPointer<QNetworkAccessManager> manager;
    const prometheus::Histogram::BucketBoundaries buckets;
    prometheus::Family<prometheus::Histogram>& durations;
    prometheus::Gauge& inFlightGauge;
    std::function<QString(const QUrl&)> hostLabel = defaultHostLabel;
    QHash<QObject*, Request> pending;
    bool classifyQueued = false;
    int inFlight = 0;
};

std::vector<double> NetworkInstrumentation::defaultBuckets() {
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

NetworkInstrumentation::NetworkInstrumentation(QNetworkAccessManager* nam, prometheus::Registry& registry,
                                               QObject* parent)
    : NetworkInstrumentation(nam, registry, defaultBuckets(), parent) {}

NetworkInstrumentation::NetworkInstrumentation(QNetworkAccessManager* nam, prometheus::Registry& registry,
                                               const std::vector<double>& buckets, QObject* parent)
    : QObject(parent), d(std::make_unique<NetworkInstrumentationPrivate>(nam, registry, buckets)) {
    if (!nam) {
        qWarning("promqt::NetworkInstrumentation: no QNetworkAccessManager given");
        return;
    }
    if (nam->thread() != thread()) {
        // installEventFilter() would refuse, and the replies' signals would arrive queued (late).
        qWarning("promqt::NetworkInstrumentation: must be created in the thread of the QNetworkAccessManager");
        return;
    }
    nam->installEventFilter(this);
    connect(nam, &QNetworkAccessManager::finished, this, [this](QNetworkReply* reply) {
        auto it = d->pending.find(reply);
        if (it == d->pending.end())
            return; // not created while instrumented, or not a child of the manager
        NetworkInstrumentationPrivate::Request request = std::move(*it);
        d->pending.erase(it);
        QObject::disconnect(request.destroyedConnection);
        if (request.isReply) {
            --d->inFlight;
            d->inFlightGauge.Decrement();
        } else {
            d->describe(request, reply); // finished before the classification ran
        }

        const QNetworkReply::NetworkError error = reply->error();
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        const bool haveStatus = status.isValid() && status.toInt() > 0;
        const QString code = haveStatus ? QString::number(status.toInt())
                             : error == QNetworkReply::NoError ? QStringLiteral("ok")
                                                               : QStringLiteral("error");
        const QString errorLabel = error == QNetworkReply::NoError || (haveStatus && derivedFromStatus(error))
                                       ? QString()
                                       : errorName(error);
        d->observe(request, code, errorLabel);
    });
}

NetworkInstrumentation::~NetworkInstrumentation() {
    if (d->manager)
        d->manager->removeEventFilter(this);
    // Requests still running are no longer ours to finish: take them off the in-flight gauge.
    // (The `destroyed` connections have this object as context and go away with it.)
    for (const auto& request : std::as_const(d->pending))
        if (request.isReply)
            d->inFlightGauge.Decrement();
}

QNetworkAccessManager* NetworkInstrumentation::manager() const { return d->manager; }

void NetworkInstrumentation::setHostLabel(std::function<QString(const QUrl&)> hostLabel) {
    d->hostLabel = hostLabel ? std::move(hostLabel) : defaultHostLabel;
}

int NetworkInstrumentation::inFlight() const { return d->inFlight; }

bool NetworkInstrumentation::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() != QEvent::ChildAdded || watched != d->manager)
        return QObject::eventFilter(watched, event);

    QObject* child = static_cast<QChildEvent*>(event)->child();
    // Qt sends ChildAdded from inside QObject's constructor, when the manager constructs a reply
    // with itself as parent: the reply is not a QNetworkReply yet (its metaObject() is still
    // QObject's), so it is only remembered here and classified on the next turn of the loop. A
    // fully constructed object being re-parented to the manager is not a new request.
    if (child->metaObject() != &QObject::staticMetaObject || d->pending.contains(child))
        return false;

    NetworkInstrumentationPrivate::Request request;
    request.start = Clock::now();
    request.destroyedConnection = connect(child, &QObject::destroyed, this, [this, child] {
        auto it = d->pending.find(child);
        if (it == d->pending.end())
            return;
        const NetworkInstrumentationPrivate::Request request = std::move(*it);
        d->pending.erase(it);
        if (!request.isReply)
            return;
        // Deleted before it finished (by the caller, or with the manager): aborted, in effect.
        --d->inFlight;
        d->inFlightGauge.Decrement();
        d->observe(request, QStringLiteral("error"), errorName(QNetworkReply::OperationCanceledError));
    });
    d->pending.insert(child, std::move(request));

    if (!d->classifyQueued) {
        d->classifyQueued = true;
        QMetaObject::invokeMethod(this, [this] {
            d->classifyQueued = false;
            for (auto it = d->pending.begin(); it != d->pending.end();) {
                if (it->isReply) {
                    ++it;
                    continue;
                }
                if (auto* reply = qobject_cast<QNetworkReply*>(it.key())) {
                    it->isReply = true;
                    d->describe(*it, reply);
                    ++d->inFlight;
                    d->inFlightGauge.Increment();
                    ++it;
                } else {
                    QObject::disconnect(it->destroyedConnection);
                    it = d->pending.erase(it);
                }
            }
        }, Qt::QueuedConnection);
    }
    return false;
}

} // namespace promqt
