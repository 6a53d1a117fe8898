// SPDX-License-Identifier: MIT
// MetricsServer's private implementation: owns the listening socket, the connections, the
// scrape engine and the router that turns requests into responses.
#pragma once

#include <promqt/metricsserver.h>

#include "server/basicauth.h"
#include "server/connection.h"
#include "server/pathregistry.h"
#include "server/scrapeengine.h"
#include "server/selfmetrics.h"

#include <QSslConfiguration>
#include <QTcpServer>

#include <set>

namespace promqt {

class MetricsServerPrivate : public detail::RequestHandler {
public:
    explicit MetricsServerPrivate(MetricsServer* q);
    ~MetricsServerPrivate() override;

    void handle(const http::Request& request, Respond respond) override;
    void acceptConnections();
    void closeAll();
    http::Response rootPage() const;
    QString pathLabel(const QByteArray& path, bool served) const;

    MetricsServer* q;
    MetricsServerOptions options;
    detail::PathRegistry paths;
    detail::SelfMetrics self;
    detail::BasicAuth auth;
    QSslConfiguration ssl;
    std::unique_ptr<QTcpServer> server;
    std::set<detail::Connection*> connections;
    std::unique_ptr<detail::ScrapeEngine> engine;
    QString errorString;
};

} // namespace promqt
