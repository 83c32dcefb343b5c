#pragma once

// X-Total of a package list that no counter answers — a package_name or package_version
// filter, or a group list for a caller who sees only some of the group's private projects —
// counted by the first request (up to GitLab's 10,000) and kept until the scope's list
// generation (store::list_generation) moves on, so that paging through a filtered list or
// refreshing it does not count again (docs/decisions/0013-list-filters.md).

#include "routing/generation_cache.hpp"
#include "store/packages.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace packyard::routing {

struct list_total {
    std::optional<std::uint64_t> total; ///< empty: more than the count limit
};

using list_totals = generation_cache<list_total>;

/// Whether the query's total comes from a count while walking (what list_totals keeps).
bool total_needs_count(const store::list_query& q) noexcept;

/// What a total depends on: the scope, the filter and the projects the caller sees (not the
/// order or the page).
std::string total_key(const store::list_query& q);

} // namespace packyard::routing
