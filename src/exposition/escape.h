// SPDX-License-Identifier: MIT
// Escaping and name checks shared by the text and OpenMetrics writers.
#pragma once

#include <string>
#include <string_view>

namespace promqt::detail {

/// Appends a label value for use between double quotes: `\` → `\\`, `"` → `\"`, newline → `\n`
/// (both formats use the same rules). Bytes that are not well-formed UTF-8 are replaced by
/// U+FFFD, because Prometheus rejects a whole scrape over one invalid label value.
void appendEscapedLabelValue(std::string& out, std::string_view value);

/// Appends HELP text: `\` → `\\` and newline → `\n`; with `escapeQuotes` (OpenMetrics) also
/// `"` → `\"`. Invalid UTF-8 is replaced by U+FFFD as for label values.
void appendEscapedHelp(std::string& out, std::string_view help, bool escapeQuotes);

/// `[a-zA-Z_:][a-zA-Z0-9_:]*` — what both formats accept unquoted as a metric name.
bool isValidMetricName(std::string_view name);

/// `[a-zA-Z_][a-zA-Z0-9_]*` — what both formats accept as a label name.
bool isValidLabelName(std::string_view name);

} // namespace promqt::detail
