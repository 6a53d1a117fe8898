// SPDX-License-Identifier: MIT
#pragma once

// QML `MetricsServer`: a promqt::MetricsServer serving a Registry (the default one unless
// `registry` is set) at `path` on `address`:`port`. See docs/qml.md.

#include <promqt/metricsserver.h>
#include <promqt/qml.h>

#include <QObject>
#include <QPointer>
#include <QQmlParserStatus>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace prometheus {
class Registry;
}

namespace promqt {

/// Starts when the component is complete (if `running`, the default), and restarts when
/// address or port change while it should run. A failure (port in use, bad address) leaves
/// `running` false and says why in `errorString`; setting a working port or `running: true`
/// again retries. Thread affinity: the engine's thread, whose event loop serves the requests.
class QmlMetricsServer : public QObject, public QQmlParserStatus {
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_NAMED_ELEMENT(MetricsServer)
    /// IP address to bind: "127.0.0.1" (default), "::1", "0.0.0.0", "::", "localhost" or "*" (any).
    Q_PROPERTY(QString address READ address WRITE setAddress NOTIFY addressChanged FINAL)
    /// Port to bind; 0 (default) picks a free port (see serverPort and url).
    Q_PROPERTY(int port READ port WRITE setPort NOTIFY portChanged FINAL)
    /// HTTP path of the metrics; default "/metrics".
    Q_PROPERTY(QString path READ path WRITE setPath NOTIFY pathChanged FINAL)
    /// Whether the server is listening. Set false to stop, true to (re)start.
    Q_PROPERTY(bool running READ isRunning WRITE setRunning NOTIFY runningChanged FINAL)
    /// The port actually bound; 0 while not running.
    Q_PROPERTY(int serverPort READ serverPort NOTIFY runningChanged FINAL)
    /// E.g. "http://127.0.0.1:9464/metrics"; empty while not running.
    Q_PROPERTY(QUrl url READ url NOTIFY runningChanged FINAL)
    /// Why the last start failed (or the last asynchronous server error); empty after a start.
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged FINAL)
    /// Registry served; null: promqt::Qml::defaultRegistry().
    Q_PROPERTY(promqt::QmlRegistry* registry READ registry WRITE setRegistry NOTIFY registryChanged FINAL)

public:
    explicit QmlMetricsServer(QObject* parent = nullptr);
    ~QmlMetricsServer() override;

    QString address() const { return m_address; }
    void setAddress(const QString& address);
    int port() const { return m_port; }
    void setPort(int port);
    QString path() const { return m_path; }
    void setPath(const QString& path);
    bool isRunning() const;
    void setRunning(bool running);
    int serverPort() const;
    QUrl url() const;
    QString errorString() const { return m_errorString; }
    QmlRegistry* registry() const { return m_registryObject; }
    void setRegistry(QmlRegistry* registry);

    void classBegin() override;
    void componentComplete() override;

signals:
    void addressChanged();
    void portChanged();
    void pathChanged();
    void runningChanged();
    void errorStringChanged();
    void registryChanged();

private:
    void restart();
    void fail(const QString& property, const QString& message);
    void setErrorString(const QString& message);
    void serve();
    void unserve();

    MetricsServer m_server;
    QString m_address = QStringLiteral("127.0.0.1");
    int m_port = 0;
    QString m_path = QStringLiteral("/metrics");
    bool m_wantRunning = true;
    bool m_deferStart = false;
    QString m_errorString;
    QPointer<QmlRegistry> m_registryObject;
    std::shared_ptr<prometheus::Registry> m_registry; // what m_server serves
    QString m_servedPath;                             // where m_registry is registered
};

} // namespace promqt
