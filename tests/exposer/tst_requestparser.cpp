// SPDX-License-Identifier: MIT
// The HTTP request parser on its own: every accepted shape, every rejected one, and requests
// split at every byte boundary as a socket may deliver them.
#include "http/requestparser.h"

#include <QTest>

using promqt::http::ParserLimits;
using promqt::http::RequestParser;
using Result = RequestParser::Result;

class TestRequestParser : public QObject {
    Q_OBJECT
private slots:
    void simpleGet() {
        RequestParser p;
        const QByteArray req = "GET /metrics?name[]=a HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n";
        QCOMPARE(p.parse(req), Result::Complete);
        QCOMPARE(p.consumed(), req.size());
        QCOMPARE(p.request().method, QByteArray("GET"));
        QCOMPARE(p.request().path, QByteArray("/metrics"));
        QCOMPARE(p.request().query, QByteArray("name[]=a"));
        QCOMPARE(p.request().versionMinor, 1);
        QCOMPARE(p.request().header("accept"), QByteArray("text/plain"));
        QVERIFY(p.request().keepAlive);
    }

    void everySplitPoint() {
        const QByteArray req = "GET /m HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET";
        for (int cut = 0; cut < req.size() - 3; ++cut) {
            RequestParser p;
            const QByteArray first = req.left(cut);
            QVERIFY2(p.parse(first) == Result::NeedMore, qPrintable(QString::number(cut)));
            QCOMPARE(p.parse(req), Result::Complete);
            QCOMPARE(p.consumed(), req.size() - 3);
        }
    }

    void leadingEmptyLinesAreIgnored() {
        RequestParser p;
        QCOMPARE(p.parse("\r\n\r\nGET / HTTP/1.0\r\n\r\n"), Result::Complete);
        QCOMPARE(p.request().versionMinor, 0);
        QVERIFY(!p.request().keepAlive);
    }

    void keepAliveRules() {
        RequestParser p;
        QCOMPARE(p.parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), Result::Complete);
        QVERIFY(p.request().keepAlive);
        p.reset();
        QCOMPARE(p.parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n"), Result::Complete);
        QVERIFY(!p.request().keepAlive);
    }

    void targetForms() {
        RequestParser p;
        QCOMPARE(p.parse("GET http://example.com:9/metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"), Result::Complete);
        QCOMPARE(p.request().path, QByteArray("/metrics"));
        QCOMPARE(p.request().query, QByteArray("x=1"));
        p.reset();
        QCOMPARE(p.parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), Result::Complete);
        QCOMPARE(p.request().path, QByteArray("*"));
        p.reset();
        QCOMPARE(p.parse("GET /a%20b HTTP/1.1\r\nHost: a\r\n\r\n"), Result::Complete);
        QCOMPARE(p.request().path, QByteArray("/a b"));
    }

    void chunkedBodyIsSkippedExactly() {
        RequestParser p;
        const QByteArray req = "POST /m HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n";
        QCOMPARE(p.parse(req + "NEXT"), Result::Complete);
        QCOMPARE(p.consumed(), req.size());
    }

    void rejected_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: a\n\n") << 400;
        QTest::newRow("bare CR") << QByteArray("GET / HTTP/1.1\rHost: a\r\n\r\n") << 400;
        QTest::newRow("NUL in header") << QByteArray("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 29) << 400;
        QTest::newRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  2\r\n\r\n") << 400;
        QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : a\r\n\r\n") << 400;
        QTest::newRow("CL and TE") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") << 400;
        QTest::newRow("duplicate CL differing") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") << 400;
        QTest::newRow("CL list differing") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n") << 400;
        QTest::newRow("CL negative") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n") << 400;
        QTest::newRow("unknown TE") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") << 501;
        QTest::newRow("TE in 1.0") << QByteArray("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") << 400;
        QTest::newRow("no Host in 1.1") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("two Hosts") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400;
        QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\nHost: a\r\n\r\n") << 505;
        QTest::newRow("garbage version") << QByteArray("GET / HTTX/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("missing version") << QByteArray("GET /\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("double space") << QByteArray("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("bad method") << QByteArray("G(T / HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("authority form") << QByteArray("CONNECT example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("bad percent") << QByteArray("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("encoded NUL") << QByteArray("GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n") << 400;
        QTest::newRow("body too large") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999\r\n\r\n") << 413;
        QTest::newRow("bad chunk") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << 400;
        QTest::newRow("request line too long") << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n\r\n") << 414;
        QTest::newRow("request line too long, unfinished") << QByteArray("GET /" + QByteArray(9000, 'a')) << 414;
        QTest::newRow("headers too large") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX: " + QByteArray(17000, 'a') + "\r\n\r\n") << 431;
        QTest::newRow("headers too large, unfinished") << QByteArray("GET / HTTP/1.1\r\nX: " + QByteArray(17000, 'a')) << 431;
    }
    void rejected() {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        RequestParser p;
        QCOMPARE(p.parse(bytes), Result::Error);
        QCOMPARE(p.errorStatus(), status);
        QVERIFY(!p.errorMessage().isEmpty());
    }

    void tooManyHeaders() {
        ParserLimits limits;
        limits.maxHeaderCount = 3;
        RequestParser p(limits);
        QCOMPARE(p.parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), Result::Error);
        QCOMPARE(p.errorStatus(), 431);
    }
};

QTEST_GUILESS_MAIN(TestRequestParser)
#include "tst_requestparser.moc"
