// SPDX-License-Identifier: MIT
// A deliberately dumb HTTP/1.x client for tests: it sends exactly the bytes it is given over a
// real loopback socket and parses what comes back, so tests see the server's bytes unfiltered.
// It never blocks the thread's event loop (it waits with QTest::qWaitFor), so it can talk to a
// server living in the same thread.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QTcpSocket>

#include <optional>

namespace promqt::test {

struct HttpResponse {
    QByteArray version;  ///< "HTTP/1.1"
    int status = 0;
    QByteArray reason;
    QList<QPair<QByteArray, QByteArray>> headers; ///< names as sent
    QByteArray body;

    /// First value of header `name` (case-insensitive), or a null QByteArray.
    QByteArray header(const QByteArray& name) const;
    int headerCount(const QByteArray& name) const;
};

class RawHttpClient {
public:
    explicit RawHttpClient(quint16 port, const QString& host = QStringLiteral("127.0.0.1"));
    ~RawHttpClient();

    bool connectToServer(int timeoutMs = 5000);
    void send(const QByteArray& bytes);
    /// Reads one response. `headRequest`: the response has no body whatever its headers say.
    std::optional<HttpResponse> readResponse(bool headRequest = false, int timeoutMs = 10000);
    /// True once the server has closed the connection (waits up to `timeoutMs`).
    bool waitForClosed(int timeoutMs = 5000);
    bool isConnected() const;
    QTcpSocket& socket() { return m_socket; }
    QByteArray takeBuffered();

private:
    bool tryParse(bool headRequest, HttpResponse& out);
    QTcpSocket m_socket;
    QString m_host;
    quint16 m_port;
    QByteArray m_buffer;
    bool m_closed = false;
};

/// One request on a fresh connection: "GET <path>" with extra header lines (each "Name: value").
std::optional<HttpResponse> httpRequest(quint16 port, const QByteArray& method, const QByteArray& path,
                                        const QList<QByteArray>& extraHeaders = {});

/// gzip/deflate decoding for checking compressed bodies; empty on error.
QByteArray gunzip(const QByteArray& compressed);

} // namespace promqt::test
