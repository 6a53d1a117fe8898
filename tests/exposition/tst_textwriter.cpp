// SPDX-License-Identifier: MIT
// promqt::writeText: same samples as prometheus-cpp's TextSerializer, exact spelling of numbers
// and escapes, and robustness against input TextSerializer would turn into broken output.
#include <promqt/exposition.h>

#include "expositionparser.h"
#include "testfamilies.h"
#include "testregistry.h"

#include <prometheus/text_serializer.h>

#include <QTest>

#include <sstream>

using namespace promqt;
using promqt::test::Dialect;
using promqt::test::family;
using promqt::test::gaugeMetric;
using promqt::test::parseExposition;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {

std::string prometheusCppText(const std::vector<MetricFamily>& families) {
    std::ostringstream stream;
    prometheus::TextSerializer().Serialize(stream, families);
    return stream.str();
}

// Compares the parsed samples and family types of two outputs; on failure reports the first
// difference.
void compareSampleSets(const std::string& ours, const std::string& theirs) {
    const auto a = parseExposition(ours, Dialect::Text);
    QVERIFY2(a.ok(), (a.error + "\n" + ours).c_str());
    const auto b = parseExposition(theirs, Dialect::Text);
    QVERIFY2(b.ok(), (b.error + "\n" + theirs).c_str());
    QVERIFY(!a.samples.empty());

    QCOMPARE(a.samples.size(), b.samples.size());
    const auto ca = test::canonicalSamples(a.samples);
    const auto cb = test::canonicalSamples(b.samples);
    QCOMPARE(ca.size(), a.samples.size()); // no duplicate series
    QCOMPARE(ca.size(), cb.size());
    for (const auto& [key, value] : ca) {
        const auto it = cb.find(key);
        std::string labels;
        for (const auto& [n, v] : key.labels)
            labels += n + "=" + v + ";";
        QVERIFY2(it != cb.end(), ("missing in TextSerializer output: " + key.name + "{" + labels + "}").c_str());
        QVERIFY2(test::sameValue(value, it->second),
                 (key.name + "{" + labels + "}: " + std::to_string(value) + " vs " + std::to_string(it->second))
                     .c_str());
    }
    QCOMPARE(a.familyOrder, b.familyOrder);
    for (const auto& [name, fam] : a.families) {
        QCOMPARE(fam.type, b.families.at(name).type);
        QCOMPARE(fam.help.value_or(""), b.families.at(name).help.value_or(""));
    }
}

} // namespace

class TestTextWriter : public QObject {
    Q_OBJECT

private slots:
    void sameSamplesAsTextSerializer() {
        const auto registry = test::makeAwkwardRegistry();
        const auto families = registry->Collect();
        std::string ours;
        writeText(families, ours);
        compareSampleSets(ours, prometheusCppText(families));
    }

    void sameSamplesAsTextSerializerForHandMadeFamilies() {
        // What custom Collectables produce: untyped families, timestamps, histograms without
        // the +Inf bucket, summaries without quantiles.
        std::vector<MetricFamily> families;
        ClientMetric untyped;
        untyped.untyped.value = -1.5;
        untyped.timestamp_ms = 1700000000123;
        untyped.label = {{"a", "1"}, {"b", "\\\""}};
        families.push_back(family("custom_untyped", MetricType::Untyped, {untyped}, "hand made"));

        ClientMetric histogram;
        histogram.histogram.sample_count = 7;
        histogram.histogram.sample_sum = 12.5;
        histogram.histogram.bucket = {{2, 0.5}, {5, 1.0}}; // {cumulative_count, upper_bound}
        families.push_back(family("custom_hist", MetricType::Histogram, {histogram}));

        ClientMetric summary;
        summary.summary.sample_count = 3;
        summary.summary.sample_sum = 6;
        families.push_back(family("custom_summary", MetricType::Summary, {summary}));

        ClientMetric negativeTime = gaugeMetric(1);
        negativeTime.timestamp_ms = -5;
        families.push_back(family("custom_gauge", MetricType::Gauge, {negativeTime}));

        std::string ours;
        writeText(families, ours);
        compareSampleSets(ours, prometheusCppText(families));
        QVERIFY(ours.find("custom_hist_bucket{le=\"+Inf\"} 7\n") != std::string::npos);
        QVERIFY(ours.find("custom_untyped{a=\"1\",b=\"\\\\\\\"\"} -1.5 1700000000123\n") != std::string::npos);
        QVERIFY(ours.find("custom_gauge 1 -5\n") != std::string::npos);
    }

