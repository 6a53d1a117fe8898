// SPDX-License-Identifier: MIT
#pragma once
// The HTTP plumbing ConsulAgent and Pusher share: one request in flight at a time, sent through
// the user's QNetworkAccessManager or an own one, and aborted after a timeout.

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <chrono>

namespace promqt::detail {

/// Watches the one reply its owner has in flight. Lives in, and must be used from, the owner's
/// thread; destroying it abandons the reply in flight (see abandon()).
class HttpRequester : public QObject {
    Q_OBJECT
public:
    explicit HttpRequester(QObject* parent = nullptr);
    ~HttpRequester() override;

    /// Requests go through `manager` while it lives (null: an own one).
    void setNetworkAccessManager(QNetworkAccessManager* manager) { m_external = manager; }
    /// The manager to send with: the one set while it lives, else an own one (made on first use).
    QNetworkAccessManager* networkAccessManager();

    /// Makes `reply`, just sent through networkAccessManager(), the one in flight: it is aborted
    /// after `timeout` (timedOut() is then true) and finished() reports it, unless another reply
    /// was watched or abandon() was called first. The reply is deleted later in any case.
    void watch(QNetworkReply* reply, std::chrono::milliseconds timeout);
    /// The reply in flight, or null.
    QNetworkReply* reply() const { return m_reply; }
    /// Whether the timeout aborted the reply last watched.
    bool timedOut() const { return m_timedOut; }
    /// Forgets the reply in flight without reporting it: aborts it and deletes it later. (The
    /// request may still have reached the server.)
    void abandon();

    /// Why `reply` failed, for messages: "no answer within <timeout> ms" after the timeout,
    /// "HTTP <status>: <start of the body>" for an error answer, else the network error.
    QString failureReason(QNetworkReply* reply, std::chrono::milliseconds timeout) const;

signals:
    /// The reply in flight finished (it is no longer reply()). The receiver may destroy the
    /// requester.
    void finished(QNetworkReply* reply);

private:
    QPointer<QNetworkAccessManager> m_external;
    QNetworkAccessManager* m_own = nullptr;
    QPointer<QNetworkReply> m_reply;
    bool m_timedOut = false;
    QTimer m_timeoutTimer;
};

} // namespace promqt::detail
