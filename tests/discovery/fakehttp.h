// SPDX-License-Identifier: MIT
// Test doubles for the discovery and push suites:
//  - RecordingHttpServer: a loopback HTTP/1.1 endpoint that records every request (method, target,
//    headers, body) and answers according to a settable behaviour: a status and body, never
//    (a hanging agent), or closing the connection at once. It stands in for a Consul agent and a
//    Pushgateway, which Debian does not package (Consul) or which cannot be made to misbehave
//    on demand (Pushgateway).
//  - FakeMetricsServer: a QObject with the server contract promqt's discovery relies on
//    (Q_PROPERTYs listening, serverPort, url, serverAddress; NOTIFY listeningChanged(bool)),
//    serving a fixed text exposition on every path.
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTcpServer>
#include <QThread>
#include <QUrl>

#include <functional>
#include <memory>

class QTcpSocket;
class QProcess;

namespace promqt::test {

struct RecordedRequest {
    QByteArray method;
    QByteArray target;  ///< as sent: path and query
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray& name) const;
    QByteArray path() const;  ///< target without the query
    QByteArray query() const; ///< after '?', or empty
};

class RecordingHttpServer : public QObject {
    Q_OBJECT
public:
    enum class Behaviour {
        Respond, ///< answer status() with body()
        Hang,    ///< read the request and never answer
        Close,   ///< close the connection as soon as the request is read
        Hold,    ///< keep the answer until release() (then answer status()/body())
    };

    explicit RecordingHttpServer(QObject* parent = nullptr);
    ~RecordingHttpServer() override;

    bool listen(quint16 port = 0);
    void close();
    quint16 port() const { return m_server->serverPort(); }
    QUrl url() const;

    void setBehaviour(Behaviour b) { m_behaviour = b; }
    void setResponse(int status, const QByteArray& body = {}) {
        m_status = status;
        m_body = body;
    }
    /// Optional per-request answer: return true and fill status/body to override the behaviour.
    void setHandler(std::function<bool(const RecordedRequest&, int& status, QByteArray& body)> h) {
        m_handler = std::move(h);
    }
    /// Answers every held request with the current status/body.
    void release();
    int heldCount() const { return m_held.size(); }

    /// Thread-safe copies, so a test can look while the server runs in another thread.
    QList<RecordedRequest> requests() const;
    void clearRequests();
    /// Requests whose method and path match.
    QList<RecordedRequest> requestsTo(const QByteArray& method, const QByteArray& pathPrefix) const;

signals:
    void requestReceived(const promqt::test::RecordedRequest& request);

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket* socket);
    void answer(QTcpSocket* socket, int status, const QByteArray& body);

    QTcpServer* m_server;
    Behaviour m_behaviour = Behaviour::Respond;
    int m_status = 200;
    QByteArray m_body;
    std::function<bool(const RecordedRequest&, int&, QByteArray&)> m_handler;
    mutable QMutex m_mutex;
    QList<RecordedRequest> m_requests;
    QList<QPointer<QTcpSocket>> m_held;
};

/// A RecordingHttpServer in a thread of its own: it answers while the test's thread is blocked
/// (as a real agent in another process would), e.g. during a destructor's synchronous request.
/// Configure behaviour() before start(); read requests() from the test thread at any time.
class ThreadedRecordingHttpServer {
public:
    ThreadedRecordingHttpServer();
    ~ThreadedRecordingHttpServer();
    RecordingHttpServer& server() { return *m_server; }
    bool start();
    quint16 port() const { return m_port; }
    QUrl url() const;
    QList<RecordedRequest> requests() const { return m_server->requests(); }

private:
    QThread m_thread;
    RecordingHttpServer* m_server;
    quint16 m_port = 0;
};

/// The server contract of ConsulAgent/FileSdTarget, implemented over RecordingHttpServer.
class FakeMetricsServer : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool listening READ isListening NOTIFY listeningChanged)
    Q_PROPERTY(quint16 serverPort READ serverPort NOTIFY listeningChanged)
    Q_PROPERTY(QUrl url READ url NOTIFY listeningChanged)
    Q_PROPERTY(QHostAddress serverAddress READ serverAddress NOTIFY listeningChanged)
public:
    explicit FakeMetricsServer(QObject* parent = nullptr);
    bool listen(quint16 port = 0);
    void close();
    bool isListening() const;
    quint16 serverPort() const;
    QUrl url() const;
    QHostAddress serverAddress() const;
    RecordingHttpServer& http() { return m_http; }
    /// What the serverAddress property reports (default: 127.0.0.1 while listening), e.g. Any.
    void setReportedAddress(const QHostAddress& a) { m_reported = a; }
    /// How many requests it has answered.
    int hits() const { return m_http.requests().size(); }

signals:
    void listeningChanged(bool listening);

private:
    RecordingHttpServer m_http;
    QHostAddress m_reported;
};

/// An external server program for integration tests (prometheus, prometheus-pushgateway):
/// started on a free loopback port, waited for until `readyPath` answers 200, stopped with
/// SIGTERM and waited for in the destructor.
class ExternalServer {
public:
    ExternalServer(const QString& program, QStringList arguments, quint16 port);
    ~ExternalServer();
    /// Starts and waits until GET readyPath answers 200 (false on failure; see log()).
    bool start(const QByteArray& readyPath, int timeoutMs = 30000);
    /// Terminates and waits (SIGTERM, then SIGKILL after 10 s).
    void stop();
    quint16 port() const { return m_port; }
    QUrl url() const;
    QByteArray log() const;

private:
    std::unique_ptr<QProcess> m_process;
    quint16 m_port;
};

/// GET `url` with QNetworkAccessManager (chunked and keep-alive answers of real servers are
/// handled); the body on a 200 answer, otherwise a null QByteArray. Spins the event loop.
QByteArray httpGet(const QUrl& url, int timeoutMs = 10000);

/// A QTcpServer bound to 127.0.0.1:0 and closed again: a port nobody listens on (for a while).
quint16 freeLoopbackPort();

} // namespace promqt::test
