// SPDX-License-Identifier: MIT
// Registries with awkward content, shared by the exposition suites.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace promqt::test {

/// Label values that break naive writers: quotes, backslashes, newlines, UTF-8, empty.
inline std::vector<std::string> awkwardLabelValues() {
    return {"plain",       "with \"quotes\"", "back\\slash", "new\nline", "\\n literally", "",
            "gr\xC3\xBC\xC3\x9F" "e \xE2\x82\xAC \xF0\x9F\x98\x80", "trailing\\", "{}=,\" ", "tab\there"};
}

/// Values that break naive number formatting. (Not DBL_MAX or 0.1 + 0.2: prometheus-cpp 1.0.1's
/// TextSerializer writes only 16 significant digits, so those do not survive it — see
/// tst_textwriter's exactWhereTextSerializerIsLossy.)
inline std::vector<double> awkwardValues() {
    return {std::numeric_limits<double>::quiet_NaN(),
            HUGE_VAL,
            -HUGE_VAL,
            -0.0,
            1e-300,
            1e300,
            0.1,
            9007199254740993.0, // 2^53 + 1: not representable, becomes 2^53
            18446744073709551616.0 * 4, // beyond int64
            1e6,
            -42.0,
            123456.789,
            std::numeric_limits<double>::denorm_min(),
            9223372036854775808.0}; // 2^63
}

/// A registry with every metric type prometheus-cpp builds, awkward label values and numbers.
/// `awkwardHelp`: HELP with a newline and a backslash. prometheus-cpp's TextSerializer writes
/// HELP unescaped (a raw newline ends the line, a lone backslash is a bad escape), so
/// comparisons with it need plain HELP text.
inline std::shared_ptr<prometheus::Registry> makeAwkwardRegistry(bool awkwardHelp = false) {
    using namespace prometheus;
    auto registry = std::make_shared<Registry>();
    auto& requests = BuildCounter()
                         .Name("test_requests_total")
                         .Help(awkwardHelp ? "Requests\nwith a \\ backslash" : "Requests, with plain help")
                         .Register(*registry);
    int i = 0;
    for (const auto& value : awkwardLabelValues())
        requests.Add({{"path", value}, {"n", std::to_string(i++)}}).Increment(i);
    requests.Add({{"path", "big"}, {"n", "big"}}).Increment(9007199254740993.0);

    auto& gauges = BuildGauge().Name("test_awkward_values").Help("Awkward values.").Register(*registry);
    i = 0;
    for (const double value : awkwardValues())
        gauges.Add({{"case", std::to_string(i++)}}).Set(value);
    BuildGauge().Name("test_unlabelled").Help("no labels").Register(*registry).Add({}).Set(3.25);

    auto& histogram = BuildHistogram().Name("test_latency_seconds").Help("latency").Register(*registry);
    auto& h = histogram.Add({{"route", "/a\"b"}}, Histogram::BucketBoundaries{0.005, 0.1, 0.25, 1, 10});
    for (const double v : {0.001, 0.05, 0.2, 0.2, 3.0, 100.0})
        h.Observe(v);
    histogram.Add({}, Histogram::BucketBoundaries{1e-300, 1e300}).Observe(1);

    auto& summary = BuildSummary().Name("test_size_bytes").Help("sizes").Register(*registry);
    auto& s = summary.Add({{"kind", "x\ny"}}, Summary::Quantiles{{0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}});
    for (int k = 1; k <= 100; ++k)
        s.Observe(k);
    return registry;
}

} // namespace promqt::test
