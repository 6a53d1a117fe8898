// SPDX-License-Identifier: MIT
// An HTTP response under construction, and its wire form. Private to promqt.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

namespace promqt::http {

struct Response {
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers; ///< Content-Length and Connection are added on write
    QByteArray body;
    bool close = false; ///< close the connection after this response

    Response() = default;
    explicit Response(int code) : status(code) {}

    Response& setHeader(const QByteArray& name, const QByteArray& value);
    QByteArray header(const QByteArray& name) const;

    /// A short text/plain response ("404 Not Found\n" or `message`).
    static Response plain(int status, const QByteArray& message = {});
};

/// "Not Found" for 404, and so on; "Unknown" for codes promqt never sends.
QByteArray reasonPhrase(int status);

/// Status line and header section, ending with the empty line. Adds Content-Length (the body's
/// size, also for HEAD, as RFC 9110 allows) and a Connection header when `keepAlive` differs
/// from the version's default. `versionMinor` is the request's (0 or 1).
QByteArray serializeHead(const Response& response, int versionMinor, bool keepAlive);

} // namespace promqt::http
