// SPDX-License-Identifier: MIT
#include "http/requestparser.h"

#include "util/hexdigit.h"

#include <cstring>

namespace promqt::http {

namespace {

bool isTokenChar(char c) {
    // RFC 9110 tchar
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool isToken(QByteArrayView s) {
    if (s.isEmpty())
        return false;
    for (char c : s)
        if (!isTokenChar(c))
            return false;
    return true;
}

// Field values: VCHAR, obs-text, SP, HTAB.
bool isFieldValueChar(unsigned char c) { return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f); }

// Percent-decodes a path; false on a malformed escape or a decoded NUL.
bool percentDecode(QByteArrayView in, QByteArray& out) {
    out.clear();
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size())
            return false;
        const int hi = detail::hexDigitValue(in[i + 1]), lo = detail::hexDigitValue(in[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return false;
        out += char(hi * 16 + lo);
        i += 2;
    }
    return true;
}

QByteArrayView trimmed(QByteArrayView v) {
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

bool parseDecimal(QByteArrayView v, qint64& out) {
    if (v.isEmpty() || v.size() > 18)
        return false;
    qint64 n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return false;
        n = n * 10 + (c - '0');
    }
    out = n;
    return true;
}

bool containsToken(QByteArrayView list, QByteArrayView token) {
    for (QByteArrayView part : QByteArray(list.data(), list.size()).split(',')) {
        if (trimmed(part).compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

void RequestParser::reset() {
    m_request = Request();
    m_scanned = 0;
    m_headStart = 0;
    m_requestLineEnd = -1;
    m_bodyStart = -1;
    m_contentLength = 0;
    m_chunked = false;
    m_consumed = 0;
}

RequestParser::Result RequestParser::fail(int status, const char* message) {
    m_errorStatus = status;
    m_errorMessage = message;
    return Result::Error;
}

RequestParser::Result RequestParser::parse(const QByteArray& buffer) {
    // An error is final (found by fuzz_http_parser): parsing on after one could turn the rest
    // of a rejected request into a "request" of its own.
    if (m_errorStatus != 0)
        return Result::Error;
    if (m_bodyStart >= 0)
        return parseBody(buffer);

    // Scan new bytes of the head once each: find its end and reject bad bytes as soon as they
    // arrive, so a slow or hostile client is answered without waiting for a terminator.
    const char* data = buffer.constData();
    const qsizetype size = buffer.size();
    qsizetype i = m_scanned;
    // RFC 9112 2.2: ignore empty lines before the request line.
    if (m_headStart == i) {
        while (i + 1 < size && data[i] == '\r' && data[i + 1] == '\n')
            i += 2;
        m_headStart = i;
        if (m_headStart > 64)
            return fail(400, "too many empty lines before the request");
    }
    // The size limits are checked here, on each byte as it is scanned, and not on the size of
    // whatever happens to be buffered: otherwise where the socket split the stream would decide
    // the answer (a CR pending at the end of a piece counted as content, or a limit error
    // reported before a bad byte that came earlier in the stream). Found by fuzz_http_parser.
    for (; i < size; ++i) {
        const unsigned char c = static_cast<unsigned char>(data[i]);
        if (c == '\r') {
            if (i + 1 >= size)
                break; // need the next byte to judge this CR
            if (data[i + 1] != '\n')
                return fail(400, "bare CR in request head");
            continue;
        }
        if (c == '\n') {
            // i == m_headStart: an LF right after the skipped empty lines has no CR of its own.
            if (i == m_headStart || data[i - 1] != '\r')
                return fail(400, "bare LF in request head");
            if (m_requestLineEnd < 0) {
                m_requestLineEnd = i;
                continue;
            }
            // CRLF at i-1..i; an empty line (previous line ended at i-2) ends the head.
            if (data[i - 2] == '\n') {
                m_scanned = i + 1;
                return parseHead(buffer, m_headStart, i - 4);
            }
            // A header line ended: the section so far counts its CRLF, as parseHead() does.
            if (i - m_requestLineEnd > m_limits.maxHeaderBytes)
                return fail(431, "request header section too large");
            continue;
        }
        if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
            return fail(400, "control byte in request head");
        if (m_requestLineEnd < 0) {
            if (i - m_headStart + 1 > m_limits.maxRequestLineBytes)
                return fail(414, "request line too long");
        } else if (i - m_requestLineEnd + 2 > m_limits.maxHeaderBytes) {
            // This byte's line still needs its CRLF: the section cannot stay within the limit.
            return fail(431, "request header section too large");
        }
    }
    m_scanned = i;
    return Result::NeedMore;
}

// headEnd: index of the last byte of the last header line (before its CRLF), i.e. the head is
// buffer[headStart .. headEnd] followed by "\r\n\r\n" — or, with no headers, the request line.
RequestParser::Result RequestParser::parseHead(const QByteArray& buffer, qsizetype headStart,
                                               qsizetype headEnd) {
    const QByteArrayView head(buffer.constData() + headStart, headEnd - headStart + 1);
    // Split into lines at CRLF (bytes were already validated: every LF follows a CR).
    QList<QByteArrayView> lines;
    qsizetype start = 0;
    for (qsizetype i = 0; i + 1 < head.size(); ++i) {
        if (head[i] == '\r' && head[i + 1] == '\n') {
            lines.append(head.sliced(start, i - start));
            start = i + 2;
            ++i;
        }
    }
    lines.append(head.sliced(start));

    // ---- request line: method SP target SP HTTP/x.y
    const QByteArrayView line = lines.front();
    if (line.size() > m_limits.maxRequestLineBytes)
        return fail(414, "request line too long");
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 || line.indexOf('\t') >= 0)
        return fail(400, "malformed request line");
    m_request.method = line.first(sp1).toByteArray();
    m_request.target = line.sliced(sp1 + 1, sp2 - sp1 - 1).toByteArray();
    const QByteArrayView version = line.sliced(sp2 + 1);
    if (!isToken(m_request.method))
        return fail(400, "malformed method");
    if (m_request.target.isEmpty())
        return fail(400, "empty request target");
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return fail(400, "malformed HTTP version");
    if (version[5] != '1')
        return fail(505, "only HTTP/1.x is supported");
    m_request.versionMinor = version[7] - '0';

    // ---- target forms (RFC 9112 3.2)
    QByteArrayView pathAndQuery;
    if (m_request.target == "*") {
        m_request.path = "*";
    } else {
        if (m_request.target.startsWith('/')) {
            pathAndQuery = m_request.target;
        } else {
            // absolute-form: scheme "://" authority path-abempty [ "?" query ]
            const qsizetype schemeEnd = m_request.target.indexOf("://");
            const QByteArray scheme = m_request.target.left(schemeEnd).toLower();
            if (schemeEnd <= 0 || (scheme != "http" && scheme != "https"))
                return fail(400, "unsupported request target form");
            const qsizetype pathStart = m_request.target.indexOf('/', schemeEnd + 3);
            const qsizetype queryStart = m_request.target.indexOf('?', schemeEnd + 3);
            if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart))
                pathAndQuery = QByteArrayView("/");
            else
                pathAndQuery = QByteArrayView(m_request.target).sliced(pathStart);
            if (queryStart >= 0 && (pathStart < 0 || queryStart < pathStart))
                m_request.query = m_request.target.mid(queryStart + 1);
        }
        const qsizetype q = pathAndQuery.indexOf('?');
        const qsizetype fragment = pathAndQuery.indexOf('#');
        if (fragment >= 0)
            return fail(400, "fragment in request target");
        if (q >= 0)
            m_request.query = pathAndQuery.sliced(q + 1).toByteArray();
        if (!percentDecode(q >= 0 ? pathAndQuery.first(q) : pathAndQuery, m_request.path))
            return fail(400, "malformed percent-encoding in path");
    }

    // ---- header fields
    if (lines.size() - 1 > m_limits.maxHeaderCount)
        return fail(431, "too many header fields");
    qsizetype headerBytes = 0;
    for (qsizetype n = 1; n < lines.size(); ++n) {
        const QByteArrayView field = lines[n];
        headerBytes += field.size() + 2;
        if (field.isEmpty())
            continue;
        if (field.front() == ' ' || field.front() == '\t')
            return fail(400, "obsolete line folding in header");
        const qsizetype colon = field.indexOf(':');
        if (colon <= 0)
            return fail(400, "malformed header field");
        const QByteArrayView name = field.first(colon);
        if (!isToken(name))
            return fail(400, "malformed header field name");
        const QByteArrayView value = trimmed(field.sliced(colon + 1));
        for (char c : value)
            if (!isFieldValueChar(static_cast<unsigned char>(c)))
                return fail(400, "invalid byte in header value");
        m_request.headers.append({name.toByteArray().toLower(), value.toByteArray()});
    }
    if (headerBytes > m_limits.maxHeaderBytes)
        return fail(431, "request header section too large");

    // ---- framing and connection semantics
    int hostCount = 0;
    bool haveLength = false;
    bool haveTransferEncoding = false;
    QByteArray transferEncoding;
    for (const auto& h : m_request.headers) {
        if (h.first == "host") {
            ++hostCount;
        } else if (h.first == "content-length") {
            // A list ("5, 5") or repeated fields must all agree (RFC 9110 8.6).
            for (QByteArrayView part : h.second.split(',')) {
                qint64 length = 0;
                if (!parseDecimal(trimmed(part), length))
                    return fail(400, "malformed Content-Length");
                if (haveLength && length != m_contentLength)
                    return fail(400, "conflicting Content-Length values");
                haveLength = true;
                m_contentLength = length;
            }
        } else if (h.first == "transfer-encoding") {
            haveTransferEncoding = true;
            if (!transferEncoding.isEmpty())
                transferEncoding += ',';
            transferEncoding += h.second;
        }
    }
    if (m_request.versionMinor >= 1 && hostCount != 1)
        return fail(400, hostCount == 0 ? "missing Host header" : "more than one Host header");
    if (hostCount > 1)
        return fail(400, "more than one Host header");
    if (haveTransferEncoding) {
        if (haveLength)
            return fail(400, "both Content-Length and Transfer-Encoding");
        if (m_request.versionMinor == 0)
            return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
        if (transferEncoding.trimmed().compare("chunked", Qt::CaseInsensitive) != 0)
            return fail(501, "unsupported transfer coding");
        m_chunked = true;
    }
    if (m_contentLength > m_limits.maxBodyBytes)
        return fail(413, "request body too large");

    const QByteArray connection = m_request.joinedHeader("connection");
    if (m_request.versionMinor == 0)
        m_request.keepAlive = containsToken(connection, "keep-alive");
    else
        m_request.keepAlive = !containsToken(connection, "close");

    m_bodyStart = m_scanned;
    return parseBody(buffer);
}

RequestParser::Result RequestParser::parseBody(const QByteArray& buffer) {
    if (m_chunked)
        return parseChunked(buffer);
    if (buffer.size() - m_bodyStart < m_contentLength)
        return Result::NeedMore;
    m_consumed = m_bodyStart + m_contentLength;
    return Result::Complete;
}

namespace {
enum class LineScan { Line, NeedMore, BadByte, TooLong };

// Finds the CRLF ending the line that starts at `pos`, checking each byte in order: no bare CR
// or LF, no control byte but HTAB, at most `maxLength` bytes before the CRLF. The answer depends
// only on the bytes, never on how many of them have arrived (a CR at the very end waits).
LineScan scanLine(const QByteArray& buffer, qsizetype pos, qsizetype maxLength, qsizetype& lineEnd) {
    const qsizetype size = buffer.size();
    for (qsizetype j = pos; j < size; ++j) {
        const unsigned char c = static_cast<unsigned char>(buffer[j]);
        if (c == '\r') {
            if (j + 1 >= size)
                return LineScan::NeedMore;
            if (buffer[j + 1] != '\n')
                return LineScan::BadByte;
            lineEnd = j;
            return LineScan::Line;
        }
        if (c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f)
            return LineScan::BadByte;
        if (j - pos + 1 > maxLength)
            return LineScan::TooLong;
    }
    return LineScan::NeedMore;
}
} // namespace

// The body is read only to be discarded, but framing must still be exact, or the next
// pipelined request would be read from the middle of this body. Chunk-size lines (with their
// extensions) and trailer lines are held to the head's rules — no bare CR/LF, no control
// bytes — since a lenient intermediary could otherwise see a different message boundary; and
// their limits are checked byte by byte, so that where the stream was split never matters
// (fuzz_http_parser found both).
RequestParser::Result RequestParser::parseChunked(const QByteArray& buffer) {
    static constexpr qsizetype maxChunkLine = 1024;
    qsizetype pos = m_bodyStart;
    qint64 total = 0;
    const qsizetype size = buffer.size();
    for (;;) {
        qsizetype lineEnd = -1;
        switch (scanLine(buffer, pos, maxChunkLine, lineEnd)) {
        case LineScan::NeedMore: return Result::NeedMore;
        case LineScan::BadByte: return fail(400, "invalid byte in chunk size line");
        case LineScan::TooLong: return fail(400, "malformed chunk size line");
        case LineScan::Line: break;
        }
        QByteArrayView sizeLine(buffer.constData() + pos, lineEnd - pos);
        const qsizetype ext = sizeLine.indexOf(';');
        if (ext >= 0)
            sizeLine = sizeLine.first(ext);
        sizeLine = trimmed(sizeLine);
        if (sizeLine.isEmpty() || sizeLine.size() > 8)
            return fail(400, "malformed chunk size");
        qint64 chunk = 0;
        for (char c : sizeLine) {
            const int v = detail::hexDigitValue(c);
            if (v < 0)
                return fail(400, "malformed chunk size");
            chunk = chunk * 16 + v;
        }
        total += chunk;
        if (total > m_limits.maxBodyBytes)
            return fail(413, "request body too large");
        pos = lineEnd + 2;
        if (chunk == 0) {
            // Trailer section: lines until an empty one, limited like the header section.
            const qsizetype trailerStart = pos;
            for (;;) {
                const qsizetype budget = m_limits.maxHeaderBytes - (pos - trailerStart);
                switch (scanLine(buffer, pos, qMax<qsizetype>(0, budget - 2), lineEnd)) {
                case LineScan::NeedMore: return Result::NeedMore;
                case LineScan::BadByte: return fail(400, "invalid byte in trailer section");
                case LineScan::TooLong: return fail(431, "trailer section too large");
                case LineScan::Line: break;
                }
                if (lineEnd == pos) {
                    m_consumed = lineEnd + 2;
                    return Result::Complete;
                }
                pos = lineEnd + 2;
            }
        }
        if (size - pos < chunk + 2)
            return Result::NeedMore;
        if (buffer[pos + chunk] != '\r' || buffer[pos + chunk + 1] != '\n')
            return fail(400, "chunk data not followed by CRLF");
        pos += chunk + 2;
    }
}

} // namespace promqt::http
