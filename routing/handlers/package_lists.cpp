#include "routing/handlers/package_lists.hpp"

#include "routing/access.hpp"
#include "routing/gitlab_errors.hpp"
#include "routing/params.hpp"

namespace packyard::routing::handlers {

const std::vector<std::string_view> package_type_names = {
    "maven",   "npm",     "conan",  "nuget",    "pypi", "composer",
    "generic", "golang",  "debian", "rubygems", "helm", "terraform_module",
    "rpm",     "ml_model"};
const std::vector<std::string_view> package_status_names = {
    "default", "hidden", "processing", "error", "pending_destruction", "deprecated"};

namespace {

/// Lists one page; a total that only a count can give is taken from, or left in, the cache of
/// list totals (routing/list_totals.hpp).
store::list_page list_page_of(request_context& ctx, const store::txn& t, store::list_query& q) {
    if (!total_needs_count(q)) {
        return store::list_packages(t, q);
    }
    const std::uint64_t generation = store::list_generation(t, q.scope, q.scope_id);
    std::string key = total_key(q);
    auto& totals = *ctx.svc.totals;
    if (auto hit = totals.find(key, generation)) {
        if (hit->total) {
            q.known_total = hit->total;
        } else {
            q.known_over_limit = true;
        }
        return store::list_packages(t, q);
    }
    auto page = store::list_packages(t, q);
    totals.insert(std::move(key), generation, list_total{page.total}, sizeof(list_total));
    return page;
}

/// The page of (scope, id) that the list parameters ask for.
store::list_query query_of(const list_params& lp, store::list_scope scope, std::uint64_t id) {
    store::list_query q;
    q.scope = scope;
    q.scope_id = id;
    q.order = lp.order;
    q.desc = lp.desc;
    q.offset = lp.pg.offset();
    q.limit = lp.pg.per_page;
    q.filter = lp.filter;
    return q;
}

} // namespace

std::vector<std::string> search_terms(std::string_view raw) {
    std::vector<std::string> terms;
    std::string squished;
    for (char c : raw) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (space) {
            if (!squished.empty() && squished.back() != ' ') {
                squished.push_back(' ');
            }
        } else {
            squished.push_back(c);
        }
    }
    while (!squished.empty() && squished.back() == ' ') {
        squished.pop_back();
    }
    std::string_view rest = squished;
    while (!rest.empty()) {
        if (rest.front() == '"') {
            const auto close = rest.find("\" ", 1);
            const bool at_end =
                close == std::string_view::npos && rest.size() > 1 && rest.back() == '"';
            if (close != std::string_view::npos || at_end) {
                const auto end = close != std::string_view::npos ? close : rest.size() - 1;
                terms.emplace_back(rest.substr(1, end - 1));
                rest = end + 2 <= rest.size() ? rest.substr(std::min(end + 2, rest.size()))
                                              : std::string_view{};
                continue;
            }
        }
        const auto sp = rest.find(' ');
        terms.emplace_back(rest.substr(0, sp));
        rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
    for (auto& t : terms) {
        t = store::lower(t);
    }
    std::erase_if(terms, [](const std::string& t) { return t.empty(); });
    return terms;
}

std::optional<response> parse_list_params(const request_context& ctx, bool group,
                                          list_params& out) {
    validation v;
    out.pg = read_page_params(ctx.params, v);
    if (group) {
        if (auto b = bool_param(ctx.params, "exclude_subgroups", v)) {
            out.exclude_subgroups = *b;
        }
    }
    std::optional<std::string> order_by;
    if (group) {
        order_by = enum_param(ctx.params, "order_by",
                              {"created_at", "name", "version", "type", "project_path"}, v);
    } else {
        order_by = enum_param(ctx.params, "order_by", {"created_at", "name", "version", "type"}, v);
    }
    const auto sort = enum_param(ctx.params, "sort", {"asc", "desc"}, v);
    const auto type = enum_param(ctx.params, "package_type", package_type_names, v);
    const auto name = string_param(ctx.params, "package_name", v);
    const auto version = string_param(ctx.params, "package_version", v);
    const auto versionless = bool_param(ctx.params, "include_versionless", v);
    const auto status = enum_param(ctx.params, "status", package_status_names, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    out.order_text = order_by.value_or("created_at");
    out.sort_text = sort.value_or("asc");
    out.desc = out.sort_text == "desc";
    if (out.order_text == "name") {
        out.order = store::list_order::name;
    } else if (out.order_text == "version") {
        out.order = store::list_order::version;
    } else if (out.order_text == "type") {
        out.order = store::list_order::type;
    } else if (out.order_text == "project_path") {
        out.order = store::list_order::project_path;
    }
    if (type) {
        out.filter.type = store::parse_package_type(*type);
    }
    if (name) {
        out.filter.name_terms = search_terms(*name);
    }
    if (version && !version->empty()) {
        out.filter.version = *version;
    }
    out.filter.include_versionless = versionless.value_or(false);
    if (status) {
        out.filter.status = store::parse_package_status(*status);
    }
    return std::nullopt;
}

store::list_page project_list_page(request_context& ctx, const store::txn& t,
                                   const store::project& proj, const list_params& lp) {
    auto q = query_of(lp, store::list_scope::project, proj.id);
    if (q.filter.is_default()) {
        q.known_total = store::default_count(t, store::list_scope::project, proj.id);
    }
    return list_page_of(ctx, t, q);
}

store::list_page group_list_page(request_context& ctx, const store::txn& t,
                                 const store::namespace_row& g, const list_params& lp) {
    const auto& seen = group_package_audience(ctx, t, g, lp.exclude_subgroups);
    auto q = query_of(lp, store::list_scope::group, g.id);
    const bool everything = seen.allowed.size() == seen.total_projects && !lp.exclude_subgroups;
    if (!everything) {
        q.projects = &seen.allowed;
    }
    // The counters and the class facet are per visibility level, so they answer whenever the
    // caller sees each level of the subtree either whole or not at all.
    if (!lp.exclude_subgroups) {
        bool whole_levels = true;
        for (std::size_t level = 0; level < 3; ++level) {
            if (seen.taken[level] != 0 && seen.taken[level] != seen.seen[level]) {
                whole_levels = false;
            }
        }
        if (whole_levels) {
            const store::visibility_levels levels{seen.taken[0] != 0, seen.taken[1] != 0,
                                                  seen.taken[2] != 0};
            if (!everything) {
                q.levels = levels;
            }
            if (q.filter.is_default()) {
                q.known_total = store::default_count(t, store::list_scope::group, g.id, levels);
            }
        }
    }
    return list_page_of(ctx, t, q);
}

} // namespace packyard::routing::handlers
