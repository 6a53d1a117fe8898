// SPDX-License-Identifier: MIT
#include "discovery/endpoint.h" // detail::isValidLabelName

#include <promqt/exposition.h>
#include <promqt/push.h>

#include <QFuture>
#include <QFutureWatcher>
#include <QLoggingCategory>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>
#include <QtConcurrent>

#include <exception>
#include <vector>

Q_LOGGING_CATEGORY(lcPush, "promqt.push")

namespace promqt {

using std::chrono::milliseconds;

namespace detail {

/// The push body: text format 0.0.4, written by promqt's own writer (the one MetricsServer uses).
std::string pushBody(const std::vector<prometheus::MetricFamily>& families) {
    std::string out;
    writeText(families, out);
    return out;
}

/// One path component pair of a Pushgateway group URL: "/name/value", or
/// "/name@base64/<base64url>" when the value contains '/' ("=" when empty), per the
/// Pushgateway's URL rules.
QByteArray groupComponent(const QString& name, const QString& value) {
    if (value.isEmpty())
        return '/' + name.toUtf8() + "@base64/=";
    if (value.contains(QLatin1Char('/')))
        return '/' + name.toUtf8() + "@base64/" + value.toUtf8().toBase64(QByteArray::Base64UrlEncoding);
    return '/' + name.toUtf8() + '/' + QUrl::toPercentEncoding(value);
}

} // namespace detail

class PusherPrivate : public QObject {
public:
    enum class Kind { Put, Post, Delete };
    struct Collected {
        QByteArray body;
        QString error;
    };

    explicit PusherPrivate(Pusher* qq) : q(qq) {
        kickTimer.setSingleShot(true);
        kickTimer.setInterval(0);
        connect(&kickTimer, &QTimer::timeout, this, &PusherPrivate::startNext);
        timeoutTimer.setSingleShot(true);
        connect(&timeoutTimer, &QTimer::timeout, this, [this] {
            if (reply) {
                timedOut = true;
                reply->abort();
            }
        });
        connect(&intervalTimer, &QTimer::timeout, this,
                [this] { enqueue(intervalMethod == Pusher::Method::Put ? Kind::Put : Kind::Post); });
    }

    ~PusherPrivate() override {
        if (reply) {
            QNetworkReply* r = reply;
            r->disconnect(this);
            r->abort();
            r->deleteLater();
        }
    }

    Pusher* q;
    QUrl gatewayUrl;
    QString job;
    QMap<QString, QString> labels;
    QString user;
    QString password;
    milliseconds timeout{10'000};
    Pusher::Method intervalMethod = Pusher::Method::Put;
    QTimer intervalTimer;
    QPointer<QNetworkAccessManager> externalNam;
    QNetworkAccessManager* ownNam = nullptr;

    mutable QMutex mutex; // guards collectables
    std::vector<std::weak_ptr<prometheus::Collectable>> collectables;

    QList<Kind> queue;
    bool inFlight = false;
    Kind current = Kind::Put;
    QPointer<QNetworkReply> reply;
    bool timedOut = false;
    bool busyFlag = false;
    QTimer kickTimer;
    QTimer timeoutTimer;

    QNetworkAccessManager* nam() {
        if (externalNam)
            return externalNam;
        if (!ownNam)
            ownNam = new QNetworkAccessManager(this);
        return ownNam;
    }

    QUrl groupUrl(QString* error) const {
        auto bad = [error](const QString& why) {
            if (error)
                *error = why;
            return QUrl();
        };
        if (!gatewayUrl.isValid() || gatewayUrl.host().isEmpty())
            return bad(QStringLiteral("invalid Pushgateway URL \"%1\"").arg(gatewayUrl.toString()));
        if (job.isEmpty())
            return bad(QStringLiteral("the job name is empty"));
        QByteArray path = gatewayUrl.path(QUrl::FullyEncoded).toUtf8();
        while (path.endsWith('/'))
            path.chop(1);
        path += "/metrics";
        path += detail::groupComponent(QStringLiteral("job"), job);
        for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
            if (!detail::isValidLabelName(it.key()) || it.key() == QLatin1String("job"))
                return bad(QStringLiteral("invalid grouping label name \"%1\"").arg(it.key()));
            path += detail::groupComponent(it.key(), it.value());
        }
        QUrl u = gatewayUrl;
        u.setPath(QString::fromUtf8(path), QUrl::TolerantMode);
        u.setQuery(QString());
        return u;
    }

