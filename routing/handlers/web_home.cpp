// The home page (docs/web.md): the projects and groups the visitor can see, with how many
// packages each shows them.

#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/pagination.hpp"
#include "routing/web/html.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"

#include <algorithm>

namespace packyard::routing::handlers {
namespace {

constexpr std::uint64_t projects_per_page = 50;

std::string_view visibility_label(store::visibility v) {
    return store::visibility_name(v);
}

/// What the home page's bytes depend on besides the data: the visitor as authenticated (a
/// session's page holds its CSRF token), the identity generation (projects, groups, members,
/// visibility) and the query. The lists generation stamps it (package counts).
std::string home_key(const request_context& ctx) {
    std::string k = "home ";
    k += std::to_string(static_cast<unsigned>(ctx.who.kind)) + ' ' +
         std::to_string(ctx.who.user_id()) + ' ' +
         std::to_string(ctx.who.token ? ctx.who.token->id : 0) + ' ' +
         std::to_string(ctx.snapshot_generation) + ' ';
    if (ctx.visit) {
        k += ctx.visit->csrf;
    }
    k += ' ';
    k += ctx.req.target;
    return k;
}

response home_response(std::shared_ptr<const shared_body> body) {
    response r = web::html_response(200, {});
    r.shared = std::move(body);
    return r;
}

} // namespace

outcome web_home(request_context& ctx, const snapshot& t) {
    // The page reads every project and group the visitor can see: with 10,000 projects about
    // 12 ms. It is kept, like the list pages, until identity data or any package list changes
    // (the environment's generations, read before this snapshot opened: a page rendered from
    // it is never older than its stamp).
    std::string key = home_key(ctx);
    if (auto kept = ctx.svc.packuments->find(key, ctx.lists_seen)) {
        return home_response(std::move(kept));
    }
    validation v;
    auto pg = read_page_params(ctx.params, v);
    pg.per_page = projects_per_page;
    auto projects = store::list_projects(t, 0, static_cast<std::size_t>(-1), false);
    std::erase_if(projects, [&](const store::project& p) { return !can_read_project(ctx, t, p); });
    std::sort(projects.begin(), projects.end(),
              [](const auto& a, const auto& b) { return a.full_path < b.full_path; });
    // Packages the visitor sees in each project (none where packages are not theirs to read).
    std::vector<std::optional<std::uint64_t>> counts;
    counts.reserve(projects.size());
    for (const auto& p : projects) {
        counts.push_back(can_read_packages(ctx, t, p) ? std::optional(store::default_count(
                                                            t, store::list_scope::project, p.id))
                                                      : std::nullopt);
    }
    std::string c;
    c += "<section><h2>Projects</h2>";
    if (projects.empty()) {
        c += "<p class=\"empty\">No projects to show.</p>";
    } else {
        c += "<div class=\"table-wrap\"><table data-testid=\"projects\"><thead><tr><th>Project"
             "</th><th>Visibility</th><th class=\"num\">Packages</th></tr></thead><tbody>";
        const auto from = std::min<std::size_t>(pg.offset(), projects.size());
        const auto to = std::min<std::size_t>(from + pg.per_page, projects.size());
        for (std::size_t i = from; i < to; ++i) {
            const auto& p = projects[i];
            c += "<tr data-testid=\"project-row\"><td class=\"name\"><a href=\"/";
            web::escape_into(c, p.full_path);
            c += "/-/packages\">";
            web::escape_into(c, p.full_path);
            c += "</a></td><td><span class=\"badge\">";
            c += visibility_label(p.vis);
            c += "</span></td><td class=\"num\">";
            c += counts[i] ? std::to_string(*counts[i]) : "—";
            c += "</td></tr>";
        }
        c += "</tbody></table></div>";
        const std::uint64_t pages = (projects.size() + pg.per_page - 1) / pg.per_page;
        web::append_pagination(c, ctx, pg.page, pages, pg.page < pages);
    }
    c += "</section>";

    auto groups = store::list_groups(t);
    std::erase_if(groups,
                  [&](const store::namespace_row& g) { return !can_read_group(ctx, t, g); });
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.full_path < b.full_path; });
    c += "<section><h2>Groups</h2>";
    if (groups.empty()) {
        c += "<p class=\"empty\">No groups to show.</p>";
    } else {
        c += "<div class=\"table-wrap\"><table data-testid=\"groups\"><thead><tr><th>Group</th>"
             "<th>Visibility</th><th class=\"num\">Packages</th></tr></thead><tbody>";
        for (const auto& g : groups) {
            // What the group's page lists for this visitor: its subtree's readable projects.
            std::uint64_t total = 0;
            const std::string prefix = g.full_path + "/";
            for (std::size_t i = 0; i < projects.size(); ++i) {
                if (counts[i] && projects[i].full_path.starts_with(prefix)) {
                    total += *counts[i];
                }
            }
            c += "<tr data-testid=\"group-row\"><td class=\"name\"><a href=\"/groups/";
            web::escape_into(c, g.full_path);
            c += "/-/packages\">";
            web::escape_into(c, g.full_path);
            c += "</a></td><td><span class=\"badge\">";
            c += visibility_label(g.vis);
            c += "</span></td><td class=\"num\">" + std::to_string(total) + "</td></tr>";
        }
        c += "</tbody></table></div>";
    }
    c += "</section>";
    auto body = std::make_shared<const shared_body>(web::frame(ctx, "Package registry", {}, c));
    ctx.svc.packuments->insert(std::move(key), ctx.lists_seen, body);
    return home_response(std::move(body));
}

} // namespace packyard::routing::handlers
