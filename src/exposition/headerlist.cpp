// SPDX-License-Identifier: MIT
#include "exposition/headerlist.h"

namespace promqt::detail {

namespace {

bool isOws(char c) {
    return c == ' ' || c == '\t';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// RFC 9110 qvalue in thousandths, or nothing when `text` is not one.
std::optional<int> parseQuality(std::string_view text) {
    if (text.empty() || (text[0] != '0' && text[0] != '1'))
        return std::nullopt;
    int quality = (text[0] - '0') * 1000;
    if (text.size() == 1)
        return quality;
    if (text[1] != '.' || text.size() > 5)
        return std::nullopt;
    int scale = 100;
    for (const char c : text.substr(2)) {
        if (c < '0' || c > '9')
            return std::nullopt;
        quality += (c - '0') * scale;
        scale /= 10;
    }
    if (quality > 1000)
        return std::nullopt;
    return quality;
}

class Reader {
public:
    explicit Reader(std::string_view text) : m_text(text) {}

    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek() const { return m_text[m_pos]; }
    void skipOws() {
        while (!atEnd() && isOws(peek()))
            ++m_pos;
    }
    std::string_view token() {
        const std::size_t start = m_pos;
        while (!atEnd() && isTokenChar(peek()))
            ++m_pos;
        return m_text.substr(start, m_pos - start);
    }
    // A token, or a "/"-joined media range such as "text/plain" or "*/*".
    std::string_view elementValue() {
        const std::size_t start = m_pos;
        while (!atEnd() && (isTokenChar(peek()) || peek() == '/'))
            ++m_pos;
        return m_text.substr(start, m_pos - start);
    }
    bool quotedString(std::string& out) {
        ++m_pos; // opening quote
        while (!atEnd()) {
            const char c = m_text[m_pos++];
            if (c == '"')
                return true;
            if (c == '\\') {
                if (atEnd())
                    return false;
                out.push_back(m_text[m_pos++]);
            } else {
                out.push_back(c);
            }
        }
        return false;
    }
    // Skips to just after the next top-level ',' (quotes respected) or to the end.
    void skipElement() {
        bool quoted = false;
        while (!atEnd()) {
            const char c = m_text[m_pos++];
            if (quoted) {
                if (c == '\\' && !atEnd())
                    ++m_pos;
                else if (c == '"')
                    quoted = false;
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                return;
            }
        }
    }
    void advance() { ++m_pos; }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
};

// Parses one element at the reader's position; false when it is malformed.
bool parseElement(Reader& reader, HeaderElement& element, bool (*isValidValue)(std::string_view)) {
    element.value = reader.elementValue();
    if (!isValidValue(element.value))
        return false;
    for (;;) {
        reader.skipOws();
        if (reader.atEnd() || reader.peek() == ',')
            return true;
        if (reader.peek() != ';')
            return false;
        reader.advance();
        reader.skipOws();
        if (reader.atEnd() || reader.peek() == ',') // a trailing ';' is harmless
            return true;
        HeaderParameter parameter;
        parameter.name = reader.token();
        if (parameter.name.empty())
            return false;
        reader.skipOws(); // not allowed by the grammar, but sent by some clients
        if (reader.atEnd() || reader.peek() != '=')
            return false;
        reader.advance();
        reader.skipOws();
        if (!reader.atEnd() && reader.peek() == '"') {
            if (!reader.quotedString(parameter.value))
                return false;
        } else {
            const std::string_view value = reader.token();
            if (value.empty())
                return false;
            parameter.value.assign(value.data(), value.size());
        }
        if (equalsIgnoringCase(parameter.name, "q")) {
            const std::optional<int> quality = parseQuality(parameter.value);
            if (!quality)
                return false;
            element.quality = *quality;
        } else {
            element.parameters.push_back(std::move(parameter));
        }
    }
}

} // namespace

bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

std::vector<HeaderElement> parseHeaderList(std::string_view header, bool (*isValidValue)(std::string_view)) {
    std::vector<HeaderElement> elements;
    Reader reader(header);
    while (!reader.atEnd()) {
        reader.skipOws();
        if (reader.atEnd())
            break;
        if (reader.peek() == ',') { // empty list elements are allowed ("a, , b")
            reader.advance();
            continue;
        }
        HeaderElement element;
        if (parseElement(reader, element, isValidValue)) {
            elements.push_back(std::move(element));
            if (!reader.atEnd())
                reader.advance(); // the ','
        } else {
            reader.skipElement();
        }
    }
    return elements;
}

} // namespace promqt::detail
