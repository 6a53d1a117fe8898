// SPDX-License-Identifier: MIT
#include "exposition/familygroups.h"

#include "exposition/escape.h"

#include <cstdint>

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

} // namespace

std::string_view exposedFamilyName(const prometheus::MetricFamily& family, Syntax syntax) {
    std::string_view name = family.name;
    if (syntax == Syntax::OpenMetrics && family.type == prometheus::MetricType::Counter &&
        name.size() > kTotal.size() && name.substr(name.size() - kTotal.size()) == kTotal) {
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

    for (const auto& family : families) {
        if (!isValidMetricName(family.name))
            continue;
        const std::string_view name = exposedFamilyName(family, syntax);
        std::size_t slot = hashName(name) & mask;
        for (;;) {
            const std::uint32_t entry = slots[slot];
            if (entry == 0) {
                slots[slot] = static_cast<std::uint32_t>(groups.size() + 1);
                groups.push_back(FamilyGroup{&family, name, {}});
                break;
            }
            FamilyGroup& existing = groups[entry - 1];
            if (existing.name == name) {
                if (existing.head->type == family.type)
                    existing.more.push_back(&family);
                break;
            }
            slot = (slot + 1) & mask;
        }
    }
    return groups;
}

} // namespace promqt::detail
