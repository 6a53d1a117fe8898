// Uses an installed promqt: an adapter, the server and a real scrape of itself.
#include <promqt/future.h>
#include <promqt/metricsserver.h>
#include <promqt/version.h>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QCoreApplication>
#include <QPromise>
#include <QTcpSocket>

#include <cstdio>

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    auto registry = std::make_shared<prometheus::Registry>();
    auto& hist = prometheus::BuildHistogram().Name("consumer_seconds").Register(*registry).Add({}, prometheus::Histogram::BucketBoundaries{1});
    QPromise<int> promise;
    promise.start();
    QFuture<int> timed = promqt::time(hist, promise.future());
    promise.addResult(1);
    promise.finish();
    if (timed.result() != 1)
        return 1;

    promqt::MetricsServer server;
    server.registerCollectable(registry);
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 2;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QByteArray response;
    QObject::connect(&socket, &QTcpSocket::connected, [&] { socket.write("GET /metrics HTTP/1.0\r\n\r\n"); });
    QObject::connect(&socket, &QTcpSocket::readyRead, [&] { response += socket.readAll(); });
    QObject::connect(&socket, &QTcpSocket::disconnected, &app, &QCoreApplication::quit);
    app.exec();
    std::printf("promqt %s\n%s\n", promqt::version(), response.constData());
    return response.contains("consumer_seconds_count 1") ? 0 : 3;
}
