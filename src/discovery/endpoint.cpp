// SPDX-License-Identifier: MIT
#include "endpoint.h"

#include <promqt/discovery.h>
#include <promqt/metricsserver.h>

#include <QMetaProperty>
#include <QNetworkInterface>
#include <QUrl>

namespace promqt {

QHostAddress defaultAdvertiseAddress() {
    const auto interfaces = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface& iface : interfaces) {
        const auto flags = iface.flags();
        if (!flags.testFlag(QNetworkInterface::IsUp) || !flags.testFlag(QNetworkInterface::IsRunning) ||
            flags.testFlag(QNetworkInterface::IsLoopBack))
            continue;
        const auto entries = iface.addressEntries();
        for (const QNetworkAddressEntry& entry : entries) {
            const QHostAddress a = entry.ip();
            if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback())
                return a;
        }
    }
    return QHostAddress(QHostAddress::LocalHost);
}

namespace detail {

QString Endpoint::hostPort() const {
    const QString h = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return h + QLatin1Char(':') + QString::number(port);
}

bool isValidLabelName(const QString& name) {
    if (name.isEmpty())
        return false;
    for (int i = 0; i < name.size(); ++i) {
        const QChar c = name.at(i);
        const bool letter = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
                            (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) || c == QLatin1Char('_');
        const bool digit = c >= QLatin1Char('0') && c <= QLatin1Char('9');
        if (!letter && !(digit && i > 0))
            return false;
    }
    return true;
}

EndpointSource::EndpointSource(QObject* parent) : QObject(parent) {}

void EndpointSource::detach() {
    disconnect(m_notify);
    disconnect(m_destroyed);
    m_server = nullptr;
}

bool EndpointSource::setServer(QObject* server) {
    detach();
    m_fixed.reset();
    bool ok = true;
    if (server) {
        const QMetaObject* mo = server->metaObject();
        const int listening = mo->indexOfProperty("listening");
        const int port = mo->indexOfProperty("serverPort");
        if (listening < 0 || port < 0 || mo->indexOfProperty("url") < 0) {
            ok = false;
        } else {
            m_server = server;
            // Connect by meta-method: the server's class is unknown here (MetricsServer,
            // ThreadedMetricsServer or a look-alike). A server in another thread gets a queued
            // connection, so current() is re-read on this thread.
            const QMetaMethod notify = mo->property(listening).notifySignal();
            const QMetaMethod slot =
                staticMetaObject.method(staticMetaObject.indexOfSlot("onServerChanged()"));
            if (notify.isValid())
                m_notify = connect(server, notify, this, slot);
            m_destroyed = connect(server, &QObject::destroyed, this, &EndpointSource::onServerDestroyed);
        }
    }
    emit changed();
    return ok;
}

void EndpointSource::setFixed(const Endpoint& endpoint) {
    detach();
    m_fixed = endpoint;
    emit changed();
}

void EndpointSource::setAdvertiseAddress(const QString& address) {
    if (m_advertise == address)
        return;
    m_advertise = address;
    emit changed();
}

void EndpointSource::onServerChanged() { emit changed(); }

void EndpointSource::onServerDestroyed() {
    // The server's own members are gone by now: forget it without reading anything.
    disconnect(m_notify);
    disconnect(m_destroyed);
    m_server = nullptr;
    emit changed();
}

std::optional<Endpoint> EndpointSource::current() const {
    if (m_fixed)
        return m_fixed;
    if (!m_server || !m_server->property("listening").toBool())
        return std::nullopt;
    const quint16 port = static_cast<quint16>(m_server->property("serverPort").toUInt());
    if (port == 0)
        return std::nullopt;
    const QUrl url = m_server->property("url").toUrl();
    Endpoint e;
    if (!url.scheme().isEmpty())
        e.scheme = url.scheme();
    if (!url.path().isEmpty())
        e.path = url.path();
    e.port = port;
    e.host = advertisedHost(url);
    return e;
}

QString EndpointSource::advertisedHost(const QUrl& url) const {
    if (!m_advertise.isEmpty())
        return m_advertise;
    auto isAny = [](const QHostAddress& a) {
        return a == QHostAddress(QHostAddress::Any) || a == QHostAddress(QHostAddress::AnyIPv4) ||
               a == QHostAddress(QHostAddress::AnyIPv6);
    };
    const QVariant bound = m_server->property("serverAddress");
    QHostAddress address;
    if (bound.metaType() == QMetaType::fromType<QHostAddress>())
        address = bound.value<QHostAddress>();
    else if (bound.isValid() && bound.canConvert<QString>())
        address = QHostAddress(bound.toString());
    if (!address.isNull())
        return isAny(address) ? defaultAdvertiseAddress().toString() : address.toString();
    // A server object without a serverAddress property: its url() reports an "any" address as 127.0.0.1, so a loopback
    // url may mean either. Advertising loopback to a fleet would make Prometheus scrape its own
    // host (silently wrong); the host's address at worst fails loudly (target down).
    const QString host = url.host();
    const QHostAddress hostAddress(host);
    if (host.isEmpty() || host == QLatin1String("localhost") || hostAddress.isLoopback() || isAny(hostAddress))
        return defaultAdvertiseAddress().toString();
    return host;
}

} // namespace detail
} // namespace promqt
