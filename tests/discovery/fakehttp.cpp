// SPDX-License-Identifier: MIT
#include "fakehttp.h"

#include "httpclient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

namespace promqt::test {

QByteArray RecordedRequest::header(const QByteArray& name) const {
    for (const auto& h : headers)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    return {};
}

QByteArray RecordedRequest::path() const {
    const int q = target.indexOf('?');
    return q < 0 ? target : target.left(q);
}

QByteArray RecordedRequest::query() const {
    const int q = target.indexOf('?');
    return q < 0 ? QByteArray() : target.mid(q + 1);
}

RecordingHttpServer::RecordingHttpServer(QObject* parent) : QObject(parent), m_server(new QTcpServer(this)) {
    connect(m_server, &QTcpServer::newConnection, this, &RecordingHttpServer::onNewConnection);
}

RecordingHttpServer::~RecordingHttpServer() { close(); }

bool RecordingHttpServer::listen(quint16 port) { return m_server->listen(QHostAddress::LocalHost, port); }

void RecordingHttpServer::close() {
    m_server->close();
    // Also drop the accepted connections, so a client sees the agent go away.
    for (QTcpSocket* s : findChildren<QTcpSocket*>())
        s->abort();
    m_held.clear();
}

QList<RecordedRequest> RecordingHttpServer::requests() const {
    QMutexLocker lock(&m_mutex);
    return m_requests;
}

void RecordingHttpServer::clearRequests() {
    QMutexLocker lock(&m_mutex);
    m_requests.clear();
}

QUrl RecordingHttpServer::url() const {
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port()));
}

void RecordingHttpServer::release() {
    const auto held = m_held;
    m_held.clear();
    for (const auto& s : held)
        if (s)
            answer(s, m_status, m_body);
}

QList<RecordedRequest> RecordingHttpServer::requestsTo(const QByteArray& method,
                                                       const QByteArray& pathPrefix) const {
    QList<RecordedRequest> out;
    const auto all = requests();
    for (const auto& r : all)
        if (r.method == method && r.path().startsWith(pathPrefix))
            out.append(r);
    return out;
}

void RecordingHttpServer::onNewConnection() {
    while (QTcpSocket* s = m_server->nextPendingConnection()) {
        s->setParent(this);
        connect(s, &QTcpSocket::readyRead, this, [this, s] { onReadyRead(s); });
        connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
    }
}

void RecordingHttpServer::onReadyRead(QTcpSocket* socket) {
    QByteArray buf = socket->property("buf").toByteArray() + socket->readAll();
    for (;;) {
        const int end = buf.indexOf("\r\n\r\n");
        if (end < 0)
            break;
        RecordedRequest r;
        const QList<QByteArray> lines = buf.left(end).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        r.method = first.value(0);
        r.target = first.value(1);
        qsizetype length = 0;
        for (int i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const int colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            r.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
            if (line.left(colon).compare("content-length", Qt::CaseInsensitive) == 0)
                length = line.mid(colon + 1).trimmed().toLongLong();
        }
        if (buf.size() < end + 4 + length)
            break;
        r.body = buf.mid(end + 4, length);
        buf.remove(0, end + 4 + length);
        {
            QMutexLocker lock(&m_mutex);
            m_requests.append(r);
        }
        QPointer<QTcpSocket> guard(socket);
        emit requestReceived(r);
        if (!guard)
            return;

        int status = m_status;
        QByteArray body = m_body;
        if (m_handler && m_handler(r, status, body)) {
            answer(socket, status, body);
            continue;
        }
        switch (m_behaviour) {
        case Behaviour::Respond: answer(socket, status, body); break;
        case Behaviour::Hang: break;
        case Behaviour::Close: socket->disconnectFromHost(); return;
        case Behaviour::Hold: m_held.append(socket); break;
        }
    }
    socket->setProperty("buf", buf);
}

void RecordingHttpServer::answer(QTcpSocket* socket, int status, const QByteArray& body) {
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + (status < 300 ? " OK" : " Error") +
                     "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
                     QByteArray::number(body.size()) + "\r\n\r\n" + body;
    socket->write(out);
}

FakeMetricsServer::FakeMetricsServer(QObject* parent) : QObject(parent) {
    m_http.setResponse(200, "# TYPE fake_metric gauge\nfake_metric 1\n");
}

bool FakeMetricsServer::listen(quint16 port) {
    const bool ok = m_http.listen(port);
    if (ok)
        emit listeningChanged(true);
    return ok;
}

void FakeMetricsServer::close() {
    if (!isListening())
        return;
    m_http.close();
    emit listeningChanged(false);
}

bool FakeMetricsServer::isListening() const { return m_http.port() != 0; }
quint16 FakeMetricsServer::serverPort() const { return m_http.port(); }

QUrl FakeMetricsServer::url() const {
    if (!isListening())
        return {};
    return QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(serverPort()));
}

QHostAddress FakeMetricsServer::serverAddress() const {
    if (!isListening())
        return {};
    return m_reported.isNull() ? QHostAddress(QHostAddress::LocalHost) : m_reported;
}

ThreadedRecordingHttpServer::ThreadedRecordingHttpServer() : m_server(new RecordingHttpServer) {
    m_server->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_server, &QObject::deleteLater);
}

ThreadedRecordingHttpServer::~ThreadedRecordingHttpServer() {
    if (m_thread.isRunning()) {
        QMetaObject::invokeMethod(m_server, [s = m_server] { s->close(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    } else {
        delete m_server;
    }
}

bool ThreadedRecordingHttpServer::start() {
    m_thread.start();
    bool ok = false;
    QMetaObject::invokeMethod(
        m_server, [this, &ok] { ok = m_server->listen(0); }, Qt::BlockingQueuedConnection);
    m_port = m_server->port();
    return ok;
}

QUrl ThreadedRecordingHttpServer::url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }

ExternalServer::ExternalServer(const QString& program, QStringList arguments, quint16 port)
    : m_process(std::make_unique<QProcess>()), m_port(port) {
    m_process->setProgram(program);
    m_process->setArguments(arguments);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
}

ExternalServer::~ExternalServer() { stop(); }

bool ExternalServer::start(const QByteArray& readyPath, int timeoutMs) {
    m_process->start();
    if (!m_process->waitForStarted(10000))
        return false;
    return QTest::qWaitFor(
        [&] {
            if (m_process->state() != QProcess::Running)
                return true;
            return !httpGet(QUrl(url().toString() + QString::fromLatin1(readyPath)), 2000).isNull();
        },
        timeoutMs) &&
           m_process->state() == QProcess::Running;
}

void ExternalServer::stop() {
    if (m_process->state() == QProcess::NotRunning)
        return;
    m_process->terminate();
    if (!m_process->waitForFinished(10000)) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

QUrl ExternalServer::url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }

QByteArray ExternalServer::log() const { return m_process->readAll(); }

QByteArray httpGet(const QUrl& url, int timeoutMs) {
    QNetworkAccessManager nam;
    std::unique_ptr<QNetworkReply> reply(nam.get(QNetworkRequest(url)));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(timeoutMs))
        return {};
    if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
        return {};
    QByteArray body = reply->readAll();
    if (body.isNull())
        body = QByteArray("");
    return body;
}

quint16 freeLoopbackPort() {
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = s.serverPort();
    s.close();
    return port;
}

} // namespace promqt::test
