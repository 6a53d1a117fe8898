// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// Service discovery: tell Prometheus where every instance of an app serves its metrics.
///
/// - ConsulAgent registers the metrics endpoint with the local Consul agent (Prometheus reads it
///   with `consul_sd_configs`), including an HTTP health check on the server's `/`.
/// - FileSdTarget keeps a Prometheus `file_sd_configs` JSON file up to date.
///
/// Both follow a *server*: any QObject with the Q_PROPERTYs `listening` (bool), `serverPort`
/// (quint16) and `url` (QUrl), each with NOTIFY `listeningChanged(bool)` — promqt::MetricsServer
/// and promqt::ThreadedMetricsServer are such servers. An optional `serverAddress` property
/// (QHostAddress or QString) tells the address it is bound to. The entry appears when the
/// server starts listening and disappears when it stops (or when the server or the promqt object
/// is destroyed). For anything else, give the endpoint by hand with setService().
///
/// Plain Qt (by hand): build the Consul JSON, `QNetworkAccessManager::put()` it, remember to
/// deregister on every exit path, and rewrite a JSON file whenever the port changes.
/// With promqt:
/// @code
///   promqt::MetricsServer server;
///   server.listen();
///   promqt::ConsulAgent consul;                    // agent at http://127.0.0.1:8500
///   consul.setServiceName(QStringLiteral("myapp"));
///   consul.setServer(&server);                     // registered while the server listens
///   promqt::FileSdTarget fileSd(QStringLiteral("/var/lib/prometheus/file_sd"));
///   fileSd.setServer(&server);                     // writes myapp-<pid>.json
/// @endcode
///
/// Thread affinity: both classes are QObjects of the thread they live in (which needs a running
/// event loop); call them from that thread. The server they follow may live in another thread
/// (its signals are then queued). Not thread-safe.
///
/// See docs/discovery.md for the matching Prometheus configurations.

#include <QHostAddress>
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
QT_END_NAMESPACE

namespace promqt {

/// The address advertised for a server bound to an "any" address (QHostAddress::Any,
/// AnyIPv4, AnyIPv6) when none was set with setAdvertiseAddress(): the first IPv4 address of the
/// first network interface (in QNetworkInterface::allInterfaces() order) that is up, running and
/// not a loopback interface; 127.0.0.1 when there is none. Reentrant.
QHostAddress defaultAdvertiseAddress();

class ConsulAgentPrivate;

/// Registers a metrics endpoint as a service with a Consul agent's HTTP API.
///
/// `PUT <agentUrl>/v1/agent/service/register?replace-existing-checks=true` with the service's
/// name, id (default: the name), tags, meta, advertised address and port, and an HTTP check of
/// the server's `/` every checkInterval() (10 s). When the server stops listening — or the
/// server is destroyed — it sends `PUT <agentUrl>/v1/agent/service/deregister/<id>`.
/// Changing the name, id, tags, meta or address while registered re-registers (an id change
/// deregisters the old id first). Setters made in one go are sent as one request.
///
/// Everything runs through QNetworkAccessManager and never blocks the event loop, with one
/// deliberate exception: **the destructor**. If the service may still be registered (and
/// deregisterOnStop() is on), the destructor sends the deregistration synchronously on a
/// private socket and waits for the agent's answer for at most shutdownTimeout() (2 s). It does
/// not spin an event loop, so no other code runs re-entrantly during that wait. Programs that
/// prefer not to block at all call deregister() during shutdown and wait for deregistered() or
/// deregistrationFailed() before destroying the object (see examples/headless-daemon).
///
/// Failures — refused connection, a non-2xx answer, no answer within requestTimeout() — are
/// reported by registrationFailed() / deregistrationFailed() with a readable reason and, unless
/// retry is switched off, retried with exponential back-off (1 s doubling up to 60 s). The
/// metrics server is never touched by a failure; it keeps serving.
///
/// The `X-Consul-Token` header is sent when token() is set.
class ConsulAgent : public QObject {
    Q_OBJECT
    Q_PROPERTY(QUrl agentUrl READ agentUrl WRITE setAgentUrl NOTIFY configurationChanged)
    Q_PROPERTY(QString serviceName READ serviceName WRITE setServiceName NOTIFY configurationChanged)
    Q_PROPERTY(QString serviceId READ serviceId WRITE setServiceId NOTIFY configurationChanged)
    Q_PROPERTY(QStringList tags READ tags WRITE setTags NOTIFY configurationChanged)
    Q_PROPERTY(QString advertiseAddress READ advertiseAddress WRITE setAdvertiseAddress NOTIFY
                   configurationChanged)
    Q_PROPERTY(bool deregisterOnStop READ deregisterOnStop WRITE setDeregisterOnStop NOTIFY
                   configurationChanged)
    Q_PROPERTY(bool registered READ isRegistered NOTIFY registeredChanged)

public:
    explicit ConsulAgent(QObject* parent = nullptr);
    /// Deregisters synchronously (bounded by shutdownTimeout()) when the service may still be
    /// registered and deregisterOnStop() is on; see the class documentation.
    ~ConsulAgent() override;

