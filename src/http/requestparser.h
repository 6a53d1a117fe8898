// SPDX-License-Identifier: MIT
// Incremental, strict HTTP/1.x request parser. Private to promqt.
//
// Strict on purpose: a metrics endpoint has no legacy clients to humour, and every ambiguity a
// lenient parser resolves is a request-smuggling or desync risk. Rejected: bare CR or LF, NUL
// and other control bytes in the head, obs-folded headers, whitespace before a header colon,
// Content-Length together with Transfer-Encoding, conflicting Content-Lengths, unknown
// transfer codings, HTTP/1.1 without exactly one Host.
#pragma once

#include "http/request.h"

#include <QByteArray>

namespace promqt::http {

struct ParserLimits {
    int maxRequestLineBytes = 8 * 1024;
    int maxHeaderBytes = 16 * 1024;
    int maxHeaderCount = 100;
    qint64 maxBodyBytes = 64 * 1024;
};

class RequestParser {
public:
    enum class Result { NeedMore, Complete, Error };

    explicit RequestParser(const ParserLimits& limits = {}) : m_limits(limits) {}

    /// Looks for one complete request (head and body) at the start of `buffer`. On Complete,
    /// request() holds it and consumed() tells how many bytes of `buffer` it used (the caller
    /// removes them and calls parse() again for a pipelined next request). On Error,
    /// errorStatus()/errorMessage() say what to answer; the connection must then be closed.
    /// Call again with the grown buffer after NeedMore: the parser remembers how far it scanned.
    ///
    /// The answer never depends on how the bytes were split into calls: every check (bad bytes
    /// and the size limits alike) is made on each byte in order as it is scanned, so the first
    /// offending byte decides, and the same stream gives the same requests and the same error
    /// whether it arrives at once or a byte at a time. An Error is final: every later call
    /// answers the same Error (reset() does not clear it).
    Result parse(const QByteArray& buffer);

    const Request& request() const { return m_request; }
    qsizetype consumed() const { return m_consumed; }
    int errorStatus() const { return m_errorStatus; }
    const QByteArray& errorMessage() const { return m_errorMessage; }

    /// Forget progress on the current request (after Complete, once the bytes are removed).
    void reset();
    void setLimits(const ParserLimits& limits) { m_limits = limits; }

private:
    Result fail(int status, const char* message);
    Result parseHead(const QByteArray& buffer, qsizetype headStart, qsizetype headEnd);
    Result parseBody(const QByteArray& buffer);
    Result parseChunked(const QByteArray& buffer);

    ParserLimits m_limits;
    Request m_request;
    qsizetype m_scanned = 0;    ///< bytes of the head already checked byte-by-byte
    qsizetype m_headStart = 0;  ///< after optional leading empty lines
    qsizetype m_requestLineEnd = -1; ///< index of the LF ending the request line, once seen
    qsizetype m_bodyStart = -1; ///< >= 0 once the head is parsed
    qint64 m_contentLength = 0;
    bool m_chunked = false;
    qsizetype m_consumed = 0;
    int m_errorStatus = 0;
    QByteArray m_errorMessage;
};

} // namespace promqt::http
