// SPDX-License-Identifier: MIT
#include "server/connection.h"

#include "server/selfmetrics.h"

namespace promqt::detail {

namespace {
const char* rejectReason(int status) {
    switch (status) {
    case 413: return "body_too_large";
    case 414: return "uri_too_long";
    case 431: return "headers_too_large";
    case 501:
    case 505: return "unsupported";
    default: return "bad_request";
    }
}
} // namespace

Connection::Connection(QTcpSocket* socket, RequestHandler* handler, SelfMetrics* metrics,
                       const MetricsServerOptions& options, QObject* parent)
    : QObject(parent), m_socket(socket), m_handler(handler), m_metrics(metrics), m_options(options) {
    socket->setParent(this);
    // Responses go out in one or two writes; without TCP_NODELAY, Nagle's algorithm and the
    // client's delayed ACK hold the second one back for ~40 ms.
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // Once we stop consuming (pipelining or output limits), Qt stops reading from the kernel at
    // this size and TCP flow control pushes back on the client: memory stays bounded.
    socket->setReadBufferSize(options.maxRequestLineBytes + options.maxHeaderBytes + 4096);
    m_parser.setLimits({options.maxRequestLineBytes, options.maxHeaderBytes, options.maxHeaderCount,
                        qint64(options.maxBodyBytes)});
    connect(socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &Connection::onBytesWritten);
    connect(socket, &QTcpSocket::disconnected, this, &Connection::finish);
    connect(socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState)
            finish();
    });
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &Connection::onTimeout);
    // Qt's socket engine (a child of the socket) owns the notifier that tells it to read from
    // the kernel; see holdKernelReads(). Found once; if a Qt version lays its children out
    // differently, nothing is found and the hold is simply not applied.
    for (QSocketNotifier* n : socket->findChildren<QSocketNotifier*>()) {
        if (n->type() == QSocketNotifier::Read)
            m_readNotifiers.append(n);
    }
    m_metrics->connectionOpened();
    updateTimer();
    // Bytes that arrived with the connection (or during a TLS handshake) get no new readyRead.
    if (socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &Connection::onReadyRead, Qt::QueuedConnection);
}

Connection::~Connection() {
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    if (!m_finished)
        m_metrics->connectionClosed();
}

qint64 Connection::pendingOutput() const {
    return (m_socket ? m_socket->bytesToWrite() : 0) + (m_body.size() - m_bodyOffset);
}

bool Connection::paused() const {
    return int(m_queue.size()) >= m_options.maxPipelinedRequests ||
           pendingOutput() > m_options.maxPendingOutputBytes;
}

bool Connection::feedBody() {
    // Large bodies go to the socket a chunk at a time, topped up on bytesWritten: one event
    // then never copies megabytes into the kernel, so the loop stays responsive.
    static constexpr qint64 chunk = 256 * 1024;
    while (m_bodyOffset < m_body.size() && m_socket->bytesToWrite() < chunk) {
        const qint64 n = qMin(chunk, m_body.size() - m_bodyOffset);
        m_socket->write(m_body.constData() + m_bodyOffset, n);
        m_bodyOffset += n;
    }
    if (m_bodyOffset < m_body.size())
        return false;
    m_body.clear();
    m_bodyOffset = 0;
    if (m_closeAfterBody) {
        m_closeAfterBody = false;
        m_socket->disconnectFromHost(); // graceful: flushes what was written first
    }
    return true;
}

// Why: QAbstractSocket closes the whole socket — unsent output included — as soon as it reads
// the end of the stream. A client that half-closes after its request (shutdown(SHUT_WR), as
// `nc -N` or a `printf | nc` pipeline do) would then lose the answer still being prepared (found
// by tst_hostileclients). So while an answer is pending or still in Qt's write buffer, Qt is
// kept from reading the kernel at all: the FIN (and any further pipelined bytes) stay there
// until the answers have been handed to the kernel, and are read after. QIODevice::read()
// re-enables the notifier itself, so the hold is re-applied after every read.
void Connection::holdKernelReads(bool hold) {
    for (const QPointer<QSocketNotifier>& n : std::as_const(m_readNotifiers)) {
        if (n && n->isEnabled() == hold)
            n->setEnabled(!hold);
    }
}

void Connection::onReadyRead() { processInput(); }

void Connection::processInput() {
    // Re-entrancy guard: a handler may answer synchronously, and delivering resumes input.
    if (m_processing)
        return;
    m_processing = true;
    while (!m_finished && m_socket && !m_inputClosed && !paused()) {
        // Read only while not paused; otherwise bytes stay in the socket (see the constructor).
        if (m_socket->bytesAvailable() > 0)
            m_input += m_socket->readAll();
        if (m_input.isEmpty())
            break;
        if (m_requestDeadline.isForever())
            m_requestDeadline = QDeadlineTimer(m_options.requestTimeout);
        const auto result = m_parser.parse(m_input);
        if (result == http::RequestParser::Result::NeedMore)
            break;
        if (result == http::RequestParser::Result::Error) {
            m_metrics->countRejected(rejectReason(m_parser.errorStatus()));
            queueError(m_parser.errorStatus(), m_parser.errorMessage());
            break;
        }
        const http::Request request = m_parser.request();
        m_input.remove(0, m_parser.consumed());
        m_parser.reset();
        m_requestDeadline = QDeadlineTimer(QDeadlineTimer::Forever);

        Slot slot;
        slot.id = m_nextId++;
        slot.headOnly = request.method == "HEAD";
        slot.versionMinor = request.versionMinor;
        slot.keepAlive = request.keepAlive;
        if (!request.keepAlive)
            m_inputClosed = true; // RFC 9112 9.6: nothing after a request with "close" is read
        m_queue.push_back(std::move(slot));
        QPointer<Connection> self(this);
        const quint64 id = m_queue.back().id;
        m_handler->handle(request, [self, id](http::Response response) {
            if (self)
                self->deliver(id, std::move(response));
        });
    }
    m_processing = false;
    if (!m_finished && m_socket)
        holdKernelReads(!m_queue.empty() || pendingOutput() > 0);
    updateTimer();
}