    /// Follows `server` (see the file documentation for the contract): registered while it
    /// listens. The server is not owned; its destruction counts as a stop. nullptr detaches
    /// (and, with deregisterOnStop(), deregisters).
    void setServer(QObject* server);
    QObject* server() const;
    /// A fixed endpoint instead of a server, registered at once: `address` is a host name or
    /// IP address reachable by Prometheus (and by the agent, for the check), `path` the metrics
    /// path (published as service meta `metrics_path`). Detaches from any server.
    void setService(const QString& address, quint16 port, const QString& scheme = QStringLiteral("http"),
                    const QString& path = QStringLiteral("/metrics"));

    /// The agent's HTTP API. Default http://127.0.0.1:8500 (the local agent). A path prefix is kept.
    QUrl agentUrl() const;
    void setAgentUrl(const QUrl& url);
    /// Service name (Consul `Name`). Default: QCoreApplication::applicationName().
    QString serviceName() const;
    void setServiceName(const QString& name);
    /// Service id (Consul `ID`); default (empty): the name. Instances that share one agent
    /// (one host) need distinct ids, e.g. "myapp-9464".
    QString serviceId() const;
    void setServiceId(const QString& id);
    QStringList tags() const;
    void setTags(const QStringList& tags);
    /// Service meta (Consul `Meta`, keys `[A-Za-z0-9_-]`, Prometheus sees them as
    /// `__meta_consul_service_metadata_<key>`). promqt adds `metrics_path` and `scheme` from the
    /// server's url unless set here.
    QMap<QString, QString> meta() const;
    void setMeta(const QMap<QString, QString>& meta);
    /// ACL token, sent as `X-Consul-Token`; empty: no header.
    QString token() const;
    void setToken(const QString& token);
    /// Host name or IP address registered as the service `Address` and used in the check URL.
    /// Empty (default): the address the server is bound to, or defaultAdvertiseAddress() when it
    /// is bound to an "any" address (or does not tell its address and reports a loopback url).
    QString advertiseAddress() const;
    void setAdvertiseAddress(const QString& address);

    /// Interval of the HTTP check (Consul `Check.Interval`). Default 10 s. Whole milliseconds.
    std::chrono::milliseconds checkInterval() const;
    void setCheckInterval(std::chrono::milliseconds interval);
    /// Timeout of one check (Consul `Check.Timeout`). Default 5 s.
    std::chrono::milliseconds checkTimeout() const;
    void setCheckTimeout(std::chrono::milliseconds timeout);
    /// Consul removes the service by itself after its check has been critical this long (the
    /// safety net for a process killed before it could deregister; Consul's minimum is 1 min).
    /// Default 0: not set.
    std::chrono::milliseconds deregisterCriticalServiceAfter() const;
    void setDeregisterCriticalServiceAfter(std::chrono::milliseconds after);

    /// Longest wait for the agent's answer to one request before it counts as failed. Default 5 s.
    std::chrono::milliseconds requestTimeout() const;
    void setRequestTimeout(std::chrono::milliseconds timeout);
    /// Retry failed requests with exponential back-off. Default on.
    bool retryEnabled() const;
    void setRetryEnabled(bool enabled);
    /// First retry delay (default 1 s), doubled after each failure up to `maximum` (default 60 s).
    void setRetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds maximum);
    /// Deregister when the server stops, is destroyed or detached, and when this object is
    /// destroyed. Default on. When off, the registration is left to Consul (and to
    /// deregisterCriticalServiceAfter()); an explicit deregister() still works.
    bool deregisterOnStop() const;
    void setDeregisterOnStop(bool on);
    /// Upper bound of the destructor's synchronous deregistration. Default 2 s.
    std::chrono::milliseconds shutdownTimeout() const;
    void setShutdownTimeout(std::chrono::milliseconds timeout);

    /// Uses `manager` (not owned; must outlive this object or be reset) for all requests, e.g. to
    /// share proxy or TLS settings. nullptr: a private one (the default).
    void setNetworkAccessManager(QNetworkAccessManager* manager);

