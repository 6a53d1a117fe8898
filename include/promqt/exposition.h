// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// Exposition writers (text format 0.0.4 and OpenMetrics 1.0.0) and HTTP content negotiation.
///
/// These functions know nothing about sockets: they turn `prometheus::MetricFamily` values
/// (what `prometheus::Collectable::Collect()` returns) into bytes, and parse the request headers
/// that choose those bytes. MetricsServer and Pusher are built on them; use them directly to
/// expose metrics over another transport.
///
/// Thread-safety: every function is reentrant (no shared state); call from any thread.
/// Numbers never depend on the C or C++ locale.

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QStringList>

#include <memory>
#include <string>
#include <vector>

namespace promqt {

/// The formats promqt writes.
enum class ExpositionFormat {
    Text,        ///< Prometheus text format 0.0.4
    OpenMetrics, ///< OpenMetrics text 1.0.0
};

/// The exact Content-Type header value for `format`, e.g.
/// "text/plain; version=0.0.4; charset=utf-8".
QByteArray contentType(ExpositionFormat format);

/// Appends `families` in the text format 0.0.4 to `out`. One HELP/TYPE per family; label values
/// and HELP escaped; +Inf/-Inf/NaN spelled as Prometheus expects; shortest round-trip numbers.
/// Same samples as prometheus-cpp's TextSerializer, about 8x faster, but never unparsable
/// output: invalid UTF-8 becomes U+FFFD, families/label sets with invalid or duplicate names
/// are left out, and repeated families are merged (see docs/exposition.md).
void writeText(const std::vector<prometheus::MetricFamily>& families, std::string& out);

/// Appends `families` as OpenMetrics 1.0.0 to `out`, including the final "# EOF" line. Counters
/// get the `_total` suffix on samples (and not on the family name), histograms `_bucket`,
/// `_count`, `_sum`; untyped families are written as `unknown`. A counter family already named
/// `x_total` becomes family `x` with samples `x_total` (the suffix appears once); timestamps
/// are written in seconds.
void writeOpenMetrics(const std::vector<prometheus::MetricFamily>& families, std::string& out);

/// Convenience: writes in `format` and returns the bytes.
std::string serialize(const std::vector<prometheus::MetricFamily>& families, ExpositionFormat format);

/// Chooses the format for an `Accept` header value: OpenMetrics when the client prefers
/// `application/openmetrics-text` (q-values respected, q=0 means "not acceptable"), otherwise the
/// text format (also for an empty or unparsable header). OpenMetrics must be named explicitly
/// (`*/*` alone gives text) and wins ties; a range with a malformed q is ignored; the most
/// specific matching range decides, as RFC 9110 says.
ExpositionFormat negotiateFormat(QByteArrayView accept);

/// True when an `Accept-Encoding` header value accepts gzip with q>0 (directly or through `*`),
/// honouring `gzip;q=0` and `*;q=0`. An empty header means identity only.
bool acceptsGzip(QByteArrayView acceptEncoding);

/// The names selected by a query string's `name[]=` parameters ("name[]=a&name[]=b", with or
/// without a leading '?', percent-decoded; other parameters ignored). Empty: no filter.
QStringList requestedNames(QByteArrayView query);

/// Keeps only the families whose name is in `names` (all of them when `names` is empty).
/// A family matches by its own name; for OpenMetrics counters the `_total` sample name matches too.
std::vector<prometheus::MetricFamily> filterFamilies(std::vector<prometheus::MetricFamily> families,
                                                     const QStringList& names);

/// Collects every live collectable in order and concatenates the families. Expired weak
/// pointers are skipped. An exception thrown by a Collect() propagates.
std::vector<prometheus::MetricFamily>
collectAll(const std::vector<std::weak_ptr<prometheus::Collectable>>& collectables);

/// gzip-compresses `data` (RFC 1952) at zlib `level` (1 = fastest … 9 = smallest; 0 stores;
/// other values are clamped). Level 1 is the default: on exposition text, level 6 takes ~5x the
/// time for 3-4 % fewer bytes on counters (docs/exposition.md has the figures).
QByteArray gzipCompress(QByteArrayView data, int level = 1);

} // namespace promqt