void Connection::queueError(int status, const QByteArray& message) {
    queueFinal(http::Response::plain(status, QByteArray::number(status) + ' ' +
                                                 http::reasonPhrase(status) + ": " + message));
}

void Connection::rejectAndClose(http::Response response) {
    // The response goes in whole. (It used to be swapped into a queueError() slot afterwards —
    // but queueError() writes at once, so the placeholder went out and the 503's Retry-After
    // never did. Found by tst_hostileclients.)
    queueFinal(std::move(response));
}

void Connection::queueFinal(http::Response response) {
    Slot slot;
    slot.id = m_nextId++;
    slot.ready = true;
    slot.keepAlive = false;
    slot.response = std::move(response);
    slot.response.close = true;
    m_inputClosed = true;
    m_input.clear();
    m_queue.push_back(std::move(slot));
    writeReady();
}

void Connection::deliver(quint64 id, http::Response response) {
    for (Slot& slot : m_queue) {
        if (slot.id == id) {
            slot.response = std::move(response);
            slot.ready = true;
            break;
        }
    }
    writeReady();
    // Delivering may have unblocked a pipelined request that waits in m_input or the socket.
    processInput();
}

void Connection::writeReady() {
    if (m_finished || !m_socket)
        return;
    // A body still being fed keeps later responses (pipelining) waiting their turn.
    while (feedBody() && !m_queue.empty() && m_queue.front().ready) {
        Slot slot = std::move(m_queue.front());
        m_queue.pop_front();
        const bool keepAlive = slot.keepAlive && !slot.response.close;
        QByteArray head = http::serializeHead(slot.response, slot.versionMinor, keepAlive);
        const bool withBody = !slot.headOnly && !slot.response.body.isEmpty();
        m_metrics->addResponseBytes(head.size() + (withBody ? slot.response.body.size() : 0));
        if (withBody && slot.response.body.size() <= 16 * 1024) {
            head += slot.response.body; // small: one write, one TCP segment
            m_socket->write(head);
        } else {
            m_socket->write(head);
            if (withBody)
                m_body = slot.response.body; // shared, fed by feedBody()
        }
        if (!keepAlive) {
            m_inputClosed = true;
            m_queue.clear();
            m_input.clear();
            m_closeAfterBody = true;
            feedBody();
            break;
        }
    }
    if (m_socket && pendingOutput() > 0 && m_writeDeadline.isForever())
        m_writeDeadline = QDeadlineTimer(m_options.requestTimeout);
    updateTimer();
}

void Connection::onBytesWritten() {
    if (!m_socket)
        return;
    const bool wasPaused = paused();
    writeReady(); // feeds the body in progress, then any responses queued behind it
    // Progress: the client is reading, so the write timeout starts again.
    m_writeDeadline = pendingOutput() > 0 ? QDeadlineTimer(m_options.requestTimeout)
                                          : QDeadlineTimer(QDeadlineTimer::Forever);
    if ((wasPaused && !paused()) || (m_queue.empty() && pendingOutput() == 0))
        processInput(); // also lifts holdKernelReads() once everything is out
    updateTimer();
}

void Connection::onTimeout() {
    if (m_finished || !m_socket)
        return;
    if (m_writeDeadline.hasExpired()) {
        m_metrics->countRejected("timeout");
        abort();
        return;
    }
    if (m_requestDeadline.hasExpired()) {
        m_metrics->countRejected("timeout");
        m_requestDeadline = QDeadlineTimer(QDeadlineTimer::Forever);
        if (m_queue.empty() && pendingOutput() == 0)
            queueError(408, "request not received in time");
        else
            abort();
        return;
    }
    if (m_idleDeadline.hasExpired()) {
        m_socket->disconnectFromHost();
        return;
    }
    updateTimer();
}

void Connection::updateTimer() {
    if (m_finished || !m_socket)
        return;
    const bool idle = m_queue.empty() && m_input.isEmpty() && pendingOutput() == 0 &&
                      !m_inputClosed;
    if (!idle)
        m_idleDeadline = QDeadlineTimer(QDeadlineTimer::Forever);
    else if (m_idleDeadline.isForever())
        m_idleDeadline = QDeadlineTimer(m_options.idleTimeout);
    if (m_input.isEmpty())
        m_requestDeadline = QDeadlineTimer(QDeadlineTimer::Forever);
    qint64 next = -1;
    for (const QDeadlineTimer* d : {&m_writeDeadline, &m_requestDeadline, &m_idleDeadline}) {
        if (d->isForever())
            continue;
        const qint64 left = qMax<qint64>(0, d->remainingTime());
        next = next < 0 ? left : qMin(next, left);
    }
    if (next < 0)
        m_timer.stop();
    else
        m_timer.start(int(qMin<qint64>(next, std::numeric_limits<int>::max())));
}

void Connection::abort() {
    if (m_socket)
        m_socket->abort();
    finish();
}

void Connection::finish() {
    if (m_finished)
        return;
    m_finished = true;
    m_timer.stop();
    m_queue.clear();
    m_metrics->connectionClosed();
    emit closed(this);
}

} // namespace promqt::detail
