// SPDX-License-Identifier: MIT
#pragma once

/// @file
/// Process metrics under the standard names that client_golang and client_python export, so
/// existing dashboards and alerts work unchanged for a Qt application.
///
/// | family                          | type    | unit    | source on Linux                    |
/// |---------------------------------|---------|---------|------------------------------------|
/// | `process_cpu_seconds_total`     | counter | seconds | `/proc/self/stat` utime + stime    |
/// | `process_resident_memory_bytes` | gauge   | bytes   | `/proc/self/stat` rss × page size  |
/// | `process_virtual_memory_bytes`  | gauge   | bytes   | `/proc/self/stat` vsize            |
/// | `process_open_fds`              | gauge   | count   | entries of `/proc/self/fd`         |
/// | `process_max_fds`               | gauge   | count   | soft RLIMIT_NOFILE (= `/proc/self/limits` "Max open files") |
/// | `process_start_time_seconds`    | gauge   | seconds since the Unix epoch | `/proc/self/stat` starttime + `btime` of `/proc/stat` |
///
/// Other POSIX systems export only what is portable: `process_cpu_seconds_total` (getrusage)
/// and `process_max_fds` (getrlimit). Other platforms export nothing. A value that cannot be
/// read (e.g. `/proc` not mounted) is left out of that scrape rather than reported as 0.
///
/// Plain prometheus-cpp has no process collector; with promqt:
/// @code
///   auto process = std::make_shared<promqt::ProcessCollector>();
///   server.registerCollectable(process);        // promqt::MetricsServer
///   exposer.RegisterCollectable(process);       // or prometheus::Exposer
/// @endcode
///
/// Thread-safety: Collect() is const, reads the system afresh each time and keeps no state, so
/// it may be called from any number of threads at once.

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

namespace promqt {

/// A prometheus::Collectable that reports the metrics of the current process (see the file
/// comment for names, units and platforms). Cheap: one Collect() reads two small files and
/// one directory (≈ 20 µs).
class ProcessCollector : public prometheus::Collectable {
public:
    ProcessCollector() = default;
    std::vector<prometheus::MetricFamily> Collect() const override;
};

} // namespace promqt
