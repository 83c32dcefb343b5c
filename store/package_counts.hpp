#pragma once

// Keeping the list counters in step (store-private; readers use default_count, class_counts
// and list_generation in packages.hpp).

#include "store/packages.hpp"

namespace packyard::store {

/// Adds delta to every counter of p's classes in its project and in each ancestor group, and
/// moves those scopes' list generations on.
std::error_code adjust_counts(write_txn& t, const package_place& pl, const package& p,
                              std::int64_t delta);
/// The same for the class counters and generations only (the layout 5 upgrade).
std::error_code adjust_class_counts(write_txn& t, const package_place& pl, const package& p,
                                    std::int64_t delta);

} // namespace packyard::store
