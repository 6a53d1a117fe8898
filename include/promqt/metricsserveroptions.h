// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// The tunables of MetricsServer and ThreadedMetricsServer, with safe defaults for a metrics
/// endpoint that may be reachable from a whole network.

#include <QtGlobal>

#include <chrono>

namespace promqt {

/// A plain value type; copy it, change fields, pass it to MetricsServer::setOptions().
struct MetricsServerOptions {
    /// Longest request line ("GET /metrics HTTP/1.1") in bytes; longer gets 414.
    int maxRequestLineBytes = 8 * 1024;
    /// Largest header section (all header lines together) in bytes; larger gets 431.
    int maxHeaderBytes = 16 * 1024;
    /// Most header lines in one request; more gets 431.
    int maxHeaderCount = 100;
    /// Largest request body the server reads and discards (metrics requests have none); larger
    /// gets 413.
    int maxBodyBytes = 64 * 1024;
    /// Most simultaneous connections; one more is answered 503 and closed.
    int maxConnections = 256;
    /// Most requests queued on one connection (pipelining) before the server stops reading it.
    int maxPipelinedRequests = 32;
    /// Unsent response bytes on one connection above which the server stops reading further
    /// requests from it (a client that never reads cannot grow the server's memory).
    qint64 maxPendingOutputBytes = 8 * 1024 * 1024;
    /// Time a client has, from the first byte of a request, to send the whole request head;
    /// also the longest a pending response may make no write progress. Then: closed.
    std::chrono::milliseconds requestTimeout{10'000};
    /// A keep-alive connection with no request in progress is closed after this long.
    std::chrono::milliseconds idleTimeout{60'000};
    /// gzip responses when the client accepts it.
    bool compression = true;
    /// zlib level for gzip: 1 is fastest and, measured on metrics text, within a few percent of
    /// level 6's size (see docs/exposer.md).
    int compressionLevel = 1;
    /// Serve promqt_exposer_* metrics on every path.
    bool selfMetrics = true;
    /// Scrapes whose last collection took less than this run inline on the event loop (cheaper
    /// than a thread hop); slower ones, and the first scrape of a path, run on the thread pool.
    std::chrono::microseconds inlineScrapeBudget{500};
    /// Threads of the private scrape pool.
    int scrapeThreads = 2;
};

} // namespace promqt
