// SPDX-License-Identifier: MIT
// `name[]=` query parsing from arbitrary bytes, then filtering by what was parsed.
#include <promqt/exposition.h>

#include <QSet>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArrayView query(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const QStringList names = promqt::requestedNames(query);

    QSet<QString> seen;
    for (const QString& name : names) {
        if (name.isEmpty() || seen.contains(name)) // documented: no empty names, no repeats
            std::abort();
        seen.insert(name);
    }
    // A leading '?' changes nothing.
    if (!query.startsWith('?') && promqt::requestedNames(QByteArray("?") + QByteArray(query.data(), query.size())) != names)
        std::abort();

    // Every requested name selects a family of exactly that name (as a gauge: no _total games).
    std::vector<prometheus::MetricFamily> families;
    for (const QString& name : names) {
        prometheus::MetricFamily family;
        family.name = name.toStdString();
        family.type = prometheus::MetricType::Gauge;
        families.push_back(family);
    }
    prometheus::MetricFamily other;
    other.name = "\xFFnever-requested"; // no QString converts to this invalid UTF-8
    families.push_back(other);
    const auto kept = promqt::filterFamilies(families, names);
    if (!names.isEmpty() && kept.size() != static_cast<std::size_t>(names.size()))
        std::abort();
    return 0;
}
