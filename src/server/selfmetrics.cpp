// SPDX-License-Identifier: MIT
#include "server/selfmetrics.h"

namespace promqt::detail {

SelfMetrics::SelfMetrics()
    : m_registry(std::make_shared<prometheus::Registry>()),
      m_scrapes(prometheus::BuildCounter()
                    .Name("promqt_exposer_scrapes_total")
                    .Help("HTTP requests answered by the promqt exposer, by path and status code.")
                    .Register(*m_registry)),
      m_bytes(prometheus::BuildCounter()
                  .Name("promqt_exposer_response_bytes_total")
                  .Help("Bytes of HTTP responses (head and body) written by the promqt exposer.")
                  .Register(*m_registry)
                  .Add({})),
      m_duration(prometheus::BuildHistogram()
                     .Name("promqt_exposer_scrape_duration_seconds")
                     .Help("Seconds from a complete metrics request to its response being ready "
                           "(collect, serialize, compress).")
                     .Register(*m_registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                                      0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                                      2.5})),
      m_connections(prometheus::BuildGauge()
                        .Name("promqt_exposer_connections")
                        .Help("Open HTTP connections of the promqt exposer.")
                        .Register(*m_registry)
                        .Add({})),
      m_rejected(prometheus::BuildCounter()
                     .Name("promqt_exposer_rejected_requests_total")
                     .Help("Requests and connections the promqt exposer refused, by reason.")
                     .Register(*m_registry)) {
    auto& formats = prometheus::BuildCounter()
                        .Name("promqt_exposer_metrics_responses_total")
                        .Help("Metrics bodies served, by negotiated format and content encoding.")
                        .Register(*m_registry);
    for (int om = 0; om < 2; ++om)
        for (int gz = 0; gz < 2; ++gz)
            m_formats[om][gz] = &formats.Add({{"format", om ? "openmetrics" : "text"},
                                              {"encoding", gz ? "gzip" : "identity"}});
}

void SelfMetrics::countFormat(bool openMetrics, bool gzip) { m_formats[openMetrics][gzip]->Increment(); }

void SelfMetrics::countResponse(const QString& path, int code) {
    const auto key = qMakePair(path, code);
    prometheus::Counter*& counter = m_scrapeCounters[key];
    if (!counter)
        counter = &m_scrapes.Add({{"path", path.toStdString()}, {"code", std::to_string(code)}});
    counter->Increment();
}

void SelfMetrics::countRejected(const char* reason) {
    prometheus::Counter*& counter = m_rejectedCounters[QByteArray(reason)];
    if (!counter)
        counter = &m_rejected.Add({{"reason", reason}});
    counter->Increment();
}

} // namespace promqt::detail
