// SPDX-License-Identifier: MIT
// One HTTP/1.x connection: reads and parses requests, asks the handler for responses (which may
// arrive later, from a scrape), and writes them back strictly in request order (pipelining).
// Enforces the per-connection limits and timeouts. Private to promqt.
#pragma once

#include "http/request.h"
#include "http/requestparser.h"
#include "http/response.h"

#include <promqt/metricsserveroptions.h>

#include <QDeadlineTimer>
#include <QObject>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <functional>

namespace promqt::detail {

class SelfMetrics;

/// What answers requests. `respond` must be called exactly once, on the connection's thread,
/// now or later; calling it after the connection is gone is harmless.
class RequestHandler {
public:
    using Respond = std::function<void(http::Response)>;
    virtual ~RequestHandler() = default;
    virtual void handle(const http::Request& request, Respond respond) = 0;
};

class Connection : public QObject {
    Q_OBJECT
public:
    /// Takes ownership of `socket` (re-parented to this connection).
    Connection(QTcpSocket* socket, RequestHandler* handler, SelfMetrics* metrics,
               const MetricsServerOptions& options, QObject* parent = nullptr);
    ~Connection() override;

    /// Sends `response` as the only answer and closes (used for 503 over the connection limit).
    void rejectAndClose(http::Response response);
    /// Drops the connection now.
    void abort();

signals:
    /// The socket is gone; the server deletes the connection later.
    void closed(promqt::detail::Connection* connection);

private:
    struct Slot {
        quint64 id = 0;
        bool ready = false;
        bool headOnly = false;
        int versionMinor = 1;
        bool keepAlive = true;
        http::Response response;
    };

    void onReadyRead();
    void processInput();
    void queueError(int status, const QByteArray& message);
    void queueFinal(http::Response response); ///< the last answer on this connection, then close
    void deliver(quint64 id, http::Response response);
    void writeReady();
    void onBytesWritten();
    void onTimeout();
    void updateTimer();
    void finish();
    bool paused() const;
    qint64 pendingOutput() const;
    bool feedBody(); ///< true when no body remains to be fed
    void holdKernelReads(bool hold);

    QPointer<QTcpSocket> m_socket;
    /// Qt's own read notifiers of the socket (see holdKernelReads()).
    QList<QPointer<QSocketNotifier>> m_readNotifiers;
    RequestHandler* m_handler;
    SelfMetrics* m_metrics;
    MetricsServerOptions m_options;
    http::RequestParser m_parser;
    QByteArray m_input;
    std::deque<Slot> m_queue;
    QByteArray m_body;          ///< large body being fed to the socket
    qint64 m_bodyOffset = 0;
    bool m_closeAfterBody = false;
    quint64 m_nextId = 1;
    bool m_inputClosed = false;  ///< a response with close is queued: read nothing more
    bool m_finished = false;
    bool m_processing = false;
    QTimer m_timer;
    QDeadlineTimer m_requestDeadline{QDeadlineTimer::Forever}; ///< partial request in m_input
    QDeadlineTimer m_writeDeadline{QDeadlineTimer::Forever};   ///< unsent output, no progress
    QDeadlineTimer m_idleDeadline{QDeadlineTimer::Forever};    ///< nothing in progress
};

} // namespace promqt::detail
