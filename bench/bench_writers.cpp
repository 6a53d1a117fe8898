// SPDX-License-Identifier: MIT
// Where a scrape's time goes: prometheus-cpp's Registry::Collect() and TextSerializer against
// promqt's writers and gzip levels, on the same registries in one run.
//
//   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-release --target promqt-bench-writers && build-release/bench/promqt-bench-writers
//
// Each figure is the best of several batches of the per-call mean, each batch running at least
// ~100 ms, so that a busy shared machine inflates it as little as possible. "vs TS" is
// TextSerializer's time divided by the row's time (higher = faster than TextSerializer).
#include <promqt/exposition.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>
#include <prometheus/text_serializer.h>

#include <QByteArray>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Keeps the optimiser from dropping work whose result is otherwise unused.
volatile std::size_t g_sink = 0;

double secondsPerCall(const std::function<std::size_t()>& work, double batchSeconds) {
    g_sink = g_sink + work(); // warm-up: caches, allocator
    double best = 1e300;
    for (int batch = 0; batch < 5; ++batch) {
        std::size_t calls = 0;
        const auto start = Clock::now();
        double elapsed = 0;
        do {
            g_sink = g_sink + work();
            ++calls;
            elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        } while (elapsed < batchSeconds);
        best = std::min(best, elapsed / static_cast<double>(calls));
    }
    return best;
}

// N counters with one label, 100 series per family (requests_total{id="…"}).
std::shared_ptr<prometheus::Registry> counterRegistry(int series) {
    auto registry = std::make_shared<prometheus::Registry>();
    const int perFamily = 100;
    for (int f = 0; f * perFamily < series; ++f) {
        auto& family = prometheus::BuildCounter()
                           .Name("bench_requests_" + std::to_string(f) + "_total")
                           .Help("Requests handled, by endpoint.")
                           .Register(*registry);
        for (int i = 0; i < perFamily && f * perFamily + i < series; ++i)
            family.Add({{"endpoint", "/api/v1/resource/" + std::to_string(i)}}).Increment(1000.0 * i + f);
    }
    return registry;
}

// A service-like mix: counters and gauges with fractional values, histograms (11 default-like
// buckets) and summaries (3 quantiles).
std::shared_ptr<prometheus::Registry> mixedRegistry() {
    auto registry = std::make_shared<prometheus::Registry>();
    const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE"};
    for (int f = 0; f < 20; ++f) {
        const std::string n = std::to_string(f);
        auto& counter = prometheus::BuildCounter().Name("mix_ops_" + n + "_total").Help("Ops.").Register(*registry);
        auto& gauge = prometheus::BuildGauge().Name("mix_level_" + n).Help("Level.").Register(*registry);
        auto& histogram =
            prometheus::BuildHistogram().Name("mix_latency_" + n + "_seconds").Help("Latency.").Register(*registry);
        auto& summary = prometheus::BuildSummary().Name("mix_size_" + n + "_bytes").Help("Size.").Register(*registry);
        for (int i = 0; i < 25; ++i) {
            const prometheus::Labels labels = {{"method", methods[static_cast<std::size_t>(i) % methods.size()]},
                                               {"route", "/r/" + std::to_string(i)}};
            counter.Add(labels).Increment(i * 3.5);
            gauge.Add(labels).Set(i * 0.1);
            auto& h = histogram.Add(labels, prometheus::Histogram::BucketBoundaries{
                                                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
            for (int k = 0; k < 20; ++k)
                h.Observe(0.001 * k * (i + 1));
            if (i < 5) {
                auto& s = summary.Add(labels, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}});
                for (int k = 0; k < 50; ++k)
                    s.Observe(k * 10.0);
            }
        }
    }
    return registry;
}

std::size_t seriesCount(const std::vector<prometheus::MetricFamily>& families) {
    std::size_t lines = 0;
    for (const auto& f : families) {
        for (const auto& m : f.metric) {
            switch (f.type) {
            case prometheus::MetricType::Histogram: lines += m.histogram.bucket.size() + 2; break;
            case prometheus::MetricType::Summary: lines += m.summary.quantile.size() + 2; break;
            default: lines += 1; break;
            }
        }
    }
    return lines;
}