    void setBusy(bool on) {
        if (busyFlag == on)
            return;
        busyFlag = on;
        emit q->busyChanged(on);
    }

    void enqueue(Kind k) {
        if (k != Kind::Delete && !queue.isEmpty() && queue.last() != Kind::Delete) {
            // Coalesce with the push already waiting; PUT covers what POST would do.
            if (k == Kind::Put)
                queue.last() = Kind::Put;
        } else if (!(k == Kind::Delete && !queue.isEmpty() && queue.last() == Kind::Delete)) {
            queue.append(k);
        }
        setBusy(true);
        if (!inFlight)
            kickTimer.start(); // results (pushed/deleted/failed) are never signalled from inside push()
    }

    void startNext() {
        if (inFlight)
            return;
        if (queue.isEmpty()) {
            setBusy(false);
            return;
        }
        current = queue.takeFirst();
        inFlight = true;
        QString error;
        const QUrl url = groupUrl(&error);
        if (!url.isValid()) {
            finish(false, error);
            return;
        }
        if (current == Kind::Delete) {
            send(url, {});
            return;
        }
        std::vector<std::weak_ptr<prometheus::Collectable>> snapshot;
        {
            QMutexLocker lock(&mutex);
            snapshot = collectables;
        }
        // Collect() and serialisation may take milliseconds for a large registry: off the loop.
        // The task owns copies only. The watcher is our child: if we die first, it dies with
        // us and the result is dropped. (QFuture::then(context, ...) is no use here: Qt 6.4
        // asserts that the context is still alive when the task finishes.)
        auto* watcher = new QFutureWatcher<Collected>(this);
        connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, url] {
            watcher->deleteLater();
            const Collected c = watcher->result();
            if (!c.error.isEmpty())
                finish(false, c.error);
            else
                send(url, c.body);
        });
        watcher->setFuture(QtConcurrent::run([snapshot = std::move(snapshot)]() -> Collected {
            Collected out;
            try {
                std::vector<prometheus::MetricFamily> families;
                for (const auto& weak : snapshot) {
                    if (auto c = weak.lock()) {
                        auto f = c->Collect();
                        families.insert(families.end(), std::make_move_iterator(f.begin()),
                                        std::make_move_iterator(f.end()));
                    }
                }
                const std::string text = detail::pushBody(families);
                out.body = QByteArray(text.data(), qsizetype(text.size()));
            } catch (const std::exception& e) {
                out.error = QStringLiteral("collecting metrics failed: %1").arg(QString::fromUtf8(e.what()));
            } catch (...) {
                out.error = QStringLiteral("collecting metrics failed");
            }
            return out;
        }));
    }

    static const char* verb(Kind k) {
        switch (k) {
        case Kind::Put: return "PUT";
        case Kind::Post: return "POST";
        case Kind::Delete: return "DELETE";
        }
        return "";
    }

    void send(const QUrl& url, const QByteArray& body) {
        QNetworkRequest request(url);
        if (current != Kind::Delete)
            request.setHeader(QNetworkRequest::ContentTypeHeader, contentType(ExpositionFormat::Text));
        if (!user.isEmpty())
            request.setRawHeader(QByteArrayLiteral("Authorization"),
                                 "Basic " + (user + QLatin1Char(':') + password).toUtf8().toBase64());
        timedOut = false;
        switch (current) {
        case Kind::Put: reply = nam()->put(request, body); break;
        case Kind::Post: reply = nam()->post(request, body); break;
        case Kind::Delete: reply = nam()->deleteResource(request); break;
        }
        QNetworkReply* r = reply;
        connect(r, &QNetworkReply::finished, this, [this, r] { onFinished(r); });
        timeoutTimer.start(timeout);
    }

    void onFinished(QNetworkReply* r) {
        r->deleteLater();
        if (r != reply)
            return;
        reply = nullptr;
        timeoutTimer.stop();
        const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status / 100 == 2) {
            finish(true, {});
            return;
        }
        QString reason;
        if (timedOut)
            reason = QStringLiteral("no answer within %1 ms").arg(timeout.count());
        else if (status != 0)
            reason = QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(r->readAll().trimmed().left(300)));
        else
            reason = r->errorString();
        finish(false, QStringLiteral("%1 %2 failed: %3")
                          .arg(QLatin1String(verb(current)), r->url().toString(), reason));
    }

    void finish(bool ok, const QString& reason) {
        inFlight = false;
        const Kind k = current;
        const QPointer<Pusher> guard(q);
        if (!ok) {
            qCWarning(lcPush).noquote() << reason;
            emit q->failed(reason);
        } else if (k == Kind::Delete) {
            emit q->deleted();
        } else {
            emit q->pushed();
        }
        if (guard)
            startNext();
    }
};

