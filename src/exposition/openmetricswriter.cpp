// SPDX-License-Identifier: MIT
// OpenMetrics text 1.0.0.
#include <promqt/exposition.h>

#include "exposition/familygroups.h"
#include "exposition/samplewriter.h"
#include "exposition/sizeestimate.h"

namespace promqt {

void writeOpenMetrics(const std::vector<prometheus::MetricFamily>& families, std::string& out) {
    out.reserve(out.size() + detail::estimateExpositionSize(families) + 6);
    detail::SampleWriter lines(out, detail::Syntax::OpenMetrics);
    for (const auto& group : detail::groupFamilies(families, detail::Syntax::OpenMetrics)) {
        lines.writeType(group.name, group.head->type);
        lines.writeHelp(group.name, group.head->help);
        lines.writeSamples(group);
    }
    out.append("# EOF\n", 6);
}

} // namespace promqt