void benchmark(const char* title, const std::shared_ptr<prometheus::Registry>& registry, double batchSeconds) {
    const auto families = registry->Collect();
    const std::string reference = prometheus::TextSerializer().Serialize(families);
    std::string text;
    promqt::writeText(families, text);
    std::string openMetrics;
    promqt::writeOpenMetrics(families, openMetrics);

    std::printf("\n## %s: %zu families, %zu sample lines, text %zu bytes, OpenMetrics %zu bytes\n\n", title,
                families.size(), seriesCount(families), text.size(), openMetrics.size());
    std::printf("| %-34s | %12s | %8s | %12s |\n", "operation", "time", "vs TS", "output bytes");
    std::printf("|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(14, '-').c_str(),
                std::string(10, '-').c_str(), std::string(14, '-').c_str());

    const double collect = secondsPerCall([&] { return registry->Collect().size(); }, batchSeconds);
    const double ts = secondsPerCall([&] { return prometheus::TextSerializer().Serialize(families).size(); },
                                     batchSeconds);
    const double wt = secondsPerCall(
        [&] {
            std::string out; // fresh buffer per call, as a server answering a scrape has
            promqt::writeText(families, out);
            return out.size();
        },
        batchSeconds);
    const double wom = secondsPerCall(
        [&] {
            std::string out;
            promqt::writeOpenMetrics(families, out);
            return out.size();
        },
        batchSeconds);
    const QByteArray textBytes = QByteArray::fromStdString(text);
    const std::size_t gzip1Size = static_cast<std::size_t>(promqt::gzipCompress(textBytes, 1).size());
    const std::size_t gzip6Size = static_cast<std::size_t>(promqt::gzipCompress(textBytes, 6).size());
    const double gz1 = secondsPerCall([&] { return static_cast<std::size_t>(promqt::gzipCompress(textBytes, 1).size()); },
                                      batchSeconds);
    const double gz6 = secondsPerCall([&] { return static_cast<std::size_t>(promqt::gzipCompress(textBytes, 6).size()); },
                                      batchSeconds);

    const auto row = [&](const char* name, double seconds, std::size_t bytes) {
        char time[32];
        if (seconds >= 1e-3)
            std::snprintf(time, sizeof time, "%.2f ms", seconds * 1e3);
        else
            std::snprintf(time, sizeof time, "%.1f us", seconds * 1e6);
        std::printf("| %-34s | %12s | %7.2fx | %12zu |\n", name, time, ts / seconds, bytes);
    };
    row("Registry::Collect()", collect, 0);
    row("prometheus::TextSerializer", ts, reference.size());
    row("promqt::writeText", wt, text.size());
    row("promqt::writeOpenMetrics", wom, openMetrics.size());
    row("gzip level 1 (of the text)", gz1, gzip1Size);
    row("gzip level 6 (of the text)", gz6, gzip6Size);
    std::printf("\nscrape without compression: Collect+TextSerializer %.1f us, Collect+writeText %.1f us (%.2fx)\n",
                (collect + ts) * 1e6, (collect + wt) * 1e6, (collect + ts) / (collect + wt));
    std::printf("writeText vs TextSerializer: %.2fx faster; gzip 6 vs 1: %.2fx the time, %.1f%% of the size\n", ts / wt,
                gz6 / gz1, 100.0 * static_cast<double>(gzip6Size) / static_cast<double>(gzip1Size));
}

} // namespace

int main(int argc, char** argv) {
    // Optional argument: seconds per batch (default 0.1); e.g. 0.02 for a quick smoke run.
    const double batchSeconds = argc > 1 ? std::atof(argv[1]) : 0.1;
    std::printf("# promqt writer benchmark (best of 5 batches of >= %.0f ms each)\n", batchSeconds * 1e3);
    benchmark("1,000 counters, one label", counterRegistry(1000), batchSeconds);
    benchmark("100,000 counters, one label", counterRegistry(100000), batchSeconds);
    benchmark("mixed: counters, gauges, histograms, summaries", mixedRegistry(), batchSeconds);
    return g_sink == 42 ? 1 : 0;
}
