// SPDX-License-Identifier: MIT
#include "exposition/sizeestimate.h"

namespace promqt::detail {

std::size_t estimateExpositionSize(const std::vector<prometheus::MetricFamily>& families) {
    std::size_t total = 0;
    for (const auto& family : families) {
        total += 2 * family.name.size() + family.help.size() + 32; // HELP and TYPE lines
        if (family.metric.empty())
            continue;
        const auto& first = family.metric.front();
        std::size_t labelBytes = 0;
        for (const auto& label : first.label)
            labelBytes += label.name.size() + label.value.size() + 4;
        // name, suffix, braces, extra label, value, timestamp and newline
        const std::size_t lineBytes = family.name.size() + labelBytes + 48;
        std::size_t lines = 1;
        switch (family.type) {
        case prometheus::MetricType::Summary: lines = first.summary.quantile.size() + 2; break;
        case prometheus::MetricType::Histogram: lines = first.histogram.bucket.size() + 3; break;
        default: break;
        }
        total += family.metric.size() * lines * lineBytes;
    }
    return total;
}

} // namespace promqt::detail
