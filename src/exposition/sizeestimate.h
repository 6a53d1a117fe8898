// SPDX-License-Identifier: MIT
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <vector>

namespace promqt::detail {

/// A cheap upper-ish guess of the bytes a writer will append for `families`, from the first
/// metric of each family (so O(families), not O(samples)). Used to reserve the output once
/// instead of letting it double its way up through the copies.
std::size_t estimateExpositionSize(const std::vector<prometheus::MetricFamily>& families);

} // namespace promqt::detail
