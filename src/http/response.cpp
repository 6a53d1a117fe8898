// SPDX-License-Identifier: MIT
#include "http/response.h"

namespace promqt::http {

Response& Response::setHeader(const QByteArray& name, const QByteArray& value) {
    for (auto& h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            h.second = value;
            return *this;
        }
    }
    headers.append({name, value});
    return *this;
}

QByteArray Response::header(const QByteArray& name) const {
    for (const auto& h : headers)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    return {};
}

Response Response::plain(int status, const QByteArray& message) {
    Response r(status);
    r.setHeader("Content-Type", "text/plain; charset=utf-8");
    r.body = message.isEmpty() ? QByteArray::number(status) + ' ' + reasonPhrase(status) : message;
    if (!r.body.endsWith('\n'))
        r.body += '\n';
    return r;
}

QByteArray reasonPhrase(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

QByteArray serializeHead(const Response& response, int versionMinor, bool keepAlive) {
    QByteArray out;
    out.reserve(160 + response.headers.size() * 48);
    out += versionMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += QByteArray::number(response.status);
    out += ' ';
    out += reasonPhrase(response.status);
    out += "\r\n";
    for (const auto& h : response.headers) {
        out += h.first;
        out += ": ";
        out += h.second;
        out += "\r\n";
    }
    out += "Content-Length: ";
    out += QByteArray::number(response.body.size());
    out += "\r\n";
    if (!keepAlive)
        out += "Connection: close\r\n";
    else if (versionMinor == 0)
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    return out;
}

} // namespace promqt::http