    void exactOutput() {
        using namespace prometheus;
        Registry registry;
        BuildCounter().Name("jobs_total").Help("Jobs done.").Register(registry).Add({{"queue", "a"}}).Increment(3);
        auto& hist = BuildHistogram().Name("job_seconds").Help("Job time.").Register(registry);
        hist.Add({}, Histogram::BucketBoundaries{0.5, 1}).Observe(0.75);
        auto& summary = BuildSummary().Name("job_bytes").Help("").Register(registry);
        summary.Add({{"k", "v"}}, Summary::Quantiles{{0.5, 0.05}}).Observe(8);

        std::string out;
        writeText(registry.Collect(), out);
        // Families in registration order, like TextSerializer; histogram and summary lines in
        // the Go client's order (buckets or quantiles, _sum, _count).
        const std::string expected = "# HELP jobs_total Jobs done.\n"
                                     "# TYPE jobs_total counter\n"
                                     "jobs_total{queue=\"a\"} 3\n"
                                     "# HELP job_seconds Job time.\n"
                                     "# TYPE job_seconds histogram\n"
                                     "job_seconds_bucket{le=\"0.5\"} 0\n"
                                     "job_seconds_bucket{le=\"1\"} 1\n"
                                     "job_seconds_bucket{le=\"+Inf\"} 1\n"
                                     "job_seconds_sum 0.75\n"
                                     "job_seconds_count 1\n"
                                     "# TYPE job_bytes summary\n"
                                     "job_bytes{k=\"v\",quantile=\"0.5\"} 8\n"
                                     "job_bytes_sum{k=\"v\"} 8\n"
                                     "job_bytes_count{k=\"v\"} 1\n";
        QCOMPARE(QByteArray::fromStdString(out), QByteArray::fromStdString(expected));
        QCOMPARE(serialize(registry.Collect(), ExpositionFormat::Text), expected);
    }

    void numberSpelling_data() {
        QTest::addColumn<double>("value");
        QTest::addColumn<QByteArray>("spelling");
        QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN() << QByteArray("NaN");
        QTest::newRow("+Inf") << HUGE_VAL << QByteArray("+Inf");
        QTest::newRow("-Inf") << -HUGE_VAL << QByteArray("-Inf");
        QTest::newRow("zero") << 0.0 << QByteArray("0");
        QTest::newRow("negative zero") << -0.0 << QByteArray("-0");
        QTest::newRow("0.1") << 0.1 << QByteArray("0.1");
        QTest::newRow("1/3") << 1.0 / 3 << QByteArray("0.3333333333333333");
        QTest::newRow("1e-300") << 1e-300 << QByteArray("1e-300");
        QTest::newRow("1e300") << 1e300 << QByteArray("1e+300");
        QTest::newRow("1e17") << 1e17 << QByteArray("100000000000000000"); // integer path
        QTest::newRow("1e20") << 1e20 << QByteArray("1e+20");                // beyond it: shortest
        QTest::newRow("million") << 1e6 << QByteArray("1000000");
        QTest::newRow("-42") << -42.0 << QByteArray("-42");
        QTest::newRow("2^53+1") << 9007199254740993.0 << QByteArray("9007199254740992");
        QTest::newRow("2^63-1024") << 9223372036854774784.0 << QByteArray("9223372036854774784");
        QTest::newRow("-2^63") << -9223372036854775808.0 << QByteArray("-9223372036854775808");
        QTest::newRow("2^63") << 9223372036854775808.0 << QByteArray("9223372036854775808");
        QTest::newRow("denormal") << std::numeric_limits<double>::denorm_min() << QByteArray("5e-324");
        QTest::newRow("max") << std::numeric_limits<double>::max() << QByteArray("1.7976931348623157e+308");
        QTest::newRow("123456.789") << 123456.789 << QByteArray("123456.789");
    }
    void numberSpelling() {
        QFETCH(double, value);
        QFETCH(QByteArray, spelling);
        std::string out;
        writeText({family("g", MetricType::Gauge, {gaugeMetric(value)})}, out);
        QCOMPARE(QByteArray::fromStdString(out), "# TYPE g gauge\ng " + spelling + "\n");
        // Every spelling reads back as the same double.
        const auto parsed = parseExposition(out, Dialect::Text);
        QVERIFY(parsed.ok());
        QVERIFY(test::sameValue(parsed.samples.at(0).value, value));
        QCOMPARE(std::signbit(parsed.samples.at(0).value), std::signbit(value));
    }

