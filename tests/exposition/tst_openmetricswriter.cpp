// SPDX-License-Identifier: MIT
// promqt::writeOpenMetrics: exact output, counter naming, structure (checked by a strict reader
// of the OpenMetrics grammar) and sameness of the samples with the text writer's.
#include <promqt/exposition.h>

#include "expositionparser.h"
#include "testfamilies.h"
#include "testregistry.h"

#include <QTest>

using namespace promqt;
using promqt::test::counterMetric;
using promqt::test::Dialect;
using promqt::test::family;
using promqt::test::parseExposition;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {

QByteArray openMetrics(const std::vector<MetricFamily>& families) {
    std::string out;
    writeOpenMetrics(families, out);
    return QByteArray::fromStdString(out);
}

} // namespace

class TestOpenMetricsWriter : public QObject {
    Q_OBJECT

private slots:
    void exactOutput() {
        using namespace prometheus;
        Registry registry;
        BuildCounter().Name("jobs_total").Help("Jobs \"done\".").Register(registry).Add({{"queue", "a"}}).Increment(3);
        BuildCounter().Name("events").Help("").Register(registry).Add({}).Increment(1);
        BuildGauge().Name("temperature_celsius").Help("Now.").Register(registry).Add({}).Set(-4.5);
        auto& hist = BuildHistogram().Name("job_seconds").Help("Job time.").Register(registry);
        hist.Add({}, Histogram::BucketBoundaries{0.5, 1}).Observe(0.75);
        auto& summary = BuildSummary().Name("job_bytes").Help("").Register(registry);
        summary.Add({{"k", "v"}}, Summary::Quantiles{{0.5, 0.05}}).Observe(8);
        auto families = registry.Collect();
        ClientMetric untyped;
        untyped.untyped.value = 7;
        families.push_back(family("legacy", MetricType::Untyped, {untyped}, "Untyped."));

        // TYPE before HELP, as the OpenMetrics spec's examples and the Go client do.
        const QByteArray expected = "# TYPE jobs counter\n"
                                    "# HELP jobs Jobs \\\"done\\\".\n"
                                    "jobs_total{queue=\"a\"} 3\n"
                                    "# TYPE events counter\n"
                                    "events_total 1\n"
                                    "# TYPE temperature_celsius gauge\n"
                                    "# HELP temperature_celsius Now.\n"
                                    "temperature_celsius -4.5\n"
                                    "# TYPE job_seconds histogram\n"
                                    "# HELP job_seconds Job time.\n"
                                    "job_seconds_bucket{le=\"0.5\"} 0\n"
                                    "job_seconds_bucket{le=\"1\"} 1\n"
                                    "job_seconds_bucket{le=\"+Inf\"} 1\n"
                                    "job_seconds_sum 0.75\n"
                                    "job_seconds_count 1\n"
                                    "# TYPE job_bytes summary\n"
                                    "job_bytes{k=\"v\",quantile=\"0.5\"} 8\n"
                                    "job_bytes_sum{k=\"v\"} 8\n"
                                    "job_bytes_count{k=\"v\"} 1\n"
                                    "# TYPE legacy unknown\n"
                                    "# HELP legacy Untyped.\n"
                                    "legacy 7\n"
                                    "# EOF\n";
        QCOMPARE(openMetrics(families), expected);
        QCOMPARE(QByteArray::fromStdString(serialize(families, ExpositionFormat::OpenMetrics)), expected);
        QVERIFY(parseExposition(expected.toStdString(), Dialect::OpenMetrics).ok());
    }

    void emptyInputIsJustEof() {
        QCOMPARE(openMetrics({}), QByteArray("# EOF\n"));
        std::string out = "x";
        writeOpenMetrics({}, out);
        QCOMPARE(out, std::string("x# EOF\n"));
    }

