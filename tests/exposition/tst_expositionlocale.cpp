// SPDX-License-Identifier: MIT
// The writers' bytes do not depend on the C or C++ global locale (prometheus-cpp has the same
// test for its serializer): a German "3,5" in an exposition would be a parse error.
#include <promqt/exposition.h>

#include "testregistry.h"

#include <QLocale>
#include <QTest>

#include <clocale>
#include <locale>
#include <sstream>

using namespace promqt;

namespace {

// Comma as decimal point and '.' as thousands separator every 3 digits: the worst case for
// anything that formats through iostreams or printf.
class GermanStyleNumpunct : public std::numpunct<char> {
protected:
    char do_decimal_point() const override { return ','; }
    char do_thousands_sep() const override { return '.'; }
    std::string do_grouping() const override { return "\3"; }
};

struct Outputs {
    std::string text;
    std::string openMetrics;
    QByteArray gzip;
};

Outputs writeAll() {
    const auto families = test::makeAwkwardRegistry(true)->Collect();
    Outputs out;
    writeText(families, out.text);
    writeOpenMetrics(families, out.openMetrics);
    out.gzip = gzipCompress(QByteArray::fromStdString(out.text), 6);
    // A timestamp and a big integer, which take other formatting paths.
    prometheus::MetricFamily f;
    f.name = "ts";
    f.type = prometheus::MetricType::Gauge;
    f.metric.resize(1);
    f.metric[0].gauge.value = 1234567.5;
    f.metric[0].timestamp_ms = 1712345678901;
    writeText({f}, out.text);
    writeOpenMetrics({f}, out.openMetrics);
    return out;
}

} // namespace

class TestExpositionLocale : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { m_reference = writeAll(); }

    void cleanup() {
        std::locale::global(std::locale::classic());
        std::setlocale(LC_ALL, "C");
        QLocale::setDefault(QLocale::c());
    }

    void referenceUsesDots() {
        QVERIFY(m_reference.text.find("1234567.5 1712345678901\n") != std::string::npos);
        QVERIFY(m_reference.openMetrics.find("1234567.5 1712345678.901\n") != std::string::npos);
        QVERIFY(m_reference.text.find("0.1\n") != std::string::npos);
    }

    void commaDecimalCppLocale() {
        std::locale::global(std::locale(std::locale::classic(), new GermanStyleNumpunct));
        // Prove the locale is in force: a default-constructed stream now writes "1.234,5".
        std::ostringstream probe;
        probe << 1234.5;
        QCOMPARE(probe.str(), std::string("1.234,5"));
        const Outputs now = writeAll();
        QCOMPARE(now.text, m_reference.text);
        QCOMPARE(now.openMetrics, m_reference.openMetrics);
        QCOMPARE(now.gzip, m_reference.gzip);
    }

    void qtDefaultLocale() {
        QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
        QCOMPARE(QLocale().toString(1.5), QStringLiteral("1,5"));
        const Outputs now = writeAll();
        QCOMPARE(now.text, m_reference.text);
        QCOMPARE(now.openMetrics, m_reference.openMetrics);
    }

    void germanCLocale() {
        const char* set = nullptr;
        for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "de_DE"}) {
            if ((set = std::setlocale(LC_ALL, name)))
                break;
        }
        if (!set)
            QSKIP("no de_DE locale installed (on Debian: locales, locale-gen de_DE.UTF-8)");
        QCOMPARE(std::localeconv()->decimal_point, ",");
        // And the C++ global locale from the environment's name, as a program calling
        // std::locale::global(std::locale("")) would have it.
        std::locale::global(std::locale(set));
        const Outputs now = writeAll();
        QCOMPARE(now.text, m_reference.text);
        QCOMPARE(now.openMetrics, m_reference.openMetrics);
        QCOMPARE(now.gzip, m_reference.gzip);
    }

private:
    Outputs m_reference;
};

QTEST_GUILESS_MAIN(TestExpositionLocale)
#include "tst_expositionlocale.moc"
