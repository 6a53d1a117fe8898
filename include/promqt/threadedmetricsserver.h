// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// ThreadedMetricsServer: a MetricsServer running in a thread of its own.
///
/// Use it when the application's main loop must never spend time serving (a busy GUI), and as
/// the drop-in replacement for prometheus-cpp's civetweb `Exposer` in programs that do not use
/// Qt's event loop at all:
/// @code
///   // any C++ program, no QCoreApplication needed
///   promqt::ThreadedMetricsServer server;
///   server.registerCollectable(registry);
///   if (!server.listen(QHostAddress::LocalHost, 9464))
///       std::cerr << server.errorString().toStdString() << "\n";
///   ...
///   server.stop(); // or let the destructor do it
/// @endcode
///
/// Threads: with a QCoreApplication in the process, the server runs in a QThread. Without one,
/// it hosts a QCoreApplication in its own std::thread (Qt refuses a bare QThread event loop
/// without an application object); only one such server may then exist at a time.
///
/// Thread-safety: every member function may be called from any thread (calls are forwarded to
/// the server thread and wait for it). Signals are emitted from the server thread; they reach
/// receivers in threads without an event loop only through direct connections.
///
/// Lifetime: stop() — and the destructor — close every connection and join the thread.

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

class ThreadedMetricsServerPrivate;

class ThreadedMetricsServer : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool listening READ isListening NOTIFY listeningChanged)
    Q_PROPERTY(quint16 serverPort READ serverPort NOTIFY listeningChanged)
    Q_PROPERTY(QHostAddress serverAddress READ serverAddress NOTIFY listeningChanged)
    Q_PROPERTY(QUrl url READ url NOTIFY listeningChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)

public:
    explicit ThreadedMetricsServer(QObject* parent = nullptr);
    ~ThreadedMetricsServer() override;

    /// As MetricsServer::registerCollectable (thread-safe, takes effect immediately).
    void registerCollectable(const std::weak_ptr<prometheus::Collectable>& collectable,
                             const QString& path = QStringLiteral("/metrics"));
    void removeCollectable(const std::weak_ptr<prometheus::Collectable>& collectable,
                           const QString& path = QStringLiteral("/metrics"));

    /// Starts the server thread if needed and listens there. Returns once the socket is bound
    /// or has failed — never hangs: false with errorString() for a busy port.
    bool listen(const QHostAddress& address = QHostAddress::Any, quint16 port = 0);
    /// Stops listening and closes connections; the thread keeps running for a later listen().
    void close();
    /// close(), then ends and joins the server thread. Safe to call more than once.
    void stop();

    bool isListening() const;
    quint16 serverPort() const;
    /// The bound address (QHostAddress::Any when listening on all interfaces); null when not listening.
    QHostAddress serverAddress() const;
    QUrl url() const;
    QString errorString() const;

    /// Options, TLS and authentication: as MetricsServer, applied at the next listen().
    void setOptions(const MetricsServerOptions& options);
    MetricsServerOptions options() const;
    void setSslConfiguration(const QSslConfiguration& configuration);
    void setBasicAuth(const QString& user, const QString& password,
                      const QString& realm = QStringLiteral("metrics"));

    /// The server's own metrics (see MetricsServer::selfMetrics()).
    std::shared_ptr<prometheus::Collectable> selfMetrics() const;

signals:
    void listeningChanged(bool listening);
    void errorOccurred(const QString& message);

private:
    std::unique_ptr<ThreadedMetricsServerPrivate> d;
};

} // namespace promqt
