// SPDX-License-Identifier: MIT
// Locale-independent number formatting for the exposition writers.
#pragma once

#include <cstdint>
#include <string>

namespace promqt::detail {

/// Appends `value` as Prometheus expects a sample value: "NaN", "+Inf", "-Inf", integral values
/// (|v| < 2^63) as plain integers ("1000000", not "1e+06"; "-0" keeps its sign), everything else
/// as the shortest string that parses back to the same double (std::to_chars, never the locale).
void appendDouble(std::string& out, double value);

/// Appends the decimal digits of `value` (no sign, no grouping).
void appendUInt(std::string& out, std::uint64_t value);

/// Appends `value` with a leading '-' when negative.
void appendInt(std::string& out, std::int64_t value);

/// Appends a millisecond timestamp as exact decimal seconds ("1700000000.123", "-0.5", "12"),
/// as OpenMetrics wants timestamps; no floating-point rounding is involved.
void appendMillisAsSeconds(std::string& out, std::int64_t milliseconds);

} // namespace promqt::detail