    /// True while the agent has confirmed the current registration.
    bool isRegistered() const;
    /// The JSON body the next registration would send (empty when there is no endpoint yet).
    QByteArray registrationPayload() const;

public slots:
    /// (Re)starts registering: after deregister(), or to re-register at once (e.g. after the
    /// agent lost its state).
    void registerService();
    /// Deregisters now, asynchronously, and stays deregistered until registerService() (or
    /// setServer()/setService()). Emits deregistered() or deregistrationFailed().
    void deregister();

signals:
    void registered();
    void deregistered();
    /// Refused connection, non-2xx answer (status and body in the reason) or timeout.
    void registrationFailed(const QString& reason);
    void deregistrationFailed(const QString& reason);
    void registeredChanged(bool registered);
    void configurationChanged();

private:
    friend class ConsulAgentPrivate;
    std::unique_ptr<ConsulAgentPrivate> d;
};

class FileSdTargetPrivate;

/// Keeps one Prometheus `file_sd_configs` file up to date with a server's `host:port`:
/// @code
///   [{"targets": ["10.0.0.5:9464"], "labels": {"app": "myapp"}}]
/// @endcode
/// The file is `<directory>/<fileName>`; the default file name is
/// `<applicationName>-<pid>.json`, so several processes (and hosts sharing a network folder)
/// can share one directory, each with its own file. It is written atomically (QSaveFile: a
/// temporary file renamed over the old one, so Prometheus never reads half a file) whenever
/// the endpoint or the labels change, and deleted when the server stops and when this object is
/// destroyed (unless removeOnStop() is off). File writes are small and synchronous.
///
/// The server's url path becomes the target label `__metrics_path__` when it is not /metrics,
/// and an https url sets `__scheme__`. A process killed with SIGKILL leaves its file behind:
/// Prometheus then shows the target as down (`up == 0`); see docs/discovery.md.
class FileSdTarget : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString directory READ directory WRITE setDirectory NOTIFY configurationChanged)
    Q_PROPERTY(QString fileName READ fileName WRITE setFileName NOTIFY configurationChanged)
    Q_PROPERTY(QString filePath READ filePath NOTIFY configurationChanged)
    Q_PROPERTY(QString advertiseAddress READ advertiseAddress WRITE setAdvertiseAddress NOTIFY
                   configurationChanged)
    Q_PROPERTY(bool written READ isWritten NOTIFY writtenChanged)

public:
    explicit FileSdTarget(const QString& directory = QString(), QObject* parent = nullptr);
    /// Deletes the file (when removeOnStop()).
    ~FileSdTarget() override;

    /// Follows `server` (see the file documentation); not owned. nullptr detaches.
    void setServer(QObject* server);
    QObject* server() const;
    /// A fixed endpoint instead of a server.
    void setService(const QString& address, quint16 port, const QString& scheme = QStringLiteral("http"),
                    const QString& path = QStringLiteral("/metrics"));

    /// The directory Prometheus watches (created if missing).
    QString directory() const;
    void setDirectory(const QString& directory);
    /// Default (empty): `<applicationName>-<pid>.json`. Must end in .json (or .yml/.yaml and
    /// still be JSON, which is valid YAML) to match the usual `files:` globs.
    QString fileName() const;
    void setFileName(const QString& fileName);
    /// directory + effective file name.
    QString filePath() const;
    /// Target labels (names `[a-zA-Z_][a-zA-Z0-9_]*`; values any UTF-8).
    QMap<QString, QString> labels() const;
    void setLabels(const QMap<QString, QString>& labels);
    /// As ConsulAgent::advertiseAddress().
    QString advertiseAddress() const;
    void setAdvertiseAddress(const QString& address);
    /// Delete the file when the server stops and on destruction. Default on.
    bool removeOnStop() const;
    void setRemoveOnStop(bool on);

    /// True while the file exists with the current entry.
    bool isWritten() const;
    /// The JSON the file holds (or would hold); empty when there is no endpoint.
    QByteArray contents() const;

public slots:
    /// Writes (or, without an endpoint, deletes) the file now instead of at the next event-loop
    /// turn. Returns false (and emits errorOccurred()) when the file cannot be written.
    bool sync();
    /// Deletes the file now; it is written again on the next change or sync().
    void remove();

signals:
    void written(const QString& filePath);
    void removed(const QString& filePath);
    void errorOccurred(const QString& message);
    void writtenChanged(bool written);
    void configurationChanged();

private:
    friend class FileSdTargetPrivate;
    std::unique_ptr<FileSdTargetPrivate> d;
};

} // namespace promqt
