// SPDX-License-Identifier: MIT
#include "exposition/familygroups.h"

#include "exposition/escape.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace promqt::detail {

namespace {

constexpr std::string_view kTotal = "_total";

// FNV-1a: names are short, and this runs once per family per scrape.
std::uint64_t hashName(std::string_view name) {
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : name) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return hash;
}

bool endsWithTotal(std::string_view name) {
    return name.size() > kTotal.size() && name.substr(name.size() - kTotal.size()) == kTotal;
}

// OpenMetrics' renaming creates a clash text does not have: counter family "x" writes samples
// "x_total", so another family called "x_total" would share sample names with it. The first one
// in the input wins, as for other clashes.
template <typename Find>
bool clashesWithCounterSamples(const prometheus::MetricFamily& family, std::string_view name, const Find& find,
                               const std::vector<FamilyGroup>& groups) {
    if (family.type == prometheus::MetricType::Counter) {
        std::string samples(name);
        samples.append(kTotal);
        return find(samples) >= 0;
    }
    if (!endsWithTotal(name))
        return false;
    const std::ptrdiff_t base = find(name.substr(0, name.size() - kTotal.size()));
    return base >= 0 && groups[static_cast<std::size_t>(base)].head->type == prometheus::MetricType::Counter;
}

} // namespace

std::string_view exposedFamilyName(const prometheus::MetricFamily& family, Syntax syntax) {
    std::string_view name = family.name;
    if (syntax == Syntax::OpenMetrics && family.type == prometheus::MetricType::Counter && endsWithTotal(name)) {
        const std::string_view base = name.substr(0, name.size() - kTotal.size());
        if (isValidMetricName(base))
            return base;
    }
    return name;
}

std::vector<FamilyGroup> groupFamilies(const std::vector<prometheus::MetricFamily>& families, Syntax syntax) {
    std::vector<FamilyGroup> groups;
    groups.reserve(families.size());
    if (families.empty())
        return groups;

    // Open-addressing table of indices into `groups` (+1; 0 = empty), at most half full. A
    // std::unordered_map would allocate a node per family, which shows for registries with very
    // many small families; this costs one allocation per call.
    std::size_t capacity = 8;
    while (capacity < families.size() * 2)
        capacity *= 2;
    std::vector<std::uint32_t> slots(capacity, 0);
    const std::size_t mask = capacity - 1;

    // Index of the group exposed as `name`, or -1.
    const auto find = [&](std::string_view name) -> std::ptrdiff_t {
        for (std::size_t slot = hashName(name) & mask;; slot = (slot + 1) & mask) {
            const std::uint32_t entry = slots[slot];
            if (entry == 0)
                return -1;
            if (groups[entry - 1].name == name)
                return static_cast<std::ptrdiff_t>(entry - 1);
        }
    };
    const auto insert = [&](std::string_view name, const prometheus::MetricFamily& family) {
        std::size_t slot = hashName(name) & mask;
        while (slots[slot] != 0)
            slot = (slot + 1) & mask;
        slots[slot] = static_cast<std::uint32_t>(groups.size() + 1);
        groups.push_back(FamilyGroup{&family, name, {}});
    };

    for (const auto& family : families) {
        if (!isValidMetricName(family.name))
            continue;
        const std::string_view name = exposedFamilyName(family, syntax);
        if (const std::ptrdiff_t existing = find(name); existing >= 0) {
            if (groups[static_cast<std::size_t>(existing)].head->type == family.type)
                groups[static_cast<std::size_t>(existing)].more.push_back(&family);
            continue;
        }
        if (syntax == Syntax::OpenMetrics && clashesWithCounterSamples(family, name, find, groups))
            continue;
        insert(name, family);
    }
    return groups;
}

} // namespace promqt::detail
