#pragma once

// Brings a data folder written by an older packyard up to the current layout, in one write
// transaction: a crash during the upgrade leaves the old layout, which the next start upgrades.

#include "store/env.hpp"

#include <system_error>

namespace packyard::store {

/// Runs every migration from env.found_schema_version() to schema_version. Call once after
/// opening, before anything reads or writes.
std::error_code upgrade(environment& env);

} // namespace packyard::store
