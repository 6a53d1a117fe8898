// SPDX-License-Identifier: MIT
// A small, strict reader of the text 0.0.4 and OpenMetrics 1.0.0 formats for tests and fuzzers.
// It is independent of the writers on purpose (its own unescaping and number parsing), so that a
// writer bug shows up as a parse error or a different sample instead of being mirrored.
// Header-only, plain C++17: the fuzz targets use it too.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace promqt::test {

struct ParsedSample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
    std::optional<std::string> timestamp; ///< as written
};

struct ParsedFamily {
    std::string type;
    std::optional<std::string> help; ///< unescaped
};

struct ParsedExposition {
    std::vector<ParsedSample> samples;
    std::map<std::string, ParsedFamily> families; ///< by the name on the TYPE line
    std::vector<std::string> familyOrder;
    std::string error; ///< empty when the input is well-formed; else "line N: what"
    bool ok() const { return error.empty(); }
};

enum class Dialect { Text, OpenMetrics };

namespace parser_detail {

inline bool isNameStart(char c, bool metric) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
}
inline bool isNameChar(char c, bool metric) {
    return isNameStart(c, metric) || (c >= '0' && c <= '9');
}

inline bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

// Go's strconv.ParseFloat as Prometheus uses it: NaN/Inf in any case, optional sign.
inline std::optional<double> parseNumber(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    bool negative = false;
    std::string_view body = text;
    if (body[0] == '+' || body[0] == '-') {
        negative = body[0] == '-';
        body.remove_prefix(1);
    }
    if (equalsNoCase(body, "nan"))
        return std::numeric_limits<double>::quiet_NaN();
    if (equalsNoCase(body, "inf") || equalsNoCase(body, "infinity"))
        return negative ? -HUGE_VAL : HUGE_VAL;
    if (body.empty() || body[0] == '+' || body[0] == '-')
        return std::nullopt;
    double value = 0;
    const auto result = std::from_chars(body.data(), body.data() + body.size(), value);
    if (result.ec != std::errc() || result.ptr != body.data() + body.size())
        return std::nullopt;
    return negative ? -value : value;
}

class LineReader {
public:
    LineReader(std::string_view line, Dialect dialect) : m_line(line), m_dialect(dialect) {}
    bool atEnd() const { return m_pos >= m_line.size(); }
    char peek() const { return m_line[m_pos]; }
    bool consume(char c) {
        if (atEnd() || peek() != c)
            return false;
        ++m_pos;
        return true;
    }
    std::string name(bool metric) {
        const std::size_t start = m_pos;
        if (atEnd() || !isNameStart(peek(), metric))
            return {};
        while (!atEnd() && isNameChar(peek(), metric))
            ++m_pos;
        return std::string(m_line.substr(start, m_pos - start));
    }
    // Reads up to (not including) the next ' ' or the end.
    std::string_view field() {
        const std::size_t start = m_pos;
        while (!atEnd() && peek() != ' ')
            ++m_pos;
        return m_line.substr(start, m_pos - start);
    }
    std::string_view rest() {
        const std::string_view r = m_line.substr(m_pos);
        m_pos = m_line.size();
        return r;
    }
    // A double-quoted, escaped label value; false on a bad escape or missing quote.
    bool quoted(std::string& out) {
        if (!consume('"'))
            return false;
        while (!atEnd()) {
            const char c = m_line[m_pos++];
            if (c == '"')
                return true;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (atEnd())
                return false;
            const char e = m_line[m_pos++];
            if (e == '\\')
                out.push_back('\\');
            else if (e == '"')
                out.push_back('"');
            else if (e == 'n')
                out.push_back('\n');
            else
                return false; // neither format defines other escapes, and promqt writes none
        }
        return false;
    }

private:
    std::string_view m_line;
    std::size_t m_pos = 0;
    [[maybe_unused]] Dialect m_dialect;
};

inline bool unescapeHelp(std::string_view text, Dialect dialect, std::string& out) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out.push_back(text[i]);
            continue;
        }
        if (++i == text.size())
            return false;
        if (text[i] == '\\')
            out.push_back('\\');
        else if (text[i] == 'n')
            out.push_back('\n');
        else if (text[i] == '"' && dialect == Dialect::OpenMetrics)
            out.push_back('"');
        else
            return false;
    }
    return true;
}

