// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// MetricsServer: serves `/metrics` over HTTP/1.1 from the Qt event loop of its thread.
///
/// Plain prometheus-cpp:
/// @code
///   prometheus::Exposer exposer{"127.0.0.1:9464"};   // civetweb, threads of its own
///   exposer.RegisterCollectable(registry);
/// @endcode
/// With promqt:
/// @code
///   promqt::MetricsServer server;                    // lives in this thread's event loop
///   server.registerCollectable(registry);
///   if (!server.listen(QHostAddress::LocalHost, 9464)) qWarning() << server.errorString();
/// @endcode
///
/// Thread affinity: a MetricsServer is a QObject of the thread it lives in and must be used
/// (listen, close, options) from that thread. registerCollectable() and removeCollectable() are
/// thread-safe. `Collect()`, writing and gzip of large registries run on a private thread pool;
/// bytes are written back on the server's thread.
///
/// Lifetime: collectables are held by weak_ptr; one that expires is skipped. Destroying the
/// server closes every connection and waits for scrapes still running on its thread pool.

#include <promqt/metricsserveroptions.h>

#include <prometheus/collectable.h>

#include <QHostAddress>
#include <QObject>
#include <QUrl>

#include <memory>

QT_BEGIN_NAMESPACE
class QSslConfiguration;
QT_END_NAMESPACE

namespace promqt {

class MetricsServerPrivate;

class MetricsServer : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool listening READ isListening NOTIFY listeningChanged)
    Q_PROPERTY(quint16 serverPort READ serverPort NOTIFY listeningChanged)
    Q_PROPERTY(QHostAddress serverAddress READ serverAddress NOTIFY listeningChanged)
    Q_PROPERTY(QUrl url READ url NOTIFY listeningChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)

public:
    explicit MetricsServer(QObject* parent = nullptr);
    ~MetricsServer() override;

    /// Serves `collectable` at `path` (several collectables per path are concatenated in
    /// registration order). Registering the same collectable twice at a path has no effect.
    /// Thread-safe.
    void registerCollectable(const std::weak_ptr<prometheus::Collectable>& collectable,
                             const QString& path = QStringLiteral("/metrics"));
    /// Stops serving `collectable` at `path`; a path left empty answers 404. Thread-safe.
    void removeCollectable(const std::weak_ptr<prometheus::Collectable>& collectable,
                           const QString& path = QStringLiteral("/metrics"));
    /// The paths that have at least one collectable. Thread-safe.
    QStringList paths() const;

    /// Starts listening. Port 0 picks a free port (read it back with serverPort()). Returns false
    /// and sets errorString() when the address cannot be bound (e.g. port in use).
    bool listen(const QHostAddress& address = QHostAddress::Any, quint16 port = 0);
    /// Stops listening and closes every connection (responses in progress are dropped).
    void close();
    bool isListening() const;
    quint16 serverPort() const;
    QHostAddress serverAddress() const;
    /// "http://127.0.0.1:9464/metrics" (https with TLS); the first path, or "/metrics".
    /// An `Any` address is reported as 127.0.0.1. Empty when not listening.
    QUrl url() const;
    QString errorString() const;

    /// All options at once (see MetricsServerOptions for each one and its default). Changing
    /// options while listening applies to new connections; TLS takes effect at the next listen().
    void setOptions(const MetricsServerOptions& options);
    MetricsServerOptions options() const;

    /// TLS: serve HTTPS with this configuration (certificate, private key; set
    /// QSslSocket::VerifyPeer and CA certificates to require client certificates). Takes effect
    /// at the next listen(). Pass a null configuration to go back to plain HTTP.
    void setSslConfiguration(const QSslConfiguration& configuration);
    /// Basic authentication for every path: empty user disables it.
    void setBasicAuth(const QString& user, const QString& password,
                      const QString& realm = QStringLiteral("metrics"));

    /// The server's own metrics (promqt_exposer_*), also served on every path while
    /// MetricsServerOptions::selfMetrics is on.
    std::shared_ptr<prometheus::Collectable> selfMetrics() const;

signals:
    void listeningChanged(bool listening);
    /// An asynchronous error: a TLS handshake failed, accept failed, a Collect() threw.
    void errorOccurred(const QString& message);

private:
    friend class MetricsServerPrivate;
    std::unique_ptr<MetricsServerPrivate> d;
};

} // namespace promqt

#include <promqt/threadedmetricsserver.h>
