// SPDX-License-Identifier: MIT
// The exposer's own metrics (promqt_exposer_*). Updated on the server's thread; collected from
// the scrape pool (prometheus-cpp metrics are thread-safe).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <QByteArray>
#include <QHash>
#include <QString>

#include <memory>

namespace promqt::detail {

class SelfMetrics {
public:
    SelfMetrics();

    std::shared_ptr<prometheus::Registry> registry() const { return m_registry; }

    /// One answered request: `path` is a served path, "/" or "other" (bounded cardinality).
    void countResponse(const QString& path, int code);
    /// One metrics body served, by exposition format ("text", "openmetrics") and encoding.
    void countFormat(bool openMetrics, bool gzip);
    void addResponseBytes(qint64 bytes) { m_bytes.Increment(static_cast<double>(bytes)); }
    void observeScrape(double seconds) { m_duration.Observe(seconds); }
    void connectionOpened() { m_connections.Increment(); }
    void connectionClosed() { m_connections.Decrement(); }
    /// A request or connection refused before routing: "bad_request", "uri_too_long",
    /// "headers_too_large", "body_too_large", "too_many_connections", "unauthorized", "timeout",
    /// "unsupported", "backpressure".
    void countRejected(const char* reason);

private:
    std::shared_ptr<prometheus::Registry> m_registry;
    prometheus::Family<prometheus::Counter>& m_scrapes;
    prometheus::Counter& m_bytes;
    prometheus::Histogram& m_duration;
    prometheus::Gauge& m_connections;
    prometheus::Family<prometheus::Counter>& m_rejected;
    prometheus::Counter* m_formats[2][2]; // [openMetrics][gzip]
    QHash<QPair<QString, int>, prometheus::Counter*> m_scrapeCounters; // cache: Add() hashes labels
    QHash<QByteArray, prometheus::Counter*> m_rejectedCounters;
};

} // namespace promqt::detail
