// SPDX-License-Identifier: MIT
// Decides which families are written, under which name, and merges repeated names.
#pragma once

#include "exposition/samplewriter.h"

#include <prometheus/metric_family.h>

#include <string_view>
#include <vector>

namespace promqt::detail {

/// One family block of the output: HELP and TYPE come from `head`, the samples from `head`
/// followed by `more` (families of the same name and type that came later in the input).
struct FamilyGroup {
    const prometheus::MetricFamily* head = nullptr;
    std::string_view name; ///< the name on the HELP/TYPE lines (and the samples' base name)
    std::vector<const prometheus::MetricFamily*> more;
};

/// The name a family is exposed under: its own name, except that OpenMetrics counter families
/// drop a trailing `_total` (the samples get it back), as the OpenMetrics spec names them.
std::string_view exposedFamilyName(const prometheus::MetricFamily& family, Syntax syntax);

/// Groups `families` for writing, in input order. Families whose name is not a valid metric
/// name are dropped (they cannot be written parseably). When several families share an exposed
/// name — several collectables on one path each exporting e.g. `process_cpu_seconds_total` —
/// their samples are merged under the first one, since a repeated HELP/TYPE block makes the
/// output invalid; a later family of that name with a *different* type is dropped for the same
/// reason. Pointers refer into `families`.
std::vector<FamilyGroup> groupFamilies(const std::vector<prometheus::MetricFamily>& families, Syntax syntax);

} // namespace promqt::detail
