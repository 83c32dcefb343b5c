#pragma once

// The package lists' parameters and pages, shared by the API's lists (packages.cpp) and the web
// pages (web_lists.cpp): GitLab's filters and orders, read and validated once, then one store
// query per page with the totals cache (routing/list_totals.hpp).

#include "routing/context.hpp"
#include "routing/pagination.hpp"
#include "store/packages.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::routing::handlers {

/// GitLab's package types and statuses, as the list parameters name them.
extern const std::vector<std::string_view> package_type_names;
extern const std::vector<std::string_view> package_status_names;

struct list_params {
    page_params pg;
    store::list_order order = store::list_order::created_at;
    bool desc = false;
    store::list_filter filter;
    bool exclude_subgroups = false;
    std::string order_text = "created_at";
    std::string sort_text = "asc";
};

/// GitLab's fuzzy search terms: squished, split on spaces, "quoted phrases" kept whole.
std::vector<std::string> search_terms(std::string_view raw);

/// Reads the list parameters of a project (group false) or group list; 400 with GitLab's
/// message when one is invalid.
std::optional<response> parse_list_params(const request_context& ctx, bool group, list_params& out);

/// The page of the project's packages that lp asks for.
store::list_page project_list_page(request_context& ctx, const store::txn& t,
                                   const store::project& proj, const list_params& lp);
/// The page of the group's packages that lp asks for, of the projects the caller may read.
store::list_page group_list_page(request_context& ctx, const store::txn& t,
                                 const store::namespace_row& g, const list_params& lp);

} // namespace packyard::routing::handlers
