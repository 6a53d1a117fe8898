// SPDX-License-Identifier: MIT
#include "exposition/numberformat.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace promqt::detail {

namespace {

// Two digits at a time: halves the divisions of the naive loop. Counters and bucket counts are
// the bulk of every scrape, so this path is worth the table.
constexpr char kDigitPairs[] =
    "00010203040506070809"
    "10111213141516171819"
    "20212223242526272829"
    "30313233343536373839"
    "40414243444546474849"
    "50515253545556575859"
    "60616263646566676869"
    "70717273747576777879"
    "80818283848586878889"
    "90919293949596979899";

// Writes the digits of `value` so that they end at `end`; returns the first digit.
char* formatUIntBackwards(char* end, std::uint64_t value) {
    char* p = end;
    while (value >= 100) {
        const auto pair = static_cast<unsigned>(value % 100) * 2;
        value /= 100;
        *--p = kDigitPairs[pair + 1];
        *--p = kDigitPairs[pair];
    }
    if (value >= 10) {
        const auto pair = static_cast<unsigned>(value) * 2;
        *--p = kDigitPairs[pair + 1];
        *--p = kDigitPairs[pair];
    } else {
        *--p = static_cast<char>('0' + value);
    }
    return p;
}

} // namespace

void appendUInt(std::string& out, std::uint64_t value) {
    char buffer[24];
    char* const end = buffer + sizeof buffer;
    const char* begin = formatUIntBackwards(end, value);
    out.append(begin, static_cast<std::size_t>(end - begin));
}

void appendInt(std::string& out, std::int64_t value) {
    char buffer[24];
    char* const end = buffer + sizeof buffer;
    // Negate in unsigned arithmetic so that INT64_MIN does not overflow.
    const bool negative = value < 0;
    const std::uint64_t magnitude =
        negative ? std::uint64_t{0} - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    char* begin = formatUIntBackwards(end, magnitude);
    if (negative)
        *--begin = '-';
    out.append(begin, static_cast<std::size_t>(end - begin));
}

void appendDouble(std::string& out, double value) {
    if (std::isnan(value)) {
        out.append("NaN", 3);
        return;
    }
    if (std::isinf(value)) {
        out.append(value > 0 ? "+Inf" : "-Inf", 4);
        return;
    }
    // Integral values below 2^63 are printed exactly as integers: this is both the common case
    // (counters, counts, whole-number gauges) and much cheaper than the shortest-digits search,
    // and it keeps "1000000" readable where to_chars would pick the shorter "1e+06". Every such
    // double is an integer in [-2^63, 2^63), so the conversion is exact and round-trips.
    constexpr double kTwo63 = 9223372036854775808.0;
    if (value > -kTwo63 && value < kTwo63 && std::trunc(value) == value) {
        if (value == 0.0 && std::signbit(value)) {
            out.append("-0", 2);
            return;
        }
        appendInt(out, static_cast<std::int64_t>(value));
        return;
    }
    // Shortest representation that reads back to the same double, in the "C" style whatever
    // the global locale is (to_chars never consults it).
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    // 32 bytes always suffice for a shortest double ("-2.2250738585072014e-308" is 24).
    out.append(buffer, static_cast<std::size_t>(result.ptr - buffer));
}

void appendMillisAsSeconds(std::string& out, std::int64_t milliseconds) {
    const bool negative = milliseconds < 0;
    const std::uint64_t magnitude = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(milliseconds)
                                             : static_cast<std::uint64_t>(milliseconds);
    if (negative)
        out.push_back('-');
    appendUInt(out, magnitude / 1000);
    unsigned fraction = static_cast<unsigned>(magnitude % 1000);
    if (fraction == 0)
        return;
    char digits[4] = {'.', static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                      static_cast<char>('0' + fraction % 10)};
    std::size_t length = 4;
    while (digits[length - 1] == '0') // trailing zeros add nothing: ".5", not ".500"
        --length;
    out.append(digits, length);
}

} // namespace promqt::detail