Pusher::Pusher(QObject* parent) : QObject(parent), d(std::make_unique<PusherPrivate>(this)) {}

Pusher::Pusher(const QUrl& gatewayUrl, const QString& job, QObject* parent) : Pusher(parent) {
    d->gatewayUrl = gatewayUrl;
    d->job = job;
}

Pusher::~Pusher() = default;

QUrl Pusher::gatewayUrl() const { return d->gatewayUrl; }
void Pusher::setGatewayUrl(const QUrl& url) {
    d->gatewayUrl = url;
    emit configurationChanged();
}

QString Pusher::job() const { return d->job; }
void Pusher::setJob(const QString& job) {
    d->job = job;
    emit configurationChanged();
}

QMap<QString, QString> Pusher::groupingLabels() const { return d->labels; }
void Pusher::setGroupingLabels(const QMap<QString, QString>& labels) {
    d->labels = labels;
    emit configurationChanged();
}

QUrl Pusher::groupUrl() const { return d->groupUrl(nullptr); }

void Pusher::registerCollectable(const std::weak_ptr<prometheus::Collectable>& collectable) {
    QMutexLocker lock(&d->mutex);
    for (const auto& c : d->collectables)
        if (!c.owner_before(collectable) && !collectable.owner_before(c))
            return;
    d->collectables.push_back(collectable);
}

void Pusher::removeCollectable(const std::weak_ptr<prometheus::Collectable>& collectable) {
    QMutexLocker lock(&d->mutex);
    auto& cs = d->collectables;
    cs.erase(std::remove_if(cs.begin(), cs.end(),
                            [&](const auto& c) { return !c.owner_before(collectable) && !collectable.owner_before(c); }),
             cs.end());
}

void Pusher::setBasicAuth(const QString& user, const QString& password) {
    d->user = user;
    d->password = password;
}

void Pusher::setNetworkAccessManager(QNetworkAccessManager* manager) { d->externalNam = manager; }

milliseconds Pusher::timeout() const { return d->timeout; }
void Pusher::setTimeout(milliseconds timeout) { d->timeout = timeout; }

void Pusher::setInterval(milliseconds interval, Method method) {
    d->intervalMethod = method;
    if (interval.count() > 0)
        d->intervalTimer.start(interval);
    else
        d->intervalTimer.stop();
    emit configurationChanged();
}

milliseconds Pusher::interval() const {
    return d->intervalTimer.isActive() ? d->intervalTimer.intervalAsDuration() : milliseconds(0);
}

bool Pusher::isBusy() const { return d->busyFlag; }

void Pusher::push() { d->enqueue(PusherPrivate::Kind::Put); }
void Pusher::pushAdd() { d->enqueue(PusherPrivate::Kind::Post); }
void Pusher::deleteGroup() { d->enqueue(PusherPrivate::Kind::Delete); }

} // namespace promqt
