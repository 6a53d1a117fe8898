// SPDX-License-Identifier: MIT
#include "qmlmetricsserver.h"

#include <prometheus/registry.h>

#include <QHostAddress>
#include <QQmlInfo>

namespace promqt {

QmlMetricsServer::QmlMetricsServer(QObject* parent)
    : QObject(parent), m_registry(Qml::defaultRegistry())
{
    connect(&m_server, &MetricsServer::listeningChanged, this, &QmlMetricsServer::runningChanged);
    // Asynchronous trouble (accept failures, a collectable that threw) is worth showing too.
    connect(&m_server, &MetricsServer::errorOccurred, this, &QmlMetricsServer::setErrorString);
    serve();
}

QmlMetricsServer::~QmlMetricsServer() = default;

void QmlMetricsServer::setAddress(const QString& address)
{
    if (address == m_address)
        return;
    m_address = address;
    emit addressChanged();
    restart();
}

void QmlMetricsServer::setPort(int port)
{
    if (port == m_port)
        return;
    m_port = port;
    emit portChanged();
    restart();
}

void QmlMetricsServer::setPath(const QString& path)
{
    if (path == m_path)
        return;
    if (!path.startsWith(QLatin1Char('/'))) {
        qmlWarning(this) << QStringLiteral("path: \"%1\" must start with '/'; keeping \"%2\"")
                                    .arg(path, m_path);
        return;
    }
    m_path = path;
    serve();
    emit pathChanged();
    if (isRunning())
        emit runningChanged(); // url changed
}

bool QmlMetricsServer::isRunning() const
{
    return m_server.isListening();
}

void QmlMetricsServer::setRunning(bool running)
{
    m_wantRunning = running;
    if (m_deferStart)
        return;
    if (!running) {
        m_server.close();
    } else if (!m_server.isListening()) {
        restart();
    }
}

int QmlMetricsServer::serverPort() const
{
    return m_server.isListening() ? m_server.serverPort() : 0;
}

QUrl QmlMetricsServer::url() const
{
    if (!m_server.isListening())
        return {};
    QUrl url = m_server.url();
    url.setPath(m_path);
    return url;
}

void QmlMetricsServer::setRegistry(QmlRegistry* registry)
{
    auto resolved = registry ? registry->registry() : Qml::defaultRegistry();
    if (registry == m_registryObject && resolved == m_registry)
        return;
    if (m_registryObject)
        disconnect(m_registryObject, &QObject::destroyed, this, &QmlMetricsServer::registryChanged);
    m_registryObject = registry;
    unserve();
    // Kept alive here: the server only holds weak pointers, and the Registry QObject may go.
    m_registry = std::move(resolved);
    serve();
    if (registry)
        connect(registry, &QObject::destroyed, this, &QmlMetricsServer::registryChanged);
    emit registryChanged();
}

void QmlMetricsServer::classBegin()
{
    m_deferStart = true;
}

void QmlMetricsServer::componentComplete()
{
    m_deferStart = false;
    if (m_wantRunning)
        restart();
}

void QmlMetricsServer::serve()
{
    unserve();
    m_server.registerCollectable(m_registry, m_path);
    m_servedPath = m_path;
}

void QmlMetricsServer::unserve()
{
    if (!m_servedPath.isEmpty())
        m_server.removeCollectable(m_registry, m_servedPath);
    m_servedPath.clear();
}

void QmlMetricsServer::setErrorString(const QString& message)
{
    if (message == m_errorString)
        return;
    m_errorString = message;
    emit errorStringChanged();
}

void QmlMetricsServer::fail(const QString& property, const QString& message)
{
    qmlWarning(this) << property + QLatin1String(": ") + message;
    setErrorString(message);
}

void QmlMetricsServer::restart()
{
    if (m_deferStart || !m_wantRunning)
        return;
    m_server.close();

    QHostAddress address;
    const QString a = m_address.trimmed();
    if (a.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        address = QHostAddress::LocalHost;
    else if (a == QLatin1String("*"))
        address = QHostAddress::Any;
    else if (!address.setAddress(a))
        return fail(QStringLiteral("address"),
                    QStringLiteral("\"%1\" is not an IP address (or \"localhost\", \"*\")").arg(m_address));
    if (m_port < 0 || m_port > 65535)
        return fail(QStringLiteral("port"), QStringLiteral("%1 is not between 0 and 65535").arg(m_port));

    if (m_server.listen(address, quint16(m_port))) {
        setErrorString(QString());
    } else {
        // E.g. the port is in use: not a programming error, so no qmlWarning; the app shows
        // errorString or picks another port.
        setErrorString(m_server.errorString());
    }
}

} // namespace promqt
