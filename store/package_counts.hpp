#pragma once

// Keeping the default-filter counters in step (store-private; readers use default_count in
// packages.hpp).

#include "store/packages.hpp"

namespace packyard::store {

/// Adds delta to the counters of the package's project and of each ancestor group.
std::error_code adjust_counts(write_txn& t, const package_place& pl, std::int64_t delta);

} // namespace packyard::store
