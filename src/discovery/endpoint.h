// SPDX-License-Identifier: MIT
#pragma once
// Where a metrics endpoint can be reached from outside: read from a "server" QObject through its
// meta-object (so MetricsServer, ThreadedMetricsServer and any look-alike work), or given by hand.

#include <QHostAddress>
#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QString>

#include <optional>

namespace promqt::detail {

struct Endpoint {
    QString scheme = QStringLiteral("http");
    QString host; ///< advertised host name or address (IPv6 without brackets)
    quint16 port = 0;
    QString path = QStringLiteral("/metrics");

    /// "host:port", with brackets around an IPv6 address.
    QString hostPort() const;
    friend bool operator==(const Endpoint& a, const Endpoint& b) {
        return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.path == b.path;
    }
    friend bool operator!=(const Endpoint& a, const Endpoint& b) { return !(a == b); }
};

/// Follows a server QObject (Q_PROPERTYs listening, serverPort, url, optional serverAddress;
/// NOTIFY listeningChanged) or holds a fixed endpoint; emits changed() when the answer of
/// current() may have changed (server started/stopped/destroyed, settings changed).
class EndpointSource : public QObject {
    Q_OBJECT
public:
    explicit EndpointSource(QObject* parent = nullptr);

    /// Returns false (and detaches) when `server` lacks the `listening`/`serverPort` properties.
    bool setServer(QObject* server);
    QObject* server() const { return m_server; }
    void setFixed(const Endpoint& endpoint);
    void setAdvertiseAddress(const QString& address);
    QString advertiseAddress() const { return m_advertise; }

    /// The endpoint to publish, or nothing while the server does not listen (or none is set).
    std::optional<Endpoint> current() const;

signals:
    void changed();

private slots:
    void onServerChanged();
    void onServerDestroyed();

private:
    void detach();
    QString advertisedHost(const QUrl& url) const;

    QPointer<QObject> m_server;
    QMetaObject::Connection m_notify;
    QMetaObject::Connection m_destroyed;
    std::optional<Endpoint> m_fixed;
    QString m_advertise;
};

/// `[A-Za-z_][A-Za-z0-9_]*`
bool isValidLabelName(const QString& name);

} // namespace promqt::detail
