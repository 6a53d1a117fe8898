// SPDX-License-Identifier: MIT
#include "exposition/escape.h"

#include <array>
#include <cstdint>

namespace promqt::detail {

namespace {

// Per-byte classes, built once at compile time.
enum CharClass : std::uint8_t {
    kPlain = 0,     // copied as is
    kBackslash = 1, // always escaped
    kQuote = 2,     // escaped in label values and OpenMetrics HELP
    kNewline = 3,   // always escaped
    kNonAscii = 4,  // start of a multi-byte UTF-8 sequence (validated)
};

constexpr std::array<std::uint8_t, 256> makeClasses() {
    std::array<std::uint8_t, 256> classes{};
    for (int c = 0x80; c < 0x100; ++c)
        classes[static_cast<std::size_t>(c)] = kNonAscii;
    classes['\\'] = kBackslash;
    classes['"'] = kQuote;
    classes['\n'] = kNewline;
    return classes;
}
constexpr std::array<std::uint8_t, 256> kClasses = makeClasses();

// Name character classes: bit 0 = may start a label name, bit 1 = may continue a label name,
// bit 2 = may start a metric name, bit 3 = may continue a metric name.
constexpr std::array<std::uint8_t, 256> makeNameClasses() {
    std::array<std::uint8_t, 256> classes{};
    for (int c = 'a'; c <= 'z'; ++c)
        classes[static_cast<std::size_t>(c)] = 0xF;
    for (int c = 'A'; c <= 'Z'; ++c)
        classes[static_cast<std::size_t>(c)] = 0xF;
    for (int c = '0'; c <= '9'; ++c)
        classes[static_cast<std::size_t>(c)] = 0x2 | 0x8;
    classes['_'] = 0xF;
    classes[':'] = 0x4 | 0x8;
    return classes;
}
constexpr std::array<std::uint8_t, 256> kNameClasses = makeNameClasses();

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD

// Length of the well-formed UTF-8 sequence starting at data[i] (lead byte >= 0x80), or 0 when
// it is malformed: stray continuation bytes, overlong forms, surrogates, > U+10FFFF, truncation.
std::size_t utf8SequenceLength(const unsigned char* data, std::size_t size, std::size_t i) {
    const unsigned char lead = data[i];
    const auto continuation = [&](std::size_t k, unsigned char low = 0x80, unsigned char high = 0xBF) {
        return i + k < size && data[i + k] >= low && data[i + k] <= high;
    };
    if (lead >= 0xC2 && lead <= 0xDF)
        return continuation(1) ? 2 : 0;
    if (lead == 0xE0)
        return continuation(1, 0xA0) && continuation(2) ? 3 : 0;
    if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF)
        return continuation(1) && continuation(2) ? 3 : 0;
    if (lead == 0xED) // excludes the UTF-16 surrogates U+D800..U+DFFF
        return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
    if (lead == 0xF0)
        return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
    if (lead >= 0xF1 && lead <= 0xF3)
        return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
    if (lead == 0xF4)
        return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
    return 0;
}

// The common loop: copies runs of plain bytes in one append and handles the rest byte-wise.
void appendEscaped(std::string& out, std::string_view text, bool escapeQuotes) {
    const auto* data = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    std::size_t runStart = 0;
    std::size_t i = 0;
    while (i < size) {
        const std::uint8_t cls = kClasses[data[i]];
        if (cls == kPlain || (cls == kQuote && !escapeQuotes)) {
            ++i;
            continue;
        }
        if (cls == kNonAscii) {
            if (const std::size_t length = utf8SequenceLength(data, size, i)) {
                i += length; // well-formed: stays part of the plain run
                continue;
            }
        }
        out.append(text.data() + runStart, i - runStart);
        switch (cls) {
        case kBackslash: out.append("\\\\", 2); break;
        case kQuote: out.append("\\\"", 2); break;
        case kNewline: out.append("\\n", 2); break;
        default: out.append(kReplacement.data(), kReplacement.size()); break;
        }
        ++i;
        runStart = i;
    }
    out.append(text.data() + runStart, size - runStart);
}

bool isValidName(std::string_view name, std::uint8_t startBit, std::uint8_t continueBit) {
    if (name.empty() || !(kNameClasses[static_cast<unsigned char>(name.front())] & startBit))
        return false;
    for (const char c : name.substr(1)) {
        if (!(kNameClasses[static_cast<unsigned char>(c)] & continueBit))
            return false;
    }
    return true;
}

} // namespace

void appendEscapedLabelValue(std::string& out, std::string_view value) {
    appendEscaped(out, value, true);
}

void appendEscapedHelp(std::string& out, std::string_view help, bool escapeQuotes) {
    appendEscaped(out, help, escapeQuotes);
}

bool isValidMetricName(std::string_view name) {
    return isValidName(name, 0x4, 0x8);
}

bool isValidLabelName(std::string_view name) {
    return isValidName(name, 0x1, 0x2);
}

} // namespace promqt::detail
