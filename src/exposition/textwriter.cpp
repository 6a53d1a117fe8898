// SPDX-License-Identifier: MIT
// The Prometheus text format 0.0.4.
#include <promqt/exposition.h>

#include "exposition/familygroups.h"
#include "exposition/samplewriter.h"
#include "exposition/sizeestimate.h"

namespace promqt {

void writeText(const std::vector<prometheus::MetricFamily>& families, std::string& out) {
    out.reserve(out.size() + detail::estimateExpositionSize(families));
    detail::SampleWriter lines(out, detail::Syntax::Text);
    for (const auto& group : detail::groupFamilies(families, detail::Syntax::Text)) {
        lines.writeHelp(group.name, group.head->help);
        lines.writeType(group.name, group.head->type);
        lines.writeSamples(group);
    }
}

} // namespace promqt
