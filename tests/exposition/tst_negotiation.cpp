// SPDX-License-Identifier: MIT
// Accept → format and Accept-Encoding → gzip, with real-world headers and hostile ones.
#include <promqt/exposition.h>

#include <QTest>

using namespace promqt;

Q_DECLARE_METATYPE(promqt::ExpositionFormat)

class TestNegotiation : public QObject {
    Q_OBJECT

private slots:
    void format_data() {
        QTest::addColumn<QByteArray>("accept");
        QTest::addColumn<ExpositionFormat>("expected");
        const auto om = ExpositionFormat::OpenMetrics;
        const auto text = ExpositionFormat::Text;
        // What Prometheus 2.42 sends when scraping.
        QTest::newRow("prometheus 2.42")
            << QByteArray("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                          "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
            << om;
        // Prometheus 3 adds an escaping parameter and lists 1.0.0 at q=0.5 below text … 0.0.4 at 0.4.
        QTest::newRow("prometheus 3 style")
            << QByteArray("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
                          "text/plain;version=0.0.4;q=0.4,*/*;q=0.1")
            << om;
        // Prometheus with scrape_protocols preferring text.
        QTest::newRow("text preferred") << QByteArray("text/plain;version=0.0.4;q=1,application/openmetrics-text;"
                                                      "version=1.0.0;q=0.5")
                                        << text;
        QTest::newRow("curl") << QByteArray("*/*") << text;
        QTest::newRow("browser") << QByteArray("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                                               "image/webp,*/*;q=0.8")
                                 << text;
        QTest::newRow("om q=0") << QByteArray("application/openmetrics-text;q=0") << text;
        QTest::newRow("om q=0.000") << QByteArray("application/openmetrics-text; q=0.000") << text;
        QTest::newRow("om only") << QByteArray("application/openmetrics-text") << om;
        QTest::newRow("om 1.0.0 only") << QByteArray("application/openmetrics-text; version=1.0.0") << om;
        QTest::newRow("om quoted version") << QByteArray("application/openmetrics-text;version=\"1.0.0\"") << om;
        // We only write 1.0.0; a client asking for another version gets text.
        QTest::newRow("om 0.0.1 only") << QByteArray("application/openmetrics-text;version=0.0.1") << text;
        QTest::newRow("om 2.0.0 only") << QByteArray("application/openmetrics-text;version=2.0.0") << text;
        QTest::newRow("case-insensitive")
            << QByteArray("Application/OpenMetrics-Text;Version=1.0.0;Q=0.9, TEXT/PLAIN;q=0.5") << om;
        QTest::newRow("tie goes to OpenMetrics") << QByteArray("text/plain;q=0.5,application/openmetrics-text;q=0.5")
                                                 << om;
        QTest::newRow("text wins") << QByteArray("application/openmetrics-text;q=0.4,text/plain;q=0.5") << text;
        QTest::newRow("wildcard beats om") << QByteArray("application/openmetrics-text;q=0.4,*/*") << text;
        QTest::newRow("text/* beats om") << QByteArray("application/openmetrics-text;q=0.4,text/*;q=0.6") << text;
        // RFC 9110: the most specific range decides; text/plain;q=0 overrides */*.
        QTest::newRow("text refused, wildcard ok")
            << QByteArray("application/openmetrics-text;q=0.2,text/plain;q=0,*/*;q=1") << om;
        QTest::newRow("versioned text more specific")
            << QByteArray("text/plain;version=0.0.4;q=0.1,text/plain;q=1,application/openmetrics-text;q=0.5") << om;
        QTest::newRow("versioned om refused")
            << QByteArray("application/openmetrics-text;version=1.0.0;q=0,application/openmetrics-text") << text;
        QTest::newRow("application/* is not om") << QByteArray("application/*") << text;
        QTest::newRow("whitespace")
            << QByteArray(" application/openmetrics-text ; version = 1.0.0 ; q = 0.8 ,\ttext/plain ;q=0.2 ") << om;
        QTest::newRow("empty") << QByteArray("") << text;
        QTest::newRow("garbage") << QByteArray("\x01\xff;;;,,==\"") << text;
        QTest::newRow("garbage then om") << QByteArray("@@@, application/openmetrics-text") << om;
        // Malformed q: the range is ignored (neither accepted nor refused).
        QTest::newRow("q above 1") << QByteArray("application/openmetrics-text;q=1.5") << text;
        QTest::newRow("q four decimals") << QByteArray("application/openmetrics-text;q=0.1234") << text;
        QTest::newRow("q not a number") << QByteArray("application/openmetrics-text;q=high") << text;
        QTest::newRow("q empty") << QByteArray("application/openmetrics-text;q=") << text;
        QTest::newRow("bad q ignores only that range")
            << QByteArray("text/plain;q=abc,application/openmetrics-text;q=0.1") << om;
        QTest::newRow("unterminated quote") << QByteArray("application/openmetrics-text;version=\"1.0.0") << text;
        QTest::newRow("trailing semicolon") << QByteArray("application/openmetrics-text;") << om;
        QTest::newRow("no subtype") << QByteArray("application/") << text;
        QTest::newRow("two slashes") << QByteArray("application/openmetrics-text/x") << text;
        QTest::newRow("empty elements") << QByteArray(",,application/openmetrics-text,,") << om;
    }
    void format() {
        QFETCH(QByteArray, accept);
        QFETCH(ExpositionFormat, expected);
        QCOMPARE(negotiateFormat(accept), expected);
    }

    void contentTypes() {
        QCOMPARE(contentType(ExpositionFormat::Text), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
        QCOMPARE(contentType(ExpositionFormat::OpenMetrics),
                 QByteArray("application/openmetrics-text; version=1.0.0; charset=utf-8"));
        // What we announce is what we negotiate to.
        QCOMPARE(negotiateFormat(contentType(ExpositionFormat::OpenMetrics)), ExpositionFormat::OpenMetrics);
        QCOMPARE(negotiateFormat(contentType(ExpositionFormat::Text)), ExpositionFormat::Text);
    }

    void gzip_data() {
        QTest::addColumn<QByteArray>("acceptEncoding");
        QTest::addColumn<bool>("expected");
        QTest::newRow("gzip") << QByteArray("gzip") << true;
        QTest::newRow("gzip;q=0") << QByteArray("gzip;q=0") << false;
        QTest::newRow("gzip;q=0.001") << QByteArray("gzip;q=0.001") << true;
        QTest::newRow("*") << QByteArray("*") << true;
        QTest::newRow("*;q=0") << QByteArray("*;q=0") << false;
        QTest::newRow("identity") << QByteArray("identity") << false;
        QTest::newRow("deflate, gzip;q=0.5") << QByteArray("deflate, gzip;q=0.5") << true;
        QTest::newRow("x-gzip") << QByteArray("x-gzip") << true;
        QTest::newRow("empty") << QByteArray("") << false;
        QTest::newRow("garbage") << QByteArray("\x01\x02;;=,\"") << false;
        QTest::newRow("uppercase") << QByteArray("GZIP") << true;
        QTest::newRow("uppercase q") << QByteArray("GZip;Q=0") << false;
        QTest::newRow("browser") << QByteArray("gzip, deflate, br") << true;
        QTest::newRow("prometheus") << QByteArray("gzip") << true;
        QTest::newRow("named beats wildcard") << QByteArray("*;q=1, gzip;q=0") << false;
        QTest::newRow("named beats refused wildcard") << QByteArray("*;q=0, gzip") << true;
        QTest::newRow("wildcard after others") << QByteArray("br, *;q=0.1") << true;
        QTest::newRow("gzip inside a word") << QByteArray("gzipped, xgzip") << false;
        QTest::newRow("bad q ignored") << QByteArray("gzip;q=2") << false;
        QTest::newRow("bad q does not hide wildcard") << QByteArray("gzip;q=x, *") << true;
        QTest::newRow("whitespace") << QByteArray("  deflate ,\t gzip ; q=0.8  ") << true;
        QTest::newRow("media range is not a coding") << QByteArray("gzip/x") << false;
    }
    void gzip() {
        QFETCH(QByteArray, acceptEncoding);
        QFETCH(bool, expected);
        QCOMPARE(acceptsGzip(acceptEncoding), expected);
    }
};

QTEST_GUILESS_MAIN(TestNegotiation)
#include "tst_negotiation.moc"