    void counterTotalSuffix_data() {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("expected");
        // With and without `_total`, the family is the base name and the sample carries `_total`
        // exactly once.
        QTest::newRow("with _total") << QByteArray("requests_total")
                                     << QByteArray("# TYPE requests counter\nrequests_total 1\n# EOF\n");
        QTest::newRow("without _total") << QByteArray("requests")
                                        << QByteArray("# TYPE requests counter\nrequests_total 1\n# EOF\n");
        QTest::newRow("_total twice") << QByteArray("a_total_total")
                                      << QByteArray("# TYPE a_total counter\na_total_total 1\n# EOF\n");
        // Stripping would leave no name: kept whole, the sample then gets its own `_total`.
        QTest::newRow("only _total") << QByteArray("_total")
                                     << QByteArray("# TYPE _total counter\n_total_total 1\n# EOF\n");
        QTest::newRow("total without underscore") << QByteArray("subtotal")
                                                  << QByteArray("# TYPE subtotal counter\nsubtotal_total 1\n# EOF\n");
    }
    void counterTotalSuffix() {
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, expected);
        const QByteArray out = openMetrics({family(name.toStdString(), MetricType::Counter, {counterMetric(1)})});
        QCOMPARE(out, expected);
        QVERIFY(parseExposition(out.toStdString(), Dialect::OpenMetrics).ok());
    }

    void nonCountersKeepTotalInTheirName() {
        ClientMetric gauge;
        gauge.gauge.value = 1;
        QCOMPARE(openMetrics({family("odd_total", MetricType::Gauge, {gauge})}),
                 QByteArray("# TYPE odd_total gauge\nodd_total 1\n# EOF\n"));
    }

    void countersWithAndWithoutTotalMerge() {
        // Both are the OpenMetrics family "x"; two TYPE lines for it would be invalid.
        const QByteArray out = openMetrics({family("x", MetricType::Counter, {counterMetric(1, {{"a", "1"}})}),
                                            family("x_total", MetricType::Counter, {counterMetric(2, {{"a", "2"}})})});
        QCOMPARE(out, QByteArray("# TYPE x counter\nx_total{a=\"1\"} 1\nx_total{a=\"2\"} 2\n# EOF\n"));
    }

    void totalSuffixClashesAreResolved() {
        // Found by fuzz_writers: counter "b_total" is the OpenMetrics family "b" with samples
        // "b_total"; an untyped family also called "b_total" would share that sample name, which
        // OpenMetrics forbids. The first family in the input wins, as for any name clash.
        ClientMetric untyped;
        untyped.untyped.value = 5;
        const QByteArray counterFirst = openMetrics({family("b_total", MetricType::Counter, {counterMetric(1)}),
                                                     family("b_total", MetricType::Untyped, {untyped}),
                                                     family("b_total", MetricType::Untyped, {untyped})});
        QCOMPARE(counterFirst, QByteArray("# TYPE b counter\nb_total 1\n# EOF\n"));

        ClientMetric gauge;
        gauge.gauge.value = 2;
        const QByteArray gaugeFirst = openMetrics({family("c_total", MetricType::Gauge, {gauge}),
                                                   family("c", MetricType::Counter, {counterMetric(1)})});
        QCOMPARE(gaugeFirst, QByteArray("# TYPE c_total gauge\nc_total 2\n# EOF\n"));
        QVERIFY(parseExposition(gaugeFirst.toStdString(), Dialect::OpenMetrics).ok());

        // Text has no renaming, hence no clash: both are written there.
        std::string text;
        writeText({family("c_total", MetricType::Gauge, {gauge}), family("c", MetricType::Counter, {counterMetric(1)})},
                  text);
        QCOMPARE(QByteArray::fromStdString(text), QByteArray("# TYPE c_total gauge\nc_total 2\n# TYPE c counter\nc 1\n"));
    }

    void timestampsInSeconds_data() {
        QTest::addColumn<qint64>("milliseconds");
        QTest::addColumn<QByteArray>("seconds");
        QTest::newRow("ms") << qint64(1712345678901) << QByteArray("1712345678.901");
        QTest::newRow("half") << qint64(1500) << QByteArray("1.5");
        QTest::newRow("whole") << qint64(2000) << QByteArray("2");
        QTest::newRow("10ms") << qint64(10) << QByteArray("0.01");
        QTest::newRow("negative") << qint64(-1) << QByteArray("-0.001");
        QTest::newRow("negative whole") << qint64(-3000) << QByteArray("-3");
        QTest::newRow("min") << std::numeric_limits<qint64>::min() << QByteArray("-9223372036854775.808");
    }
    void timestampsInSeconds() {
        QFETCH(qint64, milliseconds);
        QFETCH(QByteArray, seconds);
        ClientMetric m;
        m.gauge.value = 1;
        m.timestamp_ms = milliseconds;
        const QByteArray out = openMetrics({family("g", MetricType::Gauge, {m})});
        QCOMPARE(out, "# TYPE g gauge\ng 1 " + seconds + "\n# EOF\n");
        QVERIFY(parseExposition(out.toStdString(), Dialect::OpenMetrics).ok());
    }

    void histogramGetsInfBucket() {
        ClientMetric h;
        h.histogram.sample_count = 4;
        h.histogram.sample_sum = 2;
        h.histogram.bucket = {{1, 0.1}};
        const QByteArray out = openMetrics({family("h", MetricType::Histogram, {h})});
        QCOMPARE(out, QByteArray("# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 4\n"
                                 "h_sum 2\nh_count 4\n# EOF\n"));
    }

    void awkwardRegistryIsWellFormed() {
        const auto families = test::makeAwkwardRegistry(true)->Collect();
        const QByteArray out = openMetrics(families);
        QVERIFY(out.endsWith("\n# EOF\n"));
        QCOMPARE(out.count("# EOF"), 1);
        const auto parsed = parseExposition(out.toStdString(), Dialect::OpenMetrics);
        QVERIFY2(parsed.ok(), parsed.error.c_str());
        QCOMPARE(*parsed.families.at("test_requests").help, std::string("Requests\nwith a \\ backslash"));
        QCOMPARE(parsed.families.at("test_requests").type, std::string("counter"));

        // Histogram rules of the spec: +Inf bucket per label set, cumulative, equal to _count.
        std::map<std::map<std::string, std::string>, double> infBucket, count, previous;
        for (const auto& sample : parsed.samples) {
            if (sample.name == "test_latency_seconds_bucket") {
                auto labels = sample.labels;
                const std::string le = labels.at("le");
                labels.erase("le");
                QVERIFY(sample.value >= previous[labels]);
                previous[labels] = sample.value;
                if (le == "+Inf")
                    infBucket[labels] = sample.value;
            } else if (sample.name == "test_latency_seconds_count") {
                count[sample.labels] = sample.value;
            }
        }
        QCOMPARE(infBucket.size(), size_t(2));
        QCOMPARE(infBucket, count);
    }

    void sameSamplesAsTextApartFromCounterNames() {
        const auto families = test::makeAwkwardRegistry()->Collect();
        std::string text;
        writeText(families, text);
        const auto fromText = parseExposition(text, Dialect::Text);
        const auto fromOm = parseExposition(openMetrics(families).toStdString(), Dialect::OpenMetrics);
        QVERIFY(fromText.ok() && fromOm.ok());
        // The registry's counter is already called *_total, so even the names agree.
        const auto a = test::canonicalSamples(fromText.samples);
        const auto b = test::canonicalSamples(fromOm.samples);
        QCOMPARE(a.size(), b.size());
        for (const auto& [key, value] : a) {
            QVERIFY2(b.count(key), key.name.c_str());
            QVERIFY(test::sameValue(value, b.at(key)));
        }
        // And the raw bytes of le/quantile labels are identical too, so series keep their
        // identity when Prometheus switches format.
        QVERIFY(text.find("le=\"0.005\"") != std::string::npos);
        QVERIFY(openMetrics(families).contains("le=\"0.005\""));
    }
};

QTEST_GUILESS_MAIN(TestOpenMetricsWriter)
#include "tst_openmetricswriter.moc"
