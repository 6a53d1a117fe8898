// SPDX-License-Identifier: MIT
#include <promqt/exposition.h>

namespace promqt {

std::string serialize(const std::vector<prometheus::MetricFamily>& families, ExpositionFormat format) {
    std::string out;
    if (format == ExpositionFormat::OpenMetrics)
        writeOpenMetrics(families, out);
    else
        writeText(families, out);
    return out;
}

} // namespace promqt
