// SPDX-License-Identifier: MIT
// Plain POSIX loopback sockets for the hardening tests: many idle or misbehaving clients cost
// one file descriptor each (no QTcpSocket, no socket notifier, no event loop), and a blocking
// scrape measures the server's latency without an event loop's polling granularity. Use them
// against a server that runs in another thread (ThreadedMetricsServer), or non-blocking.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace promqt::test {

/// Starts a non-blocking connect to 127.0.0.1:port; -1 on failure.
inline int startConnect(quint16 port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// Waits until a non-blocking connect finished; true if connected.
inline bool finishConnect(int fd, int timeoutMs) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, timeoutMs) != 1)
        return false;
    int err = 0;
    socklen_t len = sizeof err;
    return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

/// Sends all of `bytes` on a (possibly non-blocking) socket, waiting up to `timeoutMs`.
inline bool sendAll(int fd, const QByteArray& bytes, int timeoutMs = 5000) {
    QElapsedTimer t;
    t.start();
    qsizetype sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.constData() + sent, size_t(bytes.size() - sent), MSG_NOSIGNAL);
        if (n > 0) {
            sent += n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return false;
        const qint64 left = timeoutMs - t.elapsed();
        pollfd p{fd, POLLOUT, 0};
        if (left <= 0 || ::poll(&p, 1, int(left)) != 1)
            return false;
    }
    return true;
}

/// What a peer did with a connection, looked at without blocking.
enum class PeerState { Open, DataAvailable, Closed };
inline PeerState peerState(int fd) {
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0)
        return PeerState::DataAvailable;
    if (n == 0)
        return PeerState::Closed;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? PeerState::Open : PeerState::Closed;
}

/// Reads everything until the peer closes (or `timeoutMs`); returns what arrived.
inline QByteArray readUntilClosed(int fd, int timeoutMs) {
    QByteArray out;
    QElapsedTimer t;
    t.start();
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            out.append(buf, n);
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            return out;
        const qint64 left = timeoutMs - t.elapsed();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, int(left)) < 0)
            return out;
    }
}

struct BlockingResponse {
    int status = 0;
    qsizetype bodySize = 0;
    QByteArray body;
};

/// One request on a fresh connection, answered with Content-Length framing; status 0 on
/// failure or timeout. Blocks the calling thread: use against a server in another thread.
inline BlockingResponse blockingRequest(quint16 port, const QByteArray& request, int timeoutMs = 5000) {
    BlockingResponse r;
    const int fd = startConnect(port);
    if (fd < 0)
        return r;
    QElapsedTimer t;
    t.start();
    if (!finishConnect(fd, timeoutMs) || !sendAll(fd, request, timeoutMs)) {
        ::close(fd);
        return r;
    }
    QByteArray in;
    char buf[65536];
    qsizetype headEnd = -1;
    qint64 length = -1;
    while (t.elapsed() < timeoutMs) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            in.append(buf, n);
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            break;
        } else {
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, int(qMax<qint64>(1, timeoutMs - t.elapsed())));
            continue;
        }
        if (headEnd < 0 && (headEnd = in.indexOf("\r\n\r\n")) >= 0) {
            const QByteArray head = in.left(headEnd).toLower();
            const qsizetype cl = head.indexOf("\r\ncontent-length:");
            length = cl < 0 ? 0 : head.mid(cl + 17, head.indexOf('\r', cl + 2) - cl - 17).trimmed().toLongLong();
            r.status = in.mid(9, 3).toInt();
        }
        if (headEnd >= 0 && in.size() - headEnd - 4 >= length) {
            r.body = in.mid(headEnd + 4, length);
            r.bodySize = r.body.size();
            ::close(fd);
            return r;
        }
    }
    ::close(fd);
    r.status = 0;
    return r;
}

/// Raises the soft open-files limit to at least `wanted` (up to the hard limit); returns the
/// resulting soft limit.
inline rlim_t raiseFileLimit(rlim_t wanted) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < wanted) {
        lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? wanted : qMin(wanted, lim.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &lim);
        ::getrlimit(RLIMIT_NOFILE, &lim);
    }
    return lim.rlim_cur;
}

/// Current resident set size of this process, in KiB (-1 if unknown).
inline qint64 residentKiB() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long long kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmRSS: %lld kB", &kib) == 1)
            break;
    std::fclose(f);
    return kib;
}

} // namespace promqt::test
