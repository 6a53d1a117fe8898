// SPDX-License-Identifier: MIT
// Regression tests for what fuzz_http_parser found in the request parser. Each test names the
// invariant that broke; the split-delivery cases drive the parser the way Connection does.
#include "http/requestparser.h"

#include <QTest>

using promqt::http::ParserLimits;
using promqt::http::RequestParser;
using Result = RequestParser::Result;

namespace {

struct Outcome {
    QList<QByteArray> targets; ///< of the completed requests, in order
    int errorStatus = 0;
    bool operator==(const Outcome& o) const { return targets == o.targets && errorStatus == o.errorStatus; }
};

/// Feeds `stream` in pieces ending at `cuts`, as a socket would deliver it.
Outcome drive(const QByteArray& stream, const QList<qsizetype>& cuts, const ParserLimits& limits) {
    Outcome out;
    RequestParser parser(limits);
    QByteArray buffer;
    qsizetype fed = 0;
    QList<qsizetype> ends = cuts;
    ends << stream.size();
    for (qsizetype end : ends) {
        buffer += stream.mid(fed, end - fed);
        fed = end;
        while (!buffer.isEmpty()) {
            const Result r = parser.parse(buffer);
            if (r == Result::NeedMore)
                break;
            if (r == Result::Error) {
                out.errorStatus = parser.errorStatus();
                return out;
            }
            out.targets << parser.request().target;
            buffer.remove(0, parser.consumed());
            parser.reset();
        }
    }
    return out;
}

/// The outcome must not depend on where the stream is cut: every single cut point is tried.
void checkEverySplit(const QByteArray& stream, const ParserLimits& limits, const Outcome& expected) {
    QCOMPARE(drive(stream, {}, limits).errorStatus, expected.errorStatus);
    QCOMPARE(drive(stream, {}, limits).targets, expected.targets);
    for (qsizetype cut = 1; cut < stream.size(); ++cut) {
        const Outcome o = drive(stream, {cut}, limits);
        QVERIFY2(o == expected, qPrintable(QStringLiteral("cut at %1: status %2, %3 requests")
                                                .arg(cut)
                                                .arg(o.errorStatus)
                                                .arg(o.targets.size())));
    }
}

} // namespace

class TestParserRegressions : public QObject {
    Q_OBJECT
private slots:
    // "an error is final": after Error, more bytes must not produce a request.
    void errorIsFinal() {
        RequestParser p;
        QByteArray buffer = "GET / HTTP/1.1\r\nHost: a\r\nAccept\x01: x\r\n";
        QCOMPARE(p.parse(buffer), Result::Error);
        QCOMPARE(p.errorStatus(), 400);
        buffer += "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
        QCOMPARE(p.parse(buffer), Result::Error);
        QCOMPARE(p.errorStatus(), 400);
        // The fuzzer's case: a limit error on an unfinished head, then the head completes.
        ParserLimits small;
        small.maxRequestLineBytes = 10;
        RequestParser q(small);
        QByteArray line = "GET /aaaaaaaaaaaaaaaa";
        QCOMPARE(q.parse(line), Result::Error);
        QCOMPARE(q.errorStatus(), 414);
        line += " HTTP/1.1\r\nHost: a\r\n\r\n";
        QCOMPARE(q.parse(line), Result::Error);
        QCOMPARE(q.errorStatus(), 414);
        // The first crash fuzz_http_parser found: 431 on an unfinished header section, then a
        // bare CR arrived and the same parser answered 400 — it had gone on parsing.
        ParserLimits smallHeaders;
        smallHeaders.maxHeaderBytes = 12;
        RequestParser r(smallHeaders);
        QByteArray head = "GET / HTTP/1.1\r\nHost: aaaaaaaaaaaaaaa";
        QCOMPARE(r.parse(head), Result::Error);
        QCOMPARE(r.errorStatus(), 431);
        head += "\r\rX";
        QCOMPARE(r.parse(head), Result::Error);
        QCOMPARE(r.errorStatus(), 431);
    }

