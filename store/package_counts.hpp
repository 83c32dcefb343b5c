#pragma once

// Keeping the list counters in step (store-private; readers use default_count, class_counts
// and list_generation in packages.hpp).

#include "store/packages.hpp"

namespace packyard::store {

/// The counters a package adds one to: its class in its project and in each ancestor group
/// (package_classes), and, when GitLab's default filter shows it, the default counter of each
/// (package_counts). What adjust_counts moves, and what the check recounts (store/derived.cpp).
struct counter_keys {
    std::vector<std::string> classes;
    std::vector<std::string> defaults;
};
counter_keys counters_of(const package_place& pl, const package& p);

/// Adds delta to every counter of p's classes in its project and in each ancestor group.
std::error_code adjust_counts(write_txn& t, const package_place& pl, const package& p,
                              std::int64_t delta);
/// The same for the class counters and generations only (the layout 5 upgrade).
std::error_code adjust_class_counts(write_txn& t, const package_place& pl, const package& p,
                                    std::int64_t delta);

/// Moves the list generation of the project and of each ancestor group on: every write that
/// changes what a package list shows (a row, its index entries, its tags, its pipelines, its
/// download time) calls one of these in its transaction.
std::error_code touch_lists(write_txn& t, const package_place& pl);
std::error_code touch_project_lists(write_txn& t, std::uint64_t project_id);
std::error_code touch_package_lists(write_txn& t, std::uint64_t package_id);

} // namespace packyard::store
