// SPDX-License-Identifier: MIT
#include "server/pathregistry.h"

#include <algorithm>

namespace promqt::detail {

namespace {
bool same(const std::weak_ptr<prometheus::Collectable>& a, const std::weak_ptr<prometheus::Collectable>& b) {
    // owner_before compares control blocks, so it works for expired pointers too.
    return !a.owner_before(b) && !b.owner_before(a);
}
} // namespace

void PathRegistry::add(const QString& path, const std::weak_ptr<prometheus::Collectable>& collectable) {
    QMutexLocker lock(&m_mutex);
    Collectables& list = m_paths[path];
    if (std::none_of(list.begin(), list.end(), [&](const auto& c) { return same(c, collectable); }))
        list.push_back(collectable);
}

void PathRegistry::remove(const QString& path, const std::weak_ptr<prometheus::Collectable>& collectable) {
    QMutexLocker lock(&m_mutex);
    auto it = m_paths.find(path);
    if (it == m_paths.end())
        return;
    Collectables& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(), [&](const auto& c) { return same(c, collectable); }),
               list.end());
    if (list.empty())
        m_paths.erase(it);
}

PathRegistry::Collectables PathRegistry::collectables(const QString& path) const {
    QMutexLocker lock(&m_mutex);
    auto it = m_paths.find(path);
    return it == m_paths.end() ? Collectables() : it->second;
}

bool PathRegistry::contains(const QString& path) const {
    QMutexLocker lock(&m_mutex);
    return m_paths.count(path) != 0;
}

QStringList PathRegistry::paths() const {
    QMutexLocker lock(&m_mutex);
    QStringList out;
    for (const auto& p : m_paths)
        out << p.first;
    return out;
}

} // namespace promqt::detail
