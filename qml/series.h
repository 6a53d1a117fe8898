// SPDX-License-Identifier: MIT
#pragma once

// Bookkeeping shared by every QML metric object: who shows which prometheus-cpp series (so all
// objects bound to one series update their `value`/`count`/`sum` bindings together), and what
// the first QML object of a family declared (help, buckets, quantiles), so later objects that
// disagree get a clear warning instead of silently different shapes.

#include <prometheus/metric_type.h>

#include <QString>

#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

QT_BEGIN_NAMESPACE
class QObject;
QT_END_NAMESPACE

namespace promqt::detail {

/// Receives "the series you show changed" from any object sharing it.
class SeriesObserver {
public:
    virtual void seriesUpdated() = 0;

protected:
    ~SeriesObserver() = default;
};

/// The set of QML objects bound to each series, keyed by the prometheus-cpp metric's address.
/// Keying by address is safe: an observer holds a shared_ptr to the metric's registry while it
/// is registered, so the address cannot be reused for another metric meanwhile.
/// Thread-safe; observers living in another thread are notified through their event loop.
class SeriesObservers {
public:
    static void add(const void* metric, SeriesObserver* observer, QObject* object);
    static void remove(const void* metric, SeriesObserver* observer);
    /// Calls seriesUpdated() on every observer of `metric` (the caller's own included).
    static void notify(const void* metric);
};

/// What the first QML object of a family declared.
struct FamilyShape {
    std::string help;
    std::vector<double> shape; ///< histogram buckets, or summary quantile/error pairs flattened
};

/// Returns the recorded shape of family (`registry`, `type`, `name`), recording `proposed` if
/// the family has none yet. Thread-safe.
FamilyShape familyShape(const std::shared_ptr<prometheus::Registry>& registry,
                        prometheus::MetricType type, const std::string& name,
                        const FamilyShape& proposed);

/// Prometheus data-model checks (the ones prometheus-cpp 1.0.1 does, plus the reserved `le` and
/// `quantile` labels it lets through). Each returns an empty string when valid, else the reason.
QString checkMetricName(const QString& name);
QString checkLabelName(const QString& name, prometheus::MetricType type);

} // namespace promqt::detail
