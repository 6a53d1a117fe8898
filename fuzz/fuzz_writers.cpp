// SPDX-License-Identifier: MIT
// Both writers on MetricFamily values built from fuzz bytes: arbitrary names (valid or not),
// label values and HELP as raw bytes, doubles from raw bit patterns (every NaN payload,
// denormals, infinities), all metric types, timestamps. Invariants: the text output parses
// strictly as 0.0.4 (so no raw newline or quote can escape a label value), the OpenMetrics output
// parses strictly, is valid UTF-8 and ends with exactly one "# EOF\n", both carry the same
// number of samples or fewer (merged counter families), and the functions agree with each other.
#include <promqt/exposition.h>

#include "expositionparser.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

[[noreturn]] void fail(const char* what, const std::string& output) {
    std::fprintf(stderr, "invariant broken: %s\n--- output ---\n%s\n", what, output.c_str());
    std::abort();
}

std::string makeName(FuzzedDataProvider& fuzz) {
    static const char* const names[] = {"a", "b_total", "c_total_total", "_total", "x:y", "le", "quantile",
                                        "h_bucket", "s_sum", "n_count", "ok_seconds", "__name__"};
    if (fuzz.ConsumeBool())
        return names[fuzz.ConsumeIntegralInRange<std::size_t>(0, std::size(names) - 1)];
    return fuzz.ConsumeRandomLengthString(16); // often invalid: must be skipped, not written
}

double makeDouble(FuzzedDataProvider& fuzz) {
    const auto bits = fuzz.ConsumeIntegral<std::uint64_t>();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

std::vector<MetricFamily> makeFamilies(FuzzedDataProvider& fuzz) {
    std::vector<MetricFamily> families(fuzz.ConsumeIntegralInRange<std::size_t>(0, 6));
    for (auto& family : families) {
        family.name = makeName(fuzz);
        family.help = fuzz.ConsumeRandomLengthString(24);
        family.type = static_cast<MetricType>(fuzz.ConsumeIntegralInRange<int>(0, 4));
        family.metric.resize(fuzz.ConsumeIntegralInRange<std::size_t>(0, 4));
        for (auto& metric : family.metric) {
            metric.label.resize(fuzz.ConsumeIntegralInRange<std::size_t>(0, 3));
            for (auto& label : metric.label) {
                label.name = makeName(fuzz);
                label.value = fuzz.ConsumeRandomLengthString(24);
            }
            metric.timestamp_ms = fuzz.ConsumeBool() ? 0 : fuzz.ConsumeIntegral<std::int64_t>();
            metric.counter.value = makeDouble(fuzz);
            metric.gauge.value = makeDouble(fuzz);
            metric.untyped.value = makeDouble(fuzz);
            metric.summary.sample_count = fuzz.ConsumeIntegral<std::uint64_t>();
            metric.summary.sample_sum = makeDouble(fuzz);
            metric.summary.quantile.resize(fuzz.ConsumeIntegralInRange<std::size_t>(0, 3));
            for (auto& q : metric.summary.quantile) {
                q.quantile = makeDouble(fuzz);
                q.value = makeDouble(fuzz);
            }
            metric.histogram.sample_count = fuzz.ConsumeIntegral<std::uint64_t>();
            metric.histogram.sample_sum = makeDouble(fuzz);
            metric.histogram.bucket.resize(fuzz.ConsumeIntegralInRange<std::size_t>(0, 4));
            for (auto& b : metric.histogram.bucket) {
                b.cumulative_count = fuzz.ConsumeIntegral<std::uint64_t>();
                b.upper_bound = makeDouble(fuzz);
            }
        }
    }
    return families;
}

void checkLabels(const promqt::test::ParsedExposition& parsed, const std::string& output) {
    // The parser already rejects unparsable values and unescaped quotes or newlines; what it
    // does not check in the text dialect is UTF-8, which Prometheus requires of label values.
    for (const auto& sample : parsed.samples) {
        for (const auto& [name, value] : sample.labels) {
            if (!promqt::test::parser_detail::isValidUtf8(value))
                fail("label value is not valid UTF-8", output);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fuzz(data, size);
    const std::vector<MetricFamily> families = makeFamilies(fuzz);

    std::string text;
    promqt::writeText(families, text);
    const auto parsedText = promqt::test::parseExposition(text, promqt::test::Dialect::Text);
    if (!parsedText.ok())
        fail(("text does not parse: " + parsedText.error).c_str(), text);
    checkLabels(parsedText, text);

    std::string openMetrics;
    promqt::writeOpenMetrics(families, openMetrics);
    const std::string eof = "# EOF\n";
    if (openMetrics.size() < eof.size() || openMetrics.compare(openMetrics.size() - eof.size(), eof.size(), eof) != 0)
        fail("OpenMetrics does not end with # EOF", openMetrics);
    // The strict parser also rejects any line after "# EOF", so passing it means exactly one.
    const auto parsedOm = promqt::test::parseExposition(openMetrics, promqt::test::Dialect::OpenMetrics);
    if (!parsedOm.ok())
        fail(("OpenMetrics does not parse: " + parsedOm.error).c_str(), openMetrics);

    // OpenMetrics merges counters "x" and "x_total" into one family, so it may drop a family
    // that text keeps only when their types differ; with no such clash, counts are equal.
    if (parsedOm.samples.size() > parsedText.samples.size())
        fail("OpenMetrics has more samples than text", openMetrics + "\n---\n" + text);

    // The writers append: output after a prefix is the prefix plus the same bytes.
    std::string prefixed = "prefix";
    promqt::writeText(families, prefixed);
    if (prefixed != "prefix" + text)
        fail("writeText does not append", prefixed);
    if (promqt::serialize(families, promqt::ExpositionFormat::OpenMetrics) != openMetrics)
        fail("serialize differs from writeOpenMetrics", openMetrics);
    return 0;
}
