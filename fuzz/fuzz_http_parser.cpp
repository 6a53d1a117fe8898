// SPDX-License-Identifier: MIT
// The HTTP/1.x request parser fed as a socket feeds it: the same byte stream delivered in pieces
// cut at fuzz-chosen points, driven the way Connection drives it (parse, take a complete request,
// drop its bytes, reset, parse again; stop at the first error).
//
// Input layout (everything is taken modulo something, so every input is valid):
//   [0] maxRequestLineBytes - 8    [1] (maxHeaderBytes - 8) / 2   [2] maxHeaderCount % 16
//   [3] maxBodyBytes / 4           [4] number of cut points % 16  then 2 bytes per cut point,
//   then the byte stream itself.
// Small limits on purpose: the interesting edges (a line exactly at the limit, a CR pending at
// the end of a piece) are reachable with short inputs.
//
// Invariants (std::abort() on violation):
//  - parse() never claims more bytes than it was given, and Complete implies consumed() > 0;
//  - a completed request is well-formed: token method, non-empty target and path, HTTP/1.x,
//    lower-case token header names, no CR/LF/NUL in any value;
//  - an Error carries a 4xx/5xx status and a message; after it, further parse() calls keep
//    answering Error and nothing else is parsed;
//  - the split stream gives exactly the same sequence of requests, and the same final outcome
//    (error status, or waiting for more), as the whole stream parsed in one piece.
#include "http/requestparser.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

using promqt::http::ParserLimits;
using promqt::http::Request;
using promqt::http::RequestParser;
using Result = RequestParser::Result;

namespace {

/// Names the broken invariant before aborting, so a crash report says what went wrong.
[[noreturn]] void violated(const char* invariant) {
    std::fprintf(stderr, "fuzz_http_parser: invariant violated: %s\n", invariant);
    std::abort();
}

struct Outcome {
    std::vector<Request> requests;
    std::vector<qsizetype> consumed;
    int errorStatus = 0;          ///< 0: ended waiting for more bytes (or with none left)
    bool pendingBytes = false;    ///< bytes of an incomplete request remain
};

bool sameRequest(const Request& a, const Request& b) {
    return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
           a.versionMinor == b.versionMinor && a.headers == b.headers && a.keepAlive == b.keepAlive;
}

bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    for (const char* t = "!#$%&'*+-.^_`|~"; *t; ++t)
        if (c == *t)
            return true;
    return false;
}

void checkRequest(const Request& r) {
    if (r.method.isEmpty() || !std::all_of(r.method.begin(), r.method.end(), isTokenChar))
        violated("method is a token");
    if (r.target.isEmpty() || r.path.isEmpty() || r.versionMinor < 0 || r.versionMinor > 9)
        violated("target, path and version present");
    if (r.target.contains(' ') || r.target.contains('\r') || r.target.contains('\n') || r.target.contains('\0'))
        violated("no SP, CR, LF or NUL in the target");
    if (r.path.contains('\0'))
        violated("no NUL in the decoded path");
    for (const auto& h : r.headers) {
        if (h.first.isEmpty() || h.first != h.first.toLower() ||
            !std::all_of(h.first.begin(), h.first.end(), isTokenChar))
            violated("header names are lower-case tokens");
        if (h.second.contains('\r') || h.second.contains('\n') || h.second.contains('\0'))
            violated("no CR, LF or NUL in header values");
    }
    if (r.versionMinor == 0 && r.keepAlive && !r.joinedHeader("connection").toLower().contains("keep-alive"))
        violated("HTTP/1.0 keeps alive only when asked");
}

/// Feeds `stream` in pieces ending at `cuts` (sorted, deduplicated offsets), as Connection does.
Outcome drive(const QByteArray& stream, const std::vector<qsizetype>& cuts, const ParserLimits& limits) {
    Outcome out;
    RequestParser parser(limits);
    QByteArray buffer;
    qsizetype fed = 0;
    std::vector<qsizetype> ends = cuts;
    ends.push_back(stream.size());
    for (const qsizetype end : ends) {
        if (end <= fed)
            continue;
        buffer += stream.mid(fed, end - fed);
        fed = end;
        while (!buffer.isEmpty()) {
            const Result result = parser.parse(buffer);
            if (result == Result::NeedMore)
                break;
            if (result == Result::Error) {
                const int status = parser.errorStatus();
                if (status < 400 || status > 599 || parser.errorMessage().isEmpty())
                    violated("an error has a 4xx/5xx status and a message");
                // Sticky: more bytes (even a valid request) change nothing.
                buffer += "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
                if (parser.parse(buffer) != Result::Error || parser.errorStatus() != status)
                    violated("an error is final: nothing is parsed after it");
                out.errorStatus = status;
                return out;
            }
            const qsizetype consumed = parser.consumed();
            if (consumed <= 0 || consumed > buffer.size())
                violated("Complete consumes more than 0 and at most the bytes given");
            checkRequest(parser.request());
            out.requests.push_back(parser.request());
            out.consumed.push_back(consumed);
            buffer.remove(0, consumed);
            parser.reset();
        }
    }
    out.pendingBytes = !buffer.isEmpty();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5)
        return 0;
    ParserLimits limits;
    limits.maxRequestLineBytes = 8 + data[0];
    limits.maxHeaderBytes = 8 + 2 * data[1];
    limits.maxHeaderCount = data[2] % 16;
    limits.maxBodyBytes = 4 * data[3];
    const std::size_t cutCount = data[4] % 16;
    std::size_t pos = 5;
    std::vector<std::uint16_t> rawCuts;
    for (std::size_t i = 0; i < cutCount && pos + 1 < size; ++i, pos += 2)
        rawCuts.push_back(std::uint16_t(data[pos] | (data[pos + 1] << 8)));
    const QByteArray stream(reinterpret_cast<const char*>(data + pos), qsizetype(size - pos));

    std::vector<qsizetype> cuts;
    for (const std::uint16_t c : rawCuts)
        if (!stream.isEmpty())
            cuts.push_back(c % stream.size());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

    const Outcome whole = drive(stream, {}, limits);
    // Byte by byte too when the stream is short: the most hostile delivery there is.
    std::vector<qsizetype> everyByte;
    if (stream.size() <= 256)
        for (qsizetype i = 1; i < stream.size(); ++i)
            everyByte.push_back(i);
    for (const auto* split : {&cuts, &everyByte}) {
        const Outcome pieces = drive(stream, *split, limits);
        if (pieces.requests.size() != whole.requests.size() || pieces.consumed != whole.consumed ||
            pieces.errorStatus != whole.errorStatus || pieces.pendingBytes != whole.pendingBytes)
            violated("split delivery gives the same outcome as the whole stream");
        for (std::size_t i = 0; i < whole.requests.size(); ++i)
            if (!sameRequest(pieces.requests[i], whole.requests[i]))
                violated("split delivery gives the same requests as the whole stream");
    }
    return 0;
}
