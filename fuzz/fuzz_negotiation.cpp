// SPDX-License-Identifier: MIT
// Accept and Accept-Encoding parsing from arbitrary bytes: no crash, no UB, and the answers obey
// the rules that do not depend on parsing details.
#include <promqt/exposition.h>

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

namespace {

bool containsIgnoringCase(QByteArrayView haystack, const char* needle) {
    return QByteArray(haystack.data(), haystack.size()).toLower().contains(needle);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArrayView input(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));

    const promqt::ExpositionFormat format = promqt::negotiateFormat(input);
    // OpenMetrics must be named to be chosen.
    if (format == promqt::ExpositionFormat::OpenMetrics && !containsIgnoringCase(input, "application/openmetrics-text"))
        std::abort();
    if (promqt::negotiateFormat(input) != format) // deterministic, no hidden state
        std::abort();

    const bool gzip = promqt::acceptsGzip(input);
    if (gzip && !containsIgnoringCase(input, "gzip") && !input.contains('*'))
        std::abort();
    return 0;
}
