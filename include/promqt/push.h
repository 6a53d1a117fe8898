// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// Pusher: sends metrics to a Prometheus Pushgateway, for batch jobs and for processes
/// Prometheus cannot scrape.
///
/// Plain prometheus-cpp (blocks the calling thread for the whole HTTP exchange):
/// @code
///   prometheus::Gateway gateway{"127.0.0.1", "9091", "backup", {{"instance", "db1"}}};
///   gateway.RegisterCollectable(registry);
///   gateway.Push();                      // synchronous, returns an HTTP status
/// @endcode
/// With promqt (asynchronous, through QNetworkAccessManager):
/// @code
///   promqt::Pusher pusher(QUrl("http://127.0.0.1:9091"), QStringLiteral("backup"));
///   pusher.setGroupingLabels({{"instance", "db1"}});
///   pusher.registerCollectable(registry);
///   QObject::connect(&pusher, &promqt::Pusher::pushed, &app, &QCoreApplication::quit);
///   QObject::connect(&pusher, &promqt::Pusher::failed, &app, [](const QString& why) { ... });
///   pusher.push();
/// @endcode
///
/// The group URL is `<gateway>/metrics/job/<job>{/<label>/<value>}`. A job or label value that
/// contains `/` is sent base64url-encoded (`<label>@base64/<value>`); an empty value is sent as
/// `<label>@base64/=`, as the Pushgateway expects. Other values are percent-encoded.
///
/// Operations: push() = HTTP PUT (replaces every metric of the group), pushAdd() = POST
/// (replaces only metrics with the names pushed), deleteGroup() = DELETE. They run one at a time,
/// in the order requested. A push or pushAdd requested while one is in flight (or already
/// waiting) is coalesced into a single push that starts after it and collects the values at its
/// start — so pushing on every change never piles up requests (push wins over pushAdd when
/// both were asked for). Collect() and serialisation run on Qt's global thread pool, never on
/// the event loop; the body is the text format 0.0.4.
///
/// Thread affinity: a QObject of its thread (which needs a running event loop); call it from
/// that thread. registerCollectable()/removeCollectable() are thread-safe. Collectables are held
/// by weak_ptr: one that expires is skipped.
///
/// Lifetime: destroying a Pusher aborts the request in flight and drops queued ones (no signal).
/// A batch job that must be sure its last push arrived waits for pushed() or failed() first.

#include <prometheus/collectable.h>

#include <QMap>
#include <QObject>
#include <QString>
#include <QUrl>

#include <chrono>
#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
QT_END_NAMESPACE

namespace promqt {

class PusherPrivate;

class Pusher : public QObject {
    Q_OBJECT
    Q_PROPERTY(QUrl gatewayUrl READ gatewayUrl WRITE setGatewayUrl NOTIFY configurationChanged)
    Q_PROPERTY(QString job READ job WRITE setJob NOTIFY configurationChanged)
    Q_PROPERTY(QUrl groupUrl READ groupUrl NOTIFY configurationChanged)
    Q_PROPERTY(int interval READ intervalMs WRITE setInterval NOTIFY configurationChanged)
    Q_PROPERTY(bool busy READ isBusy NOTIFY busyChanged)

public:
    /// How interval pushes are sent.
    enum class Method {
        Put,  ///< like push(): the group holds exactly the pushed metrics
        Post, ///< like pushAdd(): metrics of other names in the group stay
    };
    Q_ENUM(Method)

    explicit Pusher(QObject* parent = nullptr);
    /// `gatewayUrl` e.g. http://127.0.0.1:9091 (a path prefix is kept); `job` must not be empty.
    Pusher(const QUrl& gatewayUrl, const QString& job, QObject* parent = nullptr);
    ~Pusher() override;

    QUrl gatewayUrl() const;
    void setGatewayUrl(const QUrl& url);
    QString job() const;
    void setJob(const QString& job);
    /// Grouping labels besides `job` (e.g. {"instance", "db1"}), in the URL in key order.
    /// Names must be valid label names (`[a-zA-Z_][a-zA-Z0-9_]*`, not `job`); otherwise
    /// every operation fails with a reason.
    QMap<QString, QString> groupingLabels() const;
    void setGroupingLabels(const QMap<QString, QString>& labels);
    /// The group's URL, as operations use it (empty when the job or a label name is invalid).
    QUrl groupUrl() const;

    /// Adds `collectable` to what is pushed (twice has no effect). Thread-safe.
    void registerCollectable(const std::weak_ptr<prometheus::Collectable>& collectable);
    void removeCollectable(const std::weak_ptr<prometheus::Collectable>& collectable);

    /// HTTP basic authentication for every request; empty user: none.
    void setBasicAuth(const QString& user, const QString& password);
    /// Uses `manager` (not owned; must outlive this object) for all requests — share proxy, TLS
    /// or cookie settings. nullptr: a private one (the default).
    void setNetworkAccessManager(QNetworkAccessManager* manager);
    /// Longest wait for one request before it counts as failed. Default 10 s.
    std::chrono::milliseconds timeout() const;
    void setTimeout(std::chrono::milliseconds timeout);

    /// Pushes every `interval` (0 = off, the default) with `method`. The first push happens
    /// after one interval; call push() for one at once.
    void setInterval(std::chrono::milliseconds interval, Method method = Method::Put);
    void setInterval(int msec) { setInterval(std::chrono::milliseconds(msec)); }
    std::chrono::milliseconds interval() const;
    int intervalMs() const { return int(interval().count()); }

    /// True while a request (or its collection) is in flight or queued. busyChanged(true) is
    /// emitted synchronously by the first push()/pushAdd()/deleteGroup(); results never are.
    bool isBusy() const;

public slots:
    /// PUT: the group will hold exactly the metrics collected now. Emits pushed() or failed().
    void push();
    /// POST: replaces the metrics of the same names in the group. Emits pushed() or failed().
    void pushAdd();
    /// DELETE: removes the whole group from the Pushgateway. Emits deleted() or failed().
    void deleteGroup();

signals:
    /// A push() or pushAdd() was accepted (any 2xx answer).
    void pushed();
    void deleted();
    /// An operation failed: invalid job/labels, Collect() threw, connection refused, non-2xx
    /// answer (status and body in the reason), or no answer within timeout().
    void failed(const QString& reason);
    void busyChanged(bool busy);
    void configurationChanged();

private:
    friend class PusherPrivate;
    std::unique_ptr<PusherPrivate> d;
};

} // namespace promqt
