// SPDX-License-Identifier: MIT
#include "httpclient.h"

#include <QTest>

#include <zlib.h>

namespace promqt::test {

QByteArray HttpResponse::header(const QByteArray& name) const {
    for (const auto& h : headers)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    return {};
}

int HttpResponse::headerCount(const QByteArray& name) const {
    int n = 0;
    for (const auto& h : headers)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            ++n;
    return n;
}

RawHttpClient::RawHttpClient(quint16 port, const QString& host) : m_host(host), m_port(port) {
    QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket,
                     [this] { m_buffer += m_socket.readAll(); });
    QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket, [this] {
        if (m_socket.isOpen())
            m_buffer += m_socket.readAll();
        m_closed = true;
    });
}

RawHttpClient::~RawHttpClient() { m_socket.abort(); }

bool RawHttpClient::connectToServer(int timeoutMs) {
    m_socket.connectToHost(m_host, m_port);
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; },
                           timeoutMs);
}

void RawHttpClient::send(const QByteArray& bytes) {
    m_socket.write(bytes);
    m_socket.flush();
}

bool RawHttpClient::isConnected() const { return !m_closed && m_socket.state() == QAbstractSocket::ConnectedState; }

QByteArray RawHttpClient::takeBuffered() {
    QByteArray b = m_buffer;
    m_buffer.clear();
    return b;
}

bool RawHttpClient::tryParse(bool headRequest, HttpResponse& out) {
    const int end = m_buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    const QList<QByteArray> lines = m_buffer.left(end).split('\n');
    HttpResponse r;
    const QByteArray statusLine = lines.value(0).trimmed();
    const QList<QByteArray> parts = statusLine.split(' ');
    r.version = parts.value(0);
    r.status = parts.value(1).toInt();
    r.reason = statusLine.mid(r.version.size() + 5);
    for (int i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const int colon = line.indexOf(':');
        if (colon > 0)
            r.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
    }
    const int bodyStart = end + 4;
    qsizetype length = 0;
    const QByteArray cl = r.header("Content-Length");
    if (headRequest || r.status == 304 || r.status == 204 || r.status / 100 == 1) {
        length = 0;
    } else if (!cl.isNull()) {
        length = cl.toLongLong();
    } else {
        // No framing: the body runs to the close.
        if (!m_closed)
            return false;
        length = m_buffer.size() - bodyStart;
    }
    if (m_buffer.size() - bodyStart < length)
        return false;
    r.body = m_buffer.mid(bodyStart, length);
    m_buffer.remove(0, bodyStart + length);
    out = r;
    return true;
}

std::optional<HttpResponse> RawHttpClient::readResponse(bool headRequest, int timeoutMs) {
    HttpResponse r;
    bool ok = false;
    (void)QTest::qWaitFor([&] {
        ok = tryParse(headRequest, r);
        return ok || (m_closed && m_buffer.indexOf("\r\n\r\n") < 0);
    }, timeoutMs);
    if (!ok)
        ok = tryParse(headRequest, r);
    if (!ok)
        return std::nullopt;
    return r;
}

bool RawHttpClient::waitForClosed(int timeoutMs) {
    return QTest::qWaitFor([this] { return m_closed || m_socket.state() == QAbstractSocket::UnconnectedState; },
                           timeoutMs);
}

std::optional<HttpResponse> httpRequest(quint16 port, const QByteArray& method, const QByteArray& path,
                                        const QList<QByteArray>& extraHeaders) {
    RawHttpClient client(port);
    if (!client.connectToServer())
        return std::nullopt;
    QByteArray req = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const QByteArray& h : extraHeaders)
        req += h + "\r\n";
    req += "\r\n";
    client.send(req);
    return client.readResponse(method == "HEAD");
}

QByteArray gunzip(const QByteArray& compressed) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 32) != Z_OK) // 32: accept gzip or zlib headers
        return {};
    QByteArray out;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.constData()));
    zs.avail_in = static_cast<uInt>(compressed.size());
    char buf[16384];
    int rc = Z_OK;
    do {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&zs);
            return {};
        }
        out.append(buf, static_cast<qsizetype>(sizeof buf - zs.avail_out));
    } while (rc != Z_STREAM_END);
    inflateEnd(&zs);
    return out;
}

} // namespace promqt::test