    void exactWhereTextSerializerIsLossy() {
        // prometheus-cpp 1.0.1 writes 16 significant digits: 0.1 + 0.2 comes out as "0.3" (a
        // different double) and DBL_MAX as "1.797693134862316e+308", which is out of range and
        // fails Prometheus' parser. The shortest round-trip spelling avoids both.
        const std::vector<double> values = {0.1 + 0.2, std::numeric_limits<double>::max(),
                                            std::numeric_limits<double>::lowest(), 2.0 / 3};
        std::vector<ClientMetric> metrics;
        for (const double v : values)
            metrics.push_back(gaugeMetric(v, {{"i", std::to_string(metrics.size())}}));
        const std::vector<MetricFamily> families = {family("g", MetricType::Gauge, metrics)};
        std::string ours;
        writeText(families, ours);
        const auto parsed = parseExposition(ours, Dialect::Text);
        QVERIFY2(parsed.ok(), parsed.error.c_str());
        QCOMPARE(parsed.samples.size(), values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            QCOMPARE(parsed.samples[i].value, values[i]); // bit-exact
        QVERIFY(ours.find("g{i=\"0\"} 0.30000000000000004\n") != std::string::npos);

        // Documenting the reference's behaviour, so this test notices if prometheus-cpp changes.
        const std::string theirs = prometheusCppText(families);
        const auto theirsParsed = parseExposition(theirs, Dialect::Text);
        QVERIFY(!theirsParsed.ok()); // the out-of-range DBL_MAX
        QVERIFY(theirs.find("g{i=\"0\"} 0.3\n") != std::string::npos);
    }

    void labelValueEscaping() {
        std::string out;
        writeText({family("g", MetricType::Gauge, {gaugeMetric(1, {{"v", "a\\b\"c\nd"}})})}, out);
        QCOMPARE(QByteArray::fromStdString(out), QByteArray("# TYPE g gauge\ng{v=\"a\\\\b\\\"c\\nd\"} 1\n"));
    }

    void helpEscaping() {
        // TextSerializer writes this HELP raw, and the second line breaks the exposition.
        std::string out;
        writeText({family("g", MetricType::Gauge, {gaugeMetric(1)}, "a\\b\nc \"quoted\"")}, out);
        QCOMPARE(QByteArray::fromStdString(out),
                 QByteArray("# HELP g a\\\\b\\nc \"quoted\"\n# TYPE g gauge\ng 1\n"));
        const auto parsed = parseExposition(out, Dialect::Text);
        QVERIFY(parsed.ok());
        QCOMPARE(*parsed.families.at("g").help, std::string("a\\b\nc \"quoted\""));
    }

    void helpWithNewlinesInRegistryParses() {
        std::string out;
        writeText(test::makeAwkwardRegistry(true)->Collect(), out);
        const auto parsed = parseExposition(out, Dialect::Text);
        QVERIFY2(parsed.ok(), parsed.error.c_str());
        QCOMPARE(*parsed.families.at("test_requests_total").help, std::string("Requests\nwith a \\ backslash"));
    }

    void invalidUtf8IsReplaced() {
        // Prometheus refuses a whole scrape over one invalid UTF-8 label value.
        std::string out;
        writeText({family("g", MetricType::Gauge, {gaugeMetric(1, {{"v", std::string("a\xFF" "b\xC3", 4)}})},
                          "bad \xE0\x80\x80 help")},
                  out);
        QCOMPARE(QByteArray::fromStdString(out),
                 QByteArray("# HELP g bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD help\n# TYPE g gauge\n"
                            "g{v=\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"} 1\n"));
        QVERIFY(test::parser_detail::isValidUtf8(out));
    }

    void validUtf8IsKeptAsIs() {
        const std::string value = "\xC3\xBC \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF \xF4\x8F\xBF\xBF";
        std::string out;
        writeText({family("g", MetricType::Gauge, {gaugeMetric(1, {{"v", value}})})}, out);
        QCOMPARE(QByteArray::fromStdString(out), QByteArray::fromStdString("# TYPE g gauge\ng{v=\"" + value + "\"} 1\n"));
    }

    void unlabelledAndEmptyFamilies() {
        std::string out;
        writeText({family("empty", MetricType::Counter), family("g", MetricType::Gauge, {gaugeMetric(2)})}, out);
        // An empty family keeps its TYPE line, as with TextSerializer.
        QCOMPARE(QByteArray::fromStdString(out), QByteArray("# TYPE empty counter\n# TYPE g gauge\ng 2\n"));
        std::string none;
        writeText({}, none);
        QVERIFY(none.empty());
    }

    void appendsWithoutTouchingExistingBytes() {
        std::string out = "prefix\n";
        writeText({family("g", MetricType::Gauge, {gaugeMetric(1)})}, out);
        QCOMPARE(QByteArray::fromStdString(out), QByteArray("prefix\n# TYPE g gauge\ng 1\n"));
    }

    void repeatedFamiliesAreMerged() {
        // Two collectables on one path both exporting the same family.
        std::vector<MetricFamily> families = {
            family("shared", MetricType::Gauge, {gaugeMetric(1, {{"src", "a"}})}, "first help"),
            family("other", MetricType::Gauge, {gaugeMetric(5)}),
            family("shared", MetricType::Gauge, {gaugeMetric(2, {{"src", "b"}})}, "second help"),
            family("shared", MetricType::Counter, {}), // different type: cannot be exposed
        };
        std::string out;
        writeText(families, out);
        QCOMPARE(QByteArray::fromStdString(out), QByteArray("# HELP shared first help\n# TYPE shared gauge\n"
                                                            "shared{src=\"a\"} 1\nshared{src=\"b\"} 2\n"
                                                            "# TYPE other gauge\nother 5\n"));
        QVERIFY(parseExposition(out, Dialect::Text).ok());
    }

    void invalidNamesAreSkipped() {
        // prometheus-cpp's builders validate names, but a custom Collectable can return anything;
        // one unparsable line would fail the whole scrape.
        std::vector<MetricFamily> families = {
            family("bad name", MetricType::Gauge, {gaugeMetric(1)}),
            family("", MetricType::Gauge, {gaugeMetric(1)}),
            family("bad\nname", MetricType::Gauge, {gaugeMetric(1)}),
            family("ok:name_1", MetricType::Gauge,
                   {gaugeMetric(1, {{"bad label", "x"}}), gaugeMetric(2, {{"good", "y"}}),
                    gaugeMetric(3, {{"0digit", "z"}}), gaugeMetric(4, {{"colon:", "z"}})}),
        };
        std::string out;
        writeText(families, out);
        QCOMPARE(QByteArray::fromStdString(out), QByteArray("# TYPE ok:name_1 gauge\nok:name_1{good=\"y\"} 2\n"));
    }

    void unwritableLabelSetsAreSkipped() {
        // Duplicate label names, and `le`/`quantile` where the writer adds its own, would make
        // Prometheus reject the whole scrape.
        ClientMetric histogram;
        histogram.label = {{"le", "1"}};
        histogram.histogram.sample_count = 1;
        ClientMetric summary;
        summary.label = {{"quantile", "0.5"}};
        ClientMetric fine;
        fine.label = {{"le", "x"}, {"quantile", "y"}};
        fine.gauge.value = 1;
        std::string out;
        writeText({family("h", MetricType::Histogram, {histogram}), family("s", MetricType::Summary, {summary}),
                   family("g", MetricType::Gauge, {gaugeMetric(1, {{"a", "1"}, {"b", "2"}, {"a", "3"}}), fine})},
                  out);
        QCOMPARE(QByteArray::fromStdString(out), QByteArray("# TYPE h histogram\n# TYPE s summary\n# TYPE g gauge\n"
                                                            "g{le=\"x\",quantile=\"y\"} 1\n"));
    }

    void timestampsInMilliseconds() {
        ClientMetric m = gaugeMetric(1);
        m.timestamp_ms = 1712345678901;
        std::string out;
        writeText({family("g", MetricType::Gauge, {m})}, out);
        QCOMPARE(QByteArray::fromStdString(out), QByteArray("# TYPE g gauge\ng 1 1712345678901\n"));
    }
};

QTEST_GUILESS_MAIN(TestTextWriter)
#include "tst_textwriter.moc"