inline bool isValidUtf8(std::string_view s) {
    std::size_t i = 0;
    const auto* d = reinterpret_cast<const unsigned char*>(s.data());
    while (i < s.size()) {
        const unsigned char c = d[i];
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size())
            return false;
        for (std::size_t k = 1; k <= n; ++k) {
            if ((d[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (d[i + k] & 0x3F);
        }
        const std::uint32_t minimum[] = {0, 0x80, 0x800, 0x10000};
        if (cp < minimum[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

// The sample-name suffixes a family of `type` may use.
inline std::vector<std::string_view> allowedSuffixes(const std::string& type, Dialect dialect) {
    if (dialect == Dialect::Text) {
        if (type == "summary")
            return {"", "_sum", "_count"};
        if (type == "histogram")
            return {"_bucket", "_sum", "_count"};
        return {""};
    }
    if (type == "counter")
        return {"_total", "_created"};
    if (type == "summary")
        return {"", "_sum", "_count", "_created"};
    if (type == "histogram")
        return {"_bucket", "_sum", "_count", "_created"};
    return {""};
}

} // namespace parser_detail

/// Parses `text` strictly: every line must be a HELP/TYPE comment or a well-formed sample;
/// HELP/TYPE at most once per family and before its samples; samples belong to the family
/// block they are in (by name and suffix); for OpenMetrics the input must end with "# EOF\n",
/// types must be OpenMetrics types and every string must be valid UTF-8.
inline ParsedExposition parseExposition(std::string_view text, Dialect dialect) {
    using namespace parser_detail;
    ParsedExposition result;
    std::string currentFamily;
    std::set<std::string> closedFamilies; // families whose block has ended
    std::size_t lineNumber = 0;
    std::size_t pos = 0;
    bool sawEof = false;
    const auto fail = [&](const std::string& what) {
        result.error = "line " + std::to_string(lineNumber) + ": " + what;
        return result;
    };
    if (dialect == Dialect::OpenMetrics && !isValidUtf8(text))
        return fail("invalid UTF-8");
    while (pos < text.size()) {
        ++lineNumber;
        if (sawEof)
            return fail("content after # EOF");
        const std::size_t newline = text.find('\n', pos);
        if (newline == std::string_view::npos)
            return fail("last line has no newline");
        const std::string_view line = text.substr(pos, newline - pos);
        pos = newline + 1;
        if (line.empty())
            return fail("empty line"); // legal in 0.0.4, but promqt never writes one
        if (line[0] == '#') {
            if (dialect == Dialect::OpenMetrics && line == "# EOF") {
                sawEof = true;
                continue;
            }
            LineReader reader(line, dialect);
            reader.consume('#');
            if (!reader.consume(' '))
                return fail("comment without a space");
            const std::string_view keyword = reader.field();
            if (keyword != "HELP" && keyword != "TYPE") {
                if (dialect == Dialect::OpenMetrics)
                    return fail("unknown comment");
                continue; // plain comment in 0.0.4
            }
            if (!reader.consume(' '))
                return fail("no space after " + std::string(keyword));
            const std::string name = reader.name(true);
            if (name.empty())
                return fail("bad family name");
            if (name != currentFamily) {
                if (closedFamilies.count(name))
                    return fail("family " + name + " appears twice");
                if (!currentFamily.empty())
                    closedFamilies.insert(currentFamily);
                currentFamily = name;
                if (!result.families.count(name))
                    result.familyOrder.push_back(name);
            }
            ParsedFamily& family = result.families[name];
            if (keyword == "HELP") {
                if (family.help)
                    return fail("second HELP for " + name);
                std::string help;
                if (!reader.consume(' ')) {
                    if (!reader.atEnd())
                        return fail("bad HELP");
                } else if (!unescapeHelp(reader.rest(), dialect, help)) {
                    return fail("bad escape in HELP");
                }
                family.help = help;
            } else {
                if (!family.type.empty())
                    return fail("second TYPE for " + name);
                if (!reader.consume(' '))
                    return fail("TYPE without a type");
                const std::string type(reader.rest());
                static const std::set<std::string> textTypes = {"counter", "gauge", "summary", "histogram", "untyped"};
                static const std::set<std::string> omTypes = {"counter", "gauge", "summary", "histogram", "unknown",
                                                              "gaugehistogram", "stateset", "info"};
                if (!(dialect == Dialect::Text ? textTypes : omTypes).count(type))
                    return fail("unknown type " + type);
                family.type = type;
            }
            continue;
        }
        // A sample line.
        LineReader reader(line, dialect);
        ParsedSample sample;
        sample.name = reader.name(true);
        if (sample.name.empty())
            return fail("bad sample name");
        if (reader.consume('{')) {
            if (!reader.consume('}')) {
                for (;;) {
                    const std::string label = reader.name(false);
                    if (label.empty())
                        return fail("bad label name");
                    if (!reader.consume('='))
                        return fail("no '=' after label name");
                    std::string value;
                    if (!reader.quoted(value))
                        return fail("bad label value");
                    if (!sample.labels.emplace(label, value).second)
                        return fail("duplicate label " + label);
                    if (reader.consume('}'))
                        break;
                    if (!reader.consume(','))
                        return fail("expected ',' or '}'");
                }
            }
        }
        if (!reader.consume(' '))
            return fail("no space before value");
        const std::string_view valueText = reader.field();
        const auto value = parseNumber(valueText);
        if (!value)
            return fail("bad value '" + std::string(valueText) + "'");
        sample.value = *value;
        if (reader.consume(' ')) {
            const std::string_view timestamp = reader.field();
            if (timestamp.empty() || !parseNumber(timestamp))
                return fail("bad timestamp");
            if (dialect == Dialect::Text) {
                std::int64_t ms = 0;
                const auto r = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ms);
                if (r.ec != std::errc() || r.ptr != timestamp.data() + timestamp.size())
                    return fail("text timestamps are integer milliseconds");
            }
            sample.timestamp = std::string(timestamp);
        }
        if (!reader.atEnd())
            return fail("trailing characters");
        // Which family does the sample belong to?
        if (currentFamily.empty() || !result.families.count(currentFamily) ||
            result.families[currentFamily].type.empty()) {
            if (dialect == Dialect::OpenMetrics)
                return fail("sample without a TYPE line");
            // 0.0.4: an untyped sample outside any block starts its own implicit family.
            if (!currentFamily.empty())
                closedFamilies.insert(currentFamily);
            currentFamily = sample.name;
            result.families[currentFamily].type = "untyped";
            result.familyOrder.push_back(currentFamily);
        } else {
            const std::string& type = result.families[currentFamily].type;
            bool belongs = false;
            for (const std::string_view suffix : allowedSuffixes(type, dialect))
                belongs = belongs || sample.name == currentFamily + std::string(suffix);
            if (!belongs)
                return fail("sample " + sample.name + " outside its family (block " + currentFamily + ")");
        }
        result.samples.push_back(std::move(sample));
    }
    if (dialect == Dialect::OpenMetrics && !sawEof)
        return fail("no # EOF");
    return result;
}

/// Canonical form for comparing sample sets: `le` and `quantile` values are numbers, so "1" and
/// "1.0" are the same bucket; everything else compares as bytes; NaN equals NaN.
struct SampleKey {
    std::string name;
    std::map<std::string, std::string> labels;
    bool operator<(const SampleKey& other) const {
        return std::tie(name, labels) < std::tie(other.name, other.labels);
    }
};

inline std::map<SampleKey, double> canonicalSamples(const std::vector<ParsedSample>& samples) {
    std::map<SampleKey, double> out;
    for (const auto& sample : samples) {
        SampleKey key{sample.name, sample.labels};
        for (const char* numeric : {"le", "quantile"}) {
            auto it = key.labels.find(numeric);
            if (it != key.labels.end()) {
                if (const auto number = parser_detail::parseNumber(it->second)) {
                    char buffer[64];
                    const auto r = std::to_chars(buffer, buffer + sizeof buffer, *number);
                    it->second.assign(buffer, r.ptr);
                }
            }
        }
        out[key] = sample.value;
    }
    return out;
}

/// Same value for the comparison: bitwise-equal numbers compare equal, NaN equals NaN, and
/// 0 equals -0.
inline bool sameValue(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

} // namespace promqt::test
