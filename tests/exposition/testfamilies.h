// SPDX-License-Identifier: MIT
// Hand-made families and metrics (what a custom prometheus::Collectable returns), shared by the
// writer suites.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <string>
#include <utility>
#include <vector>

namespace promqt::test {

inline prometheus::MetricFamily family(const std::string& name, prometheus::MetricType type,
                                       std::vector<prometheus::ClientMetric> metrics = {},
                                       const std::string& help = {}) {
    prometheus::MetricFamily f;
    f.name = name;
    f.type = type;
    f.help = help;
    f.metric = std::move(metrics);
    return f;
}

inline prometheus::ClientMetric counterMetric(double value,
                                              std::vector<prometheus::ClientMetric::Label> labels = {}) {
    prometheus::ClientMetric m;
    m.counter.value = value;
    m.label = std::move(labels);
    return m;
}

inline prometheus::ClientMetric gaugeMetric(double value,
                                            std::vector<prometheus::ClientMetric::Label> labels = {}) {
    prometheus::ClientMetric m;
    m.gauge.value = value;
    m.label = std::move(labels);
    return m;
}

} // namespace promqt::test
