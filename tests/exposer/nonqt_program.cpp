// SPDX-License-Identifier: MIT
// A C++ program with no Qt event loop and no QCoreApplication — the prometheus-cpp user who
// replaces civetweb's Exposer with ThreadedMetricsServer. Plain POSIX sockets as the client.
// Exit code 0 means every check passed (a ctest test).
#include <promqt/metricsserver.h>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace {

std::string fetch(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return {};
    }
    const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) < 0) {
        ::close(fd);
        return {};
    }
    std::string response;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        response.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return response;
}

int check(bool ok, const char* what) {
    std::printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
    return ok ? 0 : 1;
}

} // namespace

int main() {
    int failures = 0;
    auto registry = std::make_shared<prometheus::Registry>();
    auto& counter = prometheus::BuildCounter().Name("plain_cpp_events_total").Register(*registry).Add({});
    counter.Increment(7);
    for (int round = 0; round < 2; ++round) { // twice: the hosted application restarts cleanly
        // `second` starts while `server` hosts the application, and outlives it.
        promqt::ThreadedMetricsServer server;
        server.registerCollectable(registry);
        failures += check(server.listen(QHostAddress::LocalHost, 0), "listen without QCoreApplication");
        const std::string body = fetch(server.serverPort());
        failures += check(body.find("HTTP/1.0 200 OK") == 0, "status line");
        failures += check(body.find("plain_cpp_events_total 7") != std::string::npos, "metric served");
        promqt::ThreadedMetricsServer second;
        failures += check(!second.listen(QHostAddress::LocalHost, server.serverPort()), "busy port refused");
        failures += check(!second.errorString().isEmpty(), "busy port explained");
        second.registerCollectable(registry);
        failures += check(second.listen(QHostAddress::LocalHost, 0), "second server listens elsewhere");
        const int stoppedPort = server.serverPort();
        server.stop();
        failures += check(fetch(stoppedPort).empty(), "stopped server refuses connections");
        // The first server hosted the application; the second must keep serving without it.
        failures += check(fetch(second.serverPort()).find("plain_cpp_events_total 7") != std::string::npos,
                          "second server outlives the first");
    }
    std::printf("%d passed, %d failed\n", 16 - failures, failures);
    return failures == 0 ? 0 : 1;
}
