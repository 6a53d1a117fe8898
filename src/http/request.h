// SPDX-License-Identifier: MIT
// A parsed HTTP/1.x request head. Private to promqt.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

namespace promqt::http {

struct Request {
    QByteArray method;  ///< as sent, case-sensitive ("GET")
    QByteArray target;  ///< as sent ("/metrics?name[]=x", "*", "http://h/metrics")
    QByteArray path;    ///< percent-decoded path of the target ("/metrics"; "*" for asterisk-form)
    QByteArray query;   ///< raw query without '?'
    int versionMinor = 1; ///< HTTP/1.<minor>
    /// Header fields in arrival order; names lower-cased, values trimmed of surrounding space.
    QList<QPair<QByteArray, QByteArray>> headers;
    bool keepAlive = true; ///< after Connection and version rules

    /// First value of header `lowerName`, or a null QByteArray.
    QByteArray header(const QByteArray& lowerName) const {
        for (const auto& h : headers)
            if (h.first == lowerName)
                return h.second;
        return {};
    }
    /// All values of a header joined by ", " (the list form RFC 9110 allows).
    QByteArray joinedHeader(const QByteArray& lowerName) const {
        QByteArray out;
        for (const auto& h : headers) {
            if (h.first != lowerName)
                continue;
            if (!out.isEmpty())
                out += ", ";
            out += h.second;
        }
        return out;
    }
};

} // namespace promqt::http
