// SPDX-License-Identifier: MIT
#include "httprequester.h"

#include <QNetworkRequest>

namespace promqt::detail {

HttpRequester::HttpRequester(QObject* parent) : QObject(parent) {
    m_timeoutTimer.setSingleShot(true);
    connect(&m_timeoutTimer, &QTimer::timeout, this, [this] {
        if (m_reply) {
            m_timedOut = true;
            m_reply->abort();
        }
    });
}

HttpRequester::~HttpRequester() { abandon(); }

QNetworkAccessManager* HttpRequester::networkAccessManager() {
    if (m_external)
        return m_external;
    if (!m_own)
        m_own = new QNetworkAccessManager(this);
    return m_own;
}

void HttpRequester::watch(QNetworkReply* reply, std::chrono::milliseconds timeout) {
    m_timedOut = false;
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (reply != m_reply)
            return;
        m_timeoutTimer.stop();
        m_reply = nullptr;
        emit finished(reply);
    });
    m_timeoutTimer.start(timeout);
}

void HttpRequester::abandon() {
    m_timeoutTimer.stop();
    if (m_reply) {
        QNetworkReply* r = m_reply;
        m_reply = nullptr;
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
}

QString HttpRequester::failureReason(QNetworkReply* reply, std::chrono::milliseconds timeout) const {
    if (m_timedOut)
        return QStringLiteral("no answer within %1 ms").arg(timeout.count());
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 0)
        return QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(reply->readAll().trimmed().left(300)));
    return reply->errorString();
}

} // namespace promqt::detail
