#include "store/packages.hpp"

#include "routing/access.hpp"
#include "routing/auth.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/package_entities.hpp"
#include "routing/pagination.hpp"
#include "store/identity.hpp"
#include "store/pipelines.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace packyard::routing::handlers {
namespace {

constexpr std::string_view type_names[] = {"maven",  "npm",      "conan",   "nuget",
                                           "pypi",   "composer", "generic", "golang",
                                           "debian", "rubygems", "helm",    "terraform_module",
                                           "rpm",    "ml_model"};
constexpr std::string_view status_names[] = {
    "default", "hidden", "processing", "error", "pending_destruction", "deprecated"};

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

std::optional<response> parse_list_params(request_context& ctx, bool group, list_params& out) {
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
    const auto type = enum_param(ctx.params, "package_type", type_names, v);
    const auto name = string_param(ctx.params, "package_name", v);
    const auto version = string_param(ctx.params, "package_version", v);
    const auto versionless = bool_param(ctx.params, "include_versionless", v);
    const auto status = enum_param(ctx.params, "status", status_names, v);
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

/// Per-request memo of projects and the caller's delete right in each.
class project_memo {
public:
    explicit project_memo(request_context& ctx)
        : ctx_(ctx) {}
    /// A project the handler already read (a project list's own): no second lookup.
    void seed(const store::project& p) { cache_.emplace(p.id, entry{std::nullopt, &p}); }
    const store::project* get(std::uint64_t id) {
        auto it = cache_.find(id);
        if (it == cache_.end()) {
            it = cache_.emplace(id, entry{store::find_project(ctx_.rtxn(), id)}).first;
        }
        return it->second.project();
    }
    bool can_destroy(const store::project& p) {
        auto& e = cache_[p.id];
        if (!e.role_known) {
            e.destroy = at_least(project_role(ctx_, p), store::access_level::maintainer);
            e.role_known = true;
        }
        return e.destroy;
    }

private:
    struct entry {
        std::optional<store::project> owned; ///< read here
        const store::project* seeded = nullptr;
        bool role_known = false;
        bool destroy = false;
        const store::project* project() const { return owned ? &*owned : seeded; }
    };
    request_context& ctx_;
    std::map<std::uint64_t, entry> cache_;
};

response
render_list(request_context& ctx, const store::list_page& page, const list_params& lp,
            const store::project* only_project,
            std::initializer_list<std::pair<std::string_view, std::string_view>> defaults) {
    const bool group = only_project == nullptr;
    const std::string base = base_of(ctx);
    project_memo memo(ctx);
    pipeline_memo pipelines;
    if (only_project != nullptr) {
        // A project's packages are mostly built by its own pipelines.
        memo.seed(*only_project);
        pipelines.add_project(*only_project);
    }
    json_writer w;
    w.begin_array();
    for (const auto& pkg : page.rows) {
        const auto* proj = memo.get(pkg.project_id);
        if (proj == nullptr) {
            continue;
        }
        write_package(ctx.rtxn(), w,
                      package_view{pkg, *proj, memo.can_destroy(*proj), group, false, &pipelines},
                      base);
    }
    w.end_array();
    response r = json_response(200, w.take());
    set_offset_headers(r, ctx, lp.pg, page.total, page.has_more, defaults);
    return r;
}

} // namespace

/// The displayable package of this project, or GitLab's "404 Not found" (finder miss).
std::variant<store::package, response> find_displayable(request_context& ctx,
                                                        const store::project& proj) {
    auto id = parse_int(ctx.path_param("package_id"));
    if (!id) {
        return bad_params("package_id is invalid");
    }
    std::optional<store::package> p;
    if (*id > 0) {
        p = store::find_package(ctx.rtxn(), static_cast<std::uint64_t>(*id));
    }
    if (!p || p->project_id != proj.id || !store::displayable(p->status)) {
        return message_response(404, "404 Not found");
    }
    return std::move(*p);
}

/// Project lookup plus read_package: GitLab's first two checks on every package route.
std::variant<store::project, response> project_for_packages(request_context& ctx) {
    auto found = find_readable_project(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    auto& p = std::get<store::project>(found);
    if (!can_read_packages(ctx, p)) {
        return forbidden();
    }
    return std::move(p);
}

std::variant<project_package, response> find_package_for(request_context& ctx, bool for_delete) {
    auto found = project_for_packages(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    auto& proj = std::get<store::project>(found);
    if (for_delete && !at_least(project_role(ctx, proj), store::access_level::maintainer)) {
        return forbidden();
    }
    auto pkg = find_displayable(ctx, proj);
    if (auto* err = std::get_if<response>(&pkg)) {
        return std::move(*err);
    }
    return project_package{std::move(proj), std::move(std::get<store::package>(pkg))};
}

namespace {

/// The projects of a group's subtree whose packages a caller may see (GitLab's
/// Packages::ProjectsFinder), with per-visibility tallies for the counters.
struct audience {
    std::uint64_t generation = 0;
    std::vector<std::uint64_t> allowed; ///< sorted
    std::size_t seen[3] = {0, 0, 0};    ///< projects per level: private, internal, public
    std::size_t taken[3] = {0, 0, 0};   ///< of those, allowed
    std::size_t total_projects = 0;
};

audience compute_audience(request_context& ctx, const store::namespace_row& g,
                          bool exclude_subgroups) {
    const auto& t = ctx.rtxn();
    audience a;
    const std::vector<std::uint64_t> namespaces = exclude_subgroups
                                                      ? std::vector<std::uint64_t>{g.id}
                                                      : store::self_and_descendant_groups(t, g.id);
    const bool group_wide =
        ctx.who.admin() || at_least(group_role(ctx, g), ctx.svc.cfg.packages_read_min);
    for (auto ns : namespaces) {
        for (auto pid : store::projects_in_namespace(t, ns)) {
            auto p = store::find_project(t, pid);
            if (!p) {
                continue;
            }
            ++a.total_projects;
            const std::size_t level = static_cast<std::size_t>(p->vis) / 10;
            ++a.seen[level];
            if (p->packages_enabled && (group_wide || can_read_packages(ctx, *p))) {
                a.allowed.push_back(pid);
                ++a.taken[level];
            }
        }
    }
    std::sort(a.allowed.begin(), a.allowed.end());
    return a;
}

/// compute_audience, remembered per I/O thread until identity data changes: a group of 1,000
/// projects costs 1,000 row reads, which would dominate every group list request.
const audience& group_audience(request_context& ctx, const store::namespace_row& g,
                               bool exclude_subgroups) {
    struct key {
        std::uint64_t group;
        std::uint64_t user;
        bool exclude;
        bool operator<(const key& o) const noexcept {
            return std::tie(group, user, exclude) < std::tie(o.group, o.user, o.exclude);
        }
    };
    thread_local std::map<key, audience> cache;
    const key k{g.id, ctx.who.user_id(), exclude_subgroups};
    auto it = cache.find(k);
    if (it != cache.end() && it->second.generation == ctx.svc.env.identity_generation()) {
        return it->second;
    }
    if (cache.size() > 4096) {
        cache.clear(); // bounded: distinct callers of distinct groups
    }
    auto a = compute_audience(ctx, g, exclude_subgroups);
    a.generation = ctx.snapshot_generation;
    return cache.insert_or_assign(k, std::move(a)).first->second;
}

} // namespace

response list_project_packages(request_context& ctx) {
    auto found = project_for_packages(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& proj = std::get<store::project>(found);
    list_params lp;
    if (auto err = parse_list_params(ctx, false, lp)) {
        return std::move(*err);
    }
    store::list_query q;
    q.scope = store::list_scope::project;
    q.scope_id = proj.id;
    q.order = lp.order;
    q.desc = lp.desc;
    q.offset = lp.pg.offset();
    q.limit = lp.pg.per_page;
    q.filter = lp.filter;
    if (q.filter.is_default()) {
        q.known_total = store::default_count(ctx.rtxn(), store::list_scope::project, proj.id);
    }
    const auto page = store::list_packages(ctx.rtxn(), q);
    return render_list(ctx, page, lp, &proj, {{"order_by", "created_at"}, {"sort", "asc"}});
}

response list_group_packages(request_context& ctx) {
    auto found = find_readable_group(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& g = std::get<store::namespace_row>(found);
    list_params lp;
    if (auto err = parse_list_params(ctx, true, lp)) {
        return std::move(*err);
    }
    const auto& t = ctx.rtxn();
    const auto& seen = group_audience(ctx, g, lp.exclude_subgroups);
    const auto& allowed = seen.allowed;
    store::list_query q;
    q.scope = store::list_scope::group;
    q.scope_id = g.id;
    q.order = lp.order;
    q.desc = lp.desc;
    q.offset = lp.pg.offset();
    q.limit = lp.pg.per_page;
    q.filter = lp.filter;
    const bool everything = allowed.size() == seen.total_projects && !lp.exclude_subgroups;
    if (!everything) {
        q.projects = &allowed;
    }
    // The counters are per visibility level, so they answer whenever the caller sees each
    // level of the subtree either whole or not at all.
    if (q.filter.is_default() && !lp.exclude_subgroups) {
        bool whole_levels = true;
        for (std::size_t level = 0; level < 3; ++level) {
            if (seen.taken[level] != 0 && seen.taken[level] != seen.seen[level]) {
                whole_levels = false;
            }
        }
        if (whole_levels) {
            const store::visibility_levels levels{seen.taken[0] != 0, seen.taken[1] != 0,
                                                  seen.taken[2] != 0};
            q.known_total = store::default_count(t, store::list_scope::group, g.id, levels);
        }
    }
    const auto page = store::list_packages(t, q);
    return render_list(
        ctx, page, lp, nullptr,
        {{"exclude_subgroups", "false"}, {"order_by", "created_at"}, {"sort", "asc"}});
}

response get_package(request_context& ctx) {
    auto found = find_package_for(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& [proj, p] = std::get<project_package>(found);
    if (!store::detailed_info(p.status)) {
        return message_response(404, "Package not found");
    }
    const std::string base = base_of(ctx);
    const bool destroy = at_least(project_role(ctx, proj), store::access_level::maintainer);
    json_writer w;
    write_package(ctx.rtxn(), w, package_view{p, proj, destroy, false, true}, base);
    return json_response(200, w.take());
}

response list_package_pipelines(request_context& ctx) {
    auto found = find_package_for(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& [proj, p] = std::get<project_package>(found);
    if (!store::detailed_info(p.status)) {
        return not_found("Package not found");
    }
    validation v;
    std::int64_t per_page = 20;
    if (ctx.params.find("per_page") != nullptr) {
        if (auto n = int_param(ctx.params, "per_page", v)) {
            if (*n < 1 || *n > 20) {
                v.add("per_page does not have a valid value");
            } else {
                per_page = *n;
            }
        }
    }
    const auto cursor = string_param(ctx.params, "cursor", v);
    (void)int_param(ctx.params, "page", v);
    const auto order_by = string_param(ctx.params, "order_by", v);
    const auto sort = string_param(ctx.params, "sort", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    if ((order_by && *order_by != "id") || (sort && *sort != "desc")) {
        return error_response(405,
                              "Keyset pagination is not yet available for this type of request");
    }
    // Cursor: URL-safe base64 of {"id":"<build info id>","_kd":"n"|"p"}.
    std::uint64_t cursor_id = 0;
    bool previous = false;
    if (cursor && !cursor->empty()) {
        std::string b64 = *cursor;
        for (char& c : b64) {
            c = c == '-' ? '+' : (c == '_' ? '/' : c);
        }
        while (b64.size() % 4 != 0) {
            b64.push_back('=');
        }
        param_map cur;
        const auto json = base64_decode(b64);
        if (!json || !parse_json_object(*json, cur)) {
            return bad_params("cursor is invalid");
        }
        validation cv;
        const auto id = int_param(cur, "id", cv);
        if (!id || !cv.ok() || *id < 0) {
            return bad_params("cursor is invalid");
        }
        cursor_id = static_cast<std::uint64_t>(*id);
        if (const auto* kd = cur.find("_kd"); kd != nullptr && kd->text == "p") {
            previous = true;
        }
    }
    const auto& t = ctx.rtxn();
    std::vector<store::build_info> rows;
    bool more = false;
    auto all = store::build_infos(t, p.id); // newest first
    std::erase_if(all, [](const store::build_info& b) { return b.pipeline_id == 0; });
    const auto limit = static_cast<std::size_t>(per_page);
    if (previous) {
        // The rows just above the cursor, still newest first.
        std::vector<store::build_info> above;
        for (const auto& b : all) {
            if (b.id > cursor_id) {
                above.push_back(b);
            }
        }
        const std::size_t start = above.size() > limit ? above.size() - limit : 0;
        rows.assign(above.begin() + static_cast<std::ptrdiff_t>(start), above.end());
        more = cursor_id != 0 && std::any_of(all.begin(), all.end(),
                                             [&](const auto& b) { return b.id <= cursor_id; });
    } else {
        for (const auto& b : all) {
            if (cursor_id != 0 && b.id >= cursor_id) {
                continue;
            }
            if (rows.size() == limit) {
                more = true;
                break;
            }
            rows.push_back(b);
        }
    }
    std::vector<store::pipeline> pipelines;
    for (const auto& b : rows) {
        if (auto pl = store::find_pipeline(t, b.pipeline_id)) {
            pipelines.push_back(std::move(*pl));
        }
    }
    std::sort(pipelines.begin(), pipelines.end(),
              [](const auto& a, const auto& b) { return a.id > b.id; });
    const std::string base = base_of(ctx);
    json_writer w;
    w.begin_array();
    for (const auto& pl : pipelines) {
        write_pipeline(t, w, pl, base);
    }
    w.end_array();
    response r = json_response(200, w.take());
    if (more && !rows.empty()) {
        json_writer cw;
        cw.begin_object()
            .field("id", std::to_string(rows.back().id))
            .field("_kd", "n")
            .end_object();
        std::string next = base64url_encode(cw.take());
        r.set_header("Link", "<" +
                                 page_url(ctx, {{"per_page", std::to_string(per_page)}},
                                          {{"cursor", next}}) +
                                 ">; rel=\"next\"");
    }
    return r;
}

task delete_package(request_context& ctx) {
    auto found = find_package_for(ctx, true);
    if (auto* err = std::get_if<response>(&found)) {
        co_return std::move(*err);
    }
    const auto p = std::get<project_package>(std::move(found)).package;
    if (const auto since = ctx.req.header("If-Unmodified-Since"); !since.empty()) {
        if (auto when = parse_http_date(since); when && p.updated_at > *when + 999) {
            co_return message_response(412, "412 Precondition Failed");
        }
    }
    ctx.release_read();
    bool gone = false;
    const auto ec = co_await ctx.svc.writer.run([&](store::write_txn& t) -> std::error_code {
        auto cur = store::find_package(t, p.id);
        gone = !cur || !store::displayable(cur->status);
        if (gone) {
            return {};
        }
        return store::mark_package_for_destruction(t, *cur);
    });
    if (ec) {
        co_return store_failure("delete package", ec);
    }
    if (gone) {
        co_return message_response(404, "404 Not found");
    }
    if (ctx.svc.wake_cleanup) {
        ctx.svc.wake_cleanup();
    }
    co_return no_content();
}

} // namespace packyard::routing::handlers
