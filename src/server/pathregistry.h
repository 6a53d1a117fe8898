// SPDX-License-Identifier: MIT
// Which collectables are served at which path. Thread-safe: MetricsServer::registerCollectable
// may be called from any thread while scrapes read it.
#pragma once

#include <prometheus/collectable.h>

#include <QMutex>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <vector>

namespace promqt::detail {

class PathRegistry {
public:
    using Collectables = std::vector<std::weak_ptr<prometheus::Collectable>>;

    void add(const QString& path, const std::weak_ptr<prometheus::Collectable>& collectable);
    void remove(const QString& path, const std::weak_ptr<prometheus::Collectable>& collectable);
    /// The collectables of `path` (a copy); empty when the path is unknown.
    Collectables collectables(const QString& path) const;
    bool contains(const QString& path) const;
    QStringList paths() const;

private:
    mutable QMutex m_mutex;
    std::map<QString, Collectables> m_paths;
};

} // namespace promqt::detail
