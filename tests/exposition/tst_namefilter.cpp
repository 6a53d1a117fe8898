// SPDX-License-Identifier: MIT
// `?name[]=…` parsing and family selection.
#include <promqt/exposition.h>

#include <QTest>

using namespace promqt;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {

MetricFamily family(const std::string& name, MetricType type) {
    MetricFamily f;
    f.name = name;
    f.type = type;
    f.metric.resize(1);
    return f;
}

std::vector<MetricFamily> sampleFamilies() {
    return {family("requests_total", MetricType::Counter), family("events", MetricType::Counter),
            family("temperature", MetricType::Gauge), family("latency_seconds", MetricType::Histogram),
            family("gauge_total", MetricType::Gauge)};
}

QStringList namesOf(const std::vector<MetricFamily>& families) {
    QStringList names;
    for (const auto& f : families)
        names << QString::fromStdString(f.name);
    return names;
}

} // namespace

class TestNameFilter : public QObject {
    Q_OBJECT

private slots:
    void requestedNames_data() {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("none") << QByteArray("") << QStringList{};
        QTest::newRow("only ?") << QByteArray("?") << QStringList{};
        QTest::newRow("one") << QByteArray("name[]=up") << QStringList{"up"};
        QTest::newRow("leading ?") << QByteArray("?name[]=up") << QStringList{"up"};
        QTest::newRow("two") << QByteArray("name[]=a&name[]=b") << QStringList{"a", "b"};
        QTest::newRow("repeated") << QByteArray("name[]=a&name[]=b&name[]=a") << QStringList{"a", "b"};
        QTest::newRow("percent-encoded key") << QByteArray("name%5B%5D=a&name%5b%5d=b") << QStringList{"a", "b"};
        QTest::newRow("percent-encoded value") << QByteArray("name[]=a%3Ab%5F") << QStringList{"a:b_"};
        QTest::newRow("plus is space") << QByteArray("name[]=a+b") << QStringList{"a b"};
        QTest::newRow("encoded plus") << QByteArray("name[]=a%2Bb") << QStringList{"a+b"};
        QTest::newRow("utf-8") << QByteArray("name[]=%C3%BC") << QStringList{QStringLiteral("\u00fc")};
        QTest::newRow("other params") << QByteArray("x=1&name[]=a&debug&name=b&names[]=c") << QStringList{"a"};
        QTest::newRow("empty values") << QByteArray("name[]=&name[]=a&name[]") << QStringList{"a"};
        QTest::newRow("empty pairs") << QByteArray("&&name[]=a&&") << QStringList{"a"};
        QTest::newRow("bad escapes kept") << QByteArray("name[]=100%&name[]=%zz%4") << QStringList{"100%", "%zz%4"};
        QTest::newRow("equals in value") << QByteArray("name[]=a=b") << QStringList{"a=b"};
        QTest::newRow("fragment") << QByteArray("name[]=a#name[]=b") << QStringList{"a"};
        QTest::newRow("case-sensitive key") << QByteArray("NAME[]=a") << QStringList{};
    }
    void requestedNames() {
        QFETCH(QByteArray, query);
        QFETCH(QStringList, expected);
        QCOMPARE(promqt::requestedNames(query), expected);
    }

    void filter_data() {
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QStringList>("expected");
        const QStringList all = namesOf(sampleFamilies());
        QTest::newRow("no filter keeps all, in order") << QStringList{} << all;
        QTest::newRow("exact") << QStringList{"temperature"} << QStringList{"temperature"};
        QTest::newRow("input order kept") << QStringList{"temperature", "requests_total"}
                                          << QStringList{"requests_total", "temperature"};
        QTest::newRow("counter by OpenMetrics family name") << QStringList{"requests"} << QStringList{"requests_total"};
        QTest::newRow("counter by OpenMetrics sample name") << QStringList{"events_total"} << QStringList{"events"};
        QTest::newRow("gauges are not renamed") << QStringList{"gauge"} << QStringList{};
        QTest::newRow("histogram sample names do not select") << QStringList{"latency_seconds_bucket"} << QStringList{};
        QTest::newRow("unknown") << QStringList{"nope"} << QStringList{};
        QTest::newRow("prefix is not a match") << QStringList{"temp"} << QStringList{};
    }
    void filter() {
        QFETCH(QStringList, names);
        QFETCH(QStringList, expected);
        QCOMPARE(namesOf(filterFamilies(sampleFamilies(), names)), expected);
    }

    void filterKeepsContent() {
        auto families = sampleFamilies();
        families[2].help = "help text";
        families[2].metric[0].gauge.value = 42;
        const auto kept = filterFamilies(families, {"temperature"});
        QCOMPARE(kept.size(), size_t(1));
        QCOMPARE(kept[0].help, std::string("help text"));
        QCOMPARE(kept[0].metric.at(0).gauge.value, 42.0);
    }

    void endToEnd() {
        const auto families = filterFamilies(sampleFamilies(), promqt::requestedNames("?name%5B%5D=events&x=y"));
        QCOMPARE(namesOf(families), QStringList{"events"});
    }
};

QTEST_GUILESS_MAIN(TestNameFilter)
#include "tst_namefilter.moc"
