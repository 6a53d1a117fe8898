// SPDX-License-Identifier: MIT
#include <promqt/exposition.h>

#include <iterator>

namespace promqt {

std::vector<prometheus::MetricFamily>
collectAll(const std::vector<std::weak_ptr<prometheus::Collectable>>& collectables) {
    std::vector<prometheus::MetricFamily> families;
    for (const auto& weak : collectables) {
        // Holding the shared_ptr for the duration of Collect() keeps the collectable alive even
        // if its owner drops it concurrently.
        const auto collectable = weak.lock();
        if (!collectable)
            continue;
        auto collected = collectable->Collect();
        if (families.empty()) {
            families = std::move(collected);
        } else {
            families.insert(families.end(), std::make_move_iterator(collected.begin()),
                            std::make_move_iterator(collected.end()));
        }
    }
    return families;
}

} // namespace promqt
