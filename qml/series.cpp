// SPDX-License-Identifier: MIT
#include "series.h"

#include <prometheus/registry.h>

#include <QHash>
#include <QList>
#include <QMetaObject>
#include <QObject>
#include <QVarLengthArray>
#include <QThread>

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

namespace promqt::detail {

namespace {

struct Entry {
    SeriesObserver* observer;
    QObject* object; // for its thread; only dereferenced under the lock
};

std::mutex& observersMutex()
{
    static std::mutex m;
    return m;
}

QHash<const void*, QList<Entry>>& observerMap()
{
    static QHash<const void*, QList<Entry>> map;
    return map;
}

struct ShapeKey {
    const prometheus::Registry* registry;
    prometheus::MetricType type;
    std::string name;
    bool operator<(const ShapeKey& o) const
    {
        return std::tie(registry, type, name) < std::tie(o.registry, o.type, o.name);
    }
};

struct ShapeEntry {
    std::weak_ptr<prometheus::Registry> registry; // detects a dead registry whose address is reused
    FamilyShape shape;
};

} // namespace

void SeriesObservers::add(const void* metric, SeriesObserver* observer, QObject* object)
{
    std::lock_guard lock(observersMutex());
    observerMap()[metric].append(Entry{observer, object});
}

void SeriesObservers::remove(const void* metric, SeriesObserver* observer)
{
    std::lock_guard lock(observersMutex());
    auto& map = observerMap();
    auto it = map.find(metric);
    if (it == map.end())
        return;
    it->removeIf([observer](const Entry& e) { return e.observer == observer; });
    if (it->isEmpty())
        map.erase(it);
}

namespace {
bool isObserving(const void* metric, SeriesObserver* observer)
{
    std::lock_guard lock(observersMutex());
    const auto it = observerMap().constFind(metric);
    return it != observerMap().cend()
            && std::any_of(it->cbegin(), it->cend(), [observer](const Entry& e) { return e.observer == observer; });
}
} // namespace

void SeriesObservers::notify(const void* metric)
{
    // Runs for every inc()/observe(): no allocation for the usual one or two observers.
    QVarLengthArray<SeriesObserver*, 4> local;
    {
        std::lock_guard lock(observersMutex());
        const auto it = observerMap().constFind(metric);
        if (it == observerMap().cend())
            return;
        for (const Entry& e : *it) {
            if (e.object->thread() != QThread::currentThread()) {
                // Posted while the lock is held: the observer cannot have finished
                // unregistering, and QObject's destructor drops events still queued for it.
                QMetaObject::invokeMethod(e.object, "seriesUpdatedQueued", Qt::QueuedConnection);
            } else {
                local.append(e.observer);
            }
        }
    }
    // Called without the lock: a binding reacting to the update may create or destroy metric
    // objects, which takes the lock again. Objects of this thread die only in this thread, so
    // the first one is alive; each later one is checked, as an earlier one's bindings may
    // have destroyed it.
    for (qsizetype i = 0; i < local.size(); ++i) {
        if (i == 0 || isObserving(metric, local[i]))
            local[i]->seriesUpdated();
    }
}

FamilyShape familyShape(const std::shared_ptr<prometheus::Registry>& registry,
                        prometheus::MetricType type, const std::string& name,
                        const FamilyShape& proposed)
{
    static std::mutex mutex;
    static std::map<ShapeKey, ShapeEntry> shapes;
    static std::size_t pruneAt = 64;
    std::lock_guard lock(mutex);
    auto it = shapes.find(ShapeKey{registry.get(), type, name});
    if (it != shapes.end() && it->second.registry.lock() == registry)
        return it->second.shape;
    if (it != shapes.end()) { // left by a dead registry that had the same address
        it->second = ShapeEntry{registry, proposed};
        return proposed;
    }
    // Forget the families of dead registries now and then (amortised), so the table does not
    // grow with every short-lived Registry.
    if (shapes.size() >= pruneAt) {
        for (auto p = shapes.begin(); p != shapes.end();)
            p = p->second.registry.expired() ? shapes.erase(p) : std::next(p);
        pruneAt = std::max<std::size_t>(64, 2 * shapes.size());
    }
    shapes.emplace(ShapeKey{registry.get(), type, name}, ShapeEntry{registry, proposed});
    return proposed;
}

QString checkMetricName(const QString& name)
{
    if (name.isEmpty())
        return QStringLiteral("is empty");
    if (name.startsWith(QLatin1String("__")))
        return QStringLiteral("\"%1\" starts with \"__\", which Prometheus reserves").arg(name);
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar c = name.at(i);
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_'
                || c == u':' || (i > 0 && c >= u'0' && c <= u'9');
        if (!ok)
            return QStringLiteral("\"%1\" is not a valid metric name (letters, digits, '_' and "
                                  "':', not starting with a digit)")
                    .arg(name);
    }
    return {};
}

QString checkLabelName(const QString& name, prometheus::MetricType type)
{
    if (name.isEmpty())
        return QStringLiteral("a label name is empty");
    if (name.startsWith(QLatin1String("__")))
        return QStringLiteral("label \"%1\" starts with \"__\", which Prometheus reserves").arg(name);
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar c = name.at(i);
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_'
                || (i > 0 && c >= u'0' && c <= u'9');
        if (!ok)
            return QStringLiteral("\"%1\" is not a valid label name (letters, digits and '_', not "
                                  "starting with a digit)")
                    .arg(name);
    }
    if (type == prometheus::MetricType::Histogram && name == QLatin1String("le"))
        return QStringLiteral("label \"le\" is reserved for histogram buckets");
    if (type == prometheus::MetricType::Summary && name == QLatin1String("quantile"))
        return QStringLiteral("label \"quantile\" is reserved for summary quantiles");
    return {};
}

} // namespace promqt::detail