    // A request line exactly at the limit is accepted however it arrives — also when a piece
    // ends with its CR (the CR is not part of the line).
    void requestLineAtTheLimitWithCrPending() {
        const QByteArray line = "GET /aaaaaaaaa HTTP/1.1";
        ParserLimits limits;
        limits.maxRequestLineBytes = int(line.size());
        checkEverySplit(line + "\r\nHost: a\r\n\r\n", limits, {{"/aaaaaaaaa"}, 0});
        limits.maxRequestLineBytes = int(line.size()) - 1;
        checkEverySplit(line + "\r\nHost: a\r\n\r\n", limits, {{}, 414});
    }

    // The same for the header section: exactly at the limit with the final CR pending.
    void headerSectionAtTheLimitWithCrPending() {
        const QByteArray headers = "Host: a\r\nX-Pad: bbbbbbbb\r\n";
        ParserLimits limits;
        limits.maxHeaderBytes = int(headers.size());
        checkEverySplit("GET / HTTP/1.1\r\n" + headers + "\r\n", limits, {{"/"}, 0});
        limits.maxHeaderBytes = int(headers.size()) - 1;
        checkEverySplit("GET / HTTP/1.1\r\n" + headers + "\r\n", limits, {{}, 431});
    }

    // The first offending byte decides the answer, not where a piece happened to end: an
    // over-long line followed by a bad byte is 414 whether or not the bad byte came with it.
    void firstOffendingByteDecides() {
        ParserLimits limits;
        limits.maxRequestLineBytes = 12;
        checkEverySplit("GET /aaaaaaaaaaaaaaa\x01" " HTTP/1.1\r\n\r\n", limits, {{}, 414});
        limits.maxRequestLineBytes = 100;
        limits.maxHeaderBytes = 12;
        checkEverySplit("GET / HTTP/1.1\r\nHost: aaaaaaaaaaaaa\x01\r\n\r\n", limits, {{}, 431});
        // A bad byte before the limit is reached: 400 however it arrives.
        checkEverySplit("GET /a\x01" "aaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n", limits, {{}, 400});
    }

    // A chunk-size line is limited to 1 KiB whether or not its CRLF has arrived yet.
    void chunkSizeLineLimitDoesNotDependOnSplit() {
        const QByteArray stream = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=" +
                                  QByteArray(1100, 'e') + "\r\na\r\n0\r\n\r\n";
        ParserLimits limits;
        QCOMPARE(drive(stream, {}, limits).errorStatus, 400);
        QCOMPARE(drive(stream, {stream.size() - 20}, limits).errorStatus, 400);
    }

    // Chunk extensions and trailers are framing: no bare CR/LF or control bytes in them either
    // (a lenient proxy in front could otherwise read a different message boundary).
    void chunkExtensionsAndTrailersAreStrict() {
        const QByteArray head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        ParserLimits limits;
        QCOMPARE(drive(head + "3;x\ny\r\nabc\r\n0\r\n\r\n", {}, limits).errorStatus, 400);
        QCOMPARE(drive(head + "3;x\ry\r\nabc\r\n0\r\n\r\n", {}, limits).errorStatus, 400);
        QCOMPARE(drive(head + QByteArray("3;x\0y\r\nabc\r\n0\r\n\r\n", 17), {}, limits).errorStatus, 400);
        QCOMPARE(drive(head + "0\r\nX: 1\n\r\n\r\n", {}, limits).errorStatus, 400);
        QCOMPARE(drive(head + QByteArray("0\r\nX: \0\r\n\r\n", 11), {}, limits).errorStatus, 400);
        // Still accepted: a normal extension and trailer.
        QCOMPARE(drive(head + "3;name=\"v\"\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n", {}, limits).targets,
                 QList<QByteArray>{"/"});
    }

    // The trailer section is limited like the header section, wherever the stream is cut.
    void trailerLimitDoesNotDependOnSplit() {
        ParserLimits limits;
        limits.maxHeaderBytes = 40;
        const QByteArray stream = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " +
                                  QByteArray(60, 't') + "\r\n\r\n";
        checkEverySplit(stream, limits, {{}, 431});
    }

    // An LF right after the skipped empty lines is a bare LF, not the end of a line.
    void lfAfterLeadingEmptyLinesIsBare() {
        RequestParser p;
        QCOMPARE(p.parse("\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), Result::Error);
        QCOMPARE(p.errorStatus(), 400);
        QCOMPARE(p.errorMessage(), QByteArray("bare LF in request head"));
    }
};

QTEST_GUILESS_MAIN(TestParserRegressions)
#include "tst_parserregressions.moc"
