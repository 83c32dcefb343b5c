#pragma once

// A list's matches gathered from an index that does not yield them in the list's order (the
// name search's names, one version's packages), each with every sort key, then ordered as the
// listing index orders them and cut to the requested page (store-private).

#include "store/packages.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace packyard::store {

struct package_hit {
    std::uint64_t id = 0;
    std::uint64_t project_id = 0;
    std::int64_t created_at = 0;
    std::string_view name;
    std::string_view version;
    bool has_version = false;
    package_type type{};
};

/// Sorts the hits in the query's order and direction and reads the page's rows; the total is
/// the number of hits (left out past q.count_limit).
list_page page_of_hits(const txn& t, const list_query& q, std::vector<package_hit>& hits);

} // namespace packyard::store
