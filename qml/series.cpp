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
    std::lock_guard lock(mutex);
    // Forget families of registries that died, so the table does not grow with every
    // short-lived Registry and a new registry at a reused address starts clean.
    for (auto it = shapes.begin(); it != shapes.end();) {
        if (it->second.registry.expired())
            it = shapes.erase(it);
        else
            ++it;
    }
    const auto it = shapes.try_emplace(ShapeKey{registry.get(), type, name},
                                       ShapeEntry{registry, proposed}).first;
    return it->second.shape;
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
