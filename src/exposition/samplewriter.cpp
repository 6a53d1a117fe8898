// SPDX-License-Identifier: MIT
// The parts of a family block that are the same in both formats but for small spellings: the
// HELP and TYPE lines, and which sample lines each metric type produces.
#include "exposition/samplewriter.h"

#include "exposition/familygroups.h"

#include <cmath>

namespace promqt::detail {

using prometheus::MetricType;

namespace {

std::string_view typeName(MetricType type, Syntax syntax) {
    switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Summary: return "summary";
    case MetricType::Histogram: return "histogram";
    case MetricType::Untyped: break;
    }
    return syntax == Syntax::Text ? "untyped" : "unknown"; // "unknown" is OpenMetrics' name for it
}

} // namespace

void SampleWriter::writeHelp(std::string_view name, std::string_view help) {
    // Like prometheus-cpp's TextSerializer, an empty HELP is left out rather than written as
    // "# HELP name " — but unlike it, the HELP text is escaped, so a newline in it cannot break
    // the output.
    if (help.empty())
        return;
    m_out.append("# HELP ", 7);
    m_out.append(name.data(), name.size());
    m_out.push_back(' ');
    appendEscapedHelp(m_out, help, m_syntax == Syntax::OpenMetrics);
    m_out.push_back('\n');
}

void SampleWriter::writeType(std::string_view name, MetricType type) {
    m_out.append("# TYPE ", 7);
    m_out.append(name.data(), name.size());
    m_out.push_back(' ');
    const std::string_view spelling = typeName(type, m_syntax);
    m_out.append(spelling.data(), spelling.size());
    m_out.push_back('\n');
}

void SampleWriter::writeSamples(const FamilyGroup& group) {
    writeSamples(group.name, *group.head);
    for (const auto* more : group.more)
        writeSamples(group.name, *more);
}

void SampleWriter::writeSamples(std::string_view name, const prometheus::MetricFamily& family) {
    // `le` and `quantile` use the same spelling in both formats ("0.5", "1", "+Inf"), so a bucket
    // series keeps its identity when Prometheus switches between text and OpenMetrics.
    ExtraLabelCache extraLabels;
    const std::string_view reservedLabel = family.type == MetricType::Histogram ? "le"
                                           : family.type == MetricType::Summary ? "quantile"
                                                                                : std::string_view();
    // In OpenMetrics the counter family is named without `_total` (see exposedFamilyName); its
    // one sample has it.
    const std::string_view counterSuffix = m_syntax == Syntax::OpenMetrics ? "_total" : std::string_view();
    for (const auto& metric : family.metric) {
        if (!setMetric(metric, reservedLabel))
            continue;
        switch (family.type) {
        case MetricType::Counter: write(name, counterSuffix, metric.counter.value); break;
        case MetricType::Gauge: write(name, {}, metric.gauge.value); break;
        case MetricType::Untyped: write(name, {}, metric.untyped.value); break;
        case MetricType::Summary:
            for (std::size_t i = 0; i < metric.summary.quantile.size(); ++i) {
                const auto& quantile = metric.summary.quantile[i];
                writeWithExtraLabel(name, {}, "quantile", extraLabels.format(i, quantile.quantile), quantile.value);
            }
            write(name, "_sum", metric.summary.sample_sum);
            write(name, "_count", metric.summary.sample_count);
            break;
        case MetricType::Histogram: {
            const auto& buckets = metric.histogram.bucket;
            for (std::size_t i = 0; i < buckets.size(); ++i) {
                writeWithExtraLabel(name, "_bucket", "le", extraLabels.format(i, buckets[i].upper_bound),
                                    buckets[i].cumulative_count);
            }
            // prometheus-cpp's own histograms end with +Inf; a hand-made ClientMetric may not,
            // and OpenMetrics requires the +Inf bucket.
            if (buckets.empty() || !(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0))
                writeWithExtraLabel(name, "_bucket", "le", "+Inf", metric.histogram.sample_count);
            write(name, "_sum", metric.histogram.sample_sum);
            write(name, "_count", metric.histogram.sample_count);
            break;
        }
        }
    }
}

} // namespace promqt::detail
