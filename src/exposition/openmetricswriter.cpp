// SPDX-License-Identifier: MIT
// OpenMetrics text 1.0.0.
#include <promqt/exposition.h>

#include "exposition/escape.h"
#include "exposition/familygroups.h"
#include "exposition/samplewriter.h"
#include "exposition/sizeestimate.h"

#include <cmath>

namespace promqt {

namespace {

using prometheus::MetricType;

std::string_view typeName(MetricType type) {
    switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Summary: return "summary";
    case MetricType::Histogram: return "histogram";
    case MetricType::Untyped: break;
    }
    return "unknown"; // OpenMetrics' name for untyped
}

void writeSamples(detail::SampleWriter& lines, std::string_view name, const prometheus::MetricFamily& family) {
    // `le` and `quantile` use the same spelling in both formats ("0.5", "1", "+Inf"), so a bucket
    // series keeps its identity when Prometheus switches between text and OpenMetrics.
    detail::ExtraLabelCache extraLabels;
    const std::string_view reservedLabel = family.type == MetricType::Histogram ? "le"
                                           : family.type == MetricType::Summary ? "quantile"
                                                                                : std::string_view();
    for (const auto& metric : family.metric) {
        if (!lines.setMetric(metric, reservedLabel))
            continue;
        switch (family.type) {
        // The family is named without `_total` (see exposedFamilyName); its one sample has it.
        case MetricType::Counter: lines.write(name, "_total", metric.counter.value); break;
        case MetricType::Gauge: lines.write(name, {}, metric.gauge.value); break;
        case MetricType::Untyped: lines.write(name, {}, metric.untyped.value); break;
        case MetricType::Summary:
            for (std::size_t i = 0; i < metric.summary.quantile.size(); ++i) {
                const auto& quantile = metric.summary.quantile[i];
                lines.writeWithExtraLabel(name, {}, "quantile", extraLabels.format(i, quantile.quantile),
                                          quantile.value);
            }
            lines.write(name, "_sum", metric.summary.sample_sum);
            lines.write(name, "_count", metric.summary.sample_count);
            break;
        case MetricType::Histogram: {
            const auto& buckets = metric.histogram.bucket;
            for (std::size_t i = 0; i < buckets.size(); ++i) {
                lines.writeWithExtraLabel(name, "_bucket", "le", extraLabels.format(i, buckets[i].upper_bound),
                                          buckets[i].cumulative_count);
            }
            // OpenMetrics requires the +Inf bucket; prometheus-cpp's histograms always have it.
            if (buckets.empty() || !(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0))
                lines.writeWithExtraLabel(name, "_bucket", "le", "+Inf", metric.histogram.sample_count);
            lines.write(name, "_sum", metric.histogram.sample_sum);
            lines.write(name, "_count", metric.histogram.sample_count);
            break;
        }
        }
    }
}

} // namespace

void writeOpenMetrics(const std::vector<prometheus::MetricFamily>& families, std::string& out) {
    out.reserve(out.size() + detail::estimateExpositionSize(families) + 6);
    detail::SampleWriter lines(out, detail::Syntax::OpenMetrics);
    for (const auto& group : detail::groupFamilies(families, detail::Syntax::OpenMetrics)) {
        const auto& family = *group.head;
        out.append("# TYPE ", 7);
        out.append(group.name.data(), group.name.size());
        out.push_back(' ');
        const std::string_view type = typeName(family.type);
        out.append(type.data(), type.size());
        out.push_back('\n');
        if (!family.help.empty()) {
            out.append("# HELP ", 7);
            out.append(group.name.data(), group.name.size());
            out.push_back(' ');
            detail::appendEscapedHelp(out, family.help, true);
            out.push_back('\n');
        }
        writeSamples(lines, group.name, family);
        for (const auto* more : group.more)
            writeSamples(lines, group.name, *more);
    }
    out.append("# EOF\n", 6);
}

} // namespace promqt
