// The package pages (docs/web.md): a project's and a group's package list with GitLab's
// filters, orders and pages, and one package's page. The same store reads as the API's lists
// (package_lists.hpp) and package object, rendered as HTML.

#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_lists.hpp"
#include "routing/list_pages.hpp"
#include "routing/web/html.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"
#include "store/page_data.hpp"

#include <algorithm>
#include <array>

namespace packyard::routing::handlers {
namespace {

using web::escape_into;

/// The list parameters a filter form sends, empty ones dropped ("All types" is no filter).
void drop_empty_filters(request_context& ctx) {
    param_map kept;
    for (const auto& [name, value] : ctx.params.items()) {
        if (value.kind == param_value::shape::scalar && value.text.empty()) {
            continue;
        }
        kept.set(name, value);
    }
    ctx.params = std::move(kept);
}

void option(std::string& out, std::string_view value, std::string_view label,
            std::string_view selected) {
    out += "<option value=\"";
    escape_into(out, value);
    out += '"';
    if (value == selected) {
        out += " selected";
    }
    out += '>';
    escape_into(out, label);
    out += "</option>";
}

std::string param_text(const request_context& ctx, std::string_view name) {
    const auto* v = ctx.params.find(name);
    return v != nullptr && v->kind == param_value::shape::scalar ? v->text : std::string{};
}

void filter_form(std::string& out, const request_context& ctx, const list_params& lp, bool group) {
    out += "<form class=\"filters\" data-testid=\"filters\" method=\"get\">"
           "<input type=\"search\" name=\"package_name\" placeholder=\"Filter by name\" "
           "aria-label=\"Name\" value=\"";
    escape_into(out, param_text(ctx, "package_name"));
    out += "\"><select name=\"package_type\" aria-label=\"Type\" data-autosubmit>";
    const std::string type = param_text(ctx, "package_type");
    option(out, "", "All types", type);
    for (const auto t : package_type_names) {
        option(out, t, t, type);
    }
    out += "</select><select name=\"status\" aria-label=\"Status\" data-autosubmit>";
    const std::string status = param_text(ctx, "status");
    option(out, "", "Any status", status);
    for (const auto s : package_status_names) {
        option(out, s, s, status);
    }
    out += "</select><select name=\"order_by\" aria-label=\"Order by\" data-autosubmit>";
    constexpr std::array<std::pair<std::string_view, std::string_view>, 5> orders{{
        {"created_at", "Created"},
        {"name", "Name"},
        {"version", "Version"},
        {"type", "Type"},
        {"project_path", "Project"},
    }};
    for (const auto& [value, label] : orders) {
        if (value == "project_path" && !group) {
            continue;
        }
        option(out, value, label, lp.order_text);
    }
    out += "</select><select name=\"sort\" aria-label=\"Sort\" data-autosubmit>";
    option(out, "asc", "Ascending", lp.sort_text);
    option(out, "desc", "Descending", lp.sort_text);
    out += "</select><button type=\"submit\">Filter</button></form>";
}

void pagination(std::string& out, const request_context& ctx, const list_params& lp,
                const store::list_page& page) {
    const auto pages = page.total ? std::optional(std::max<std::uint64_t>(
                                        1, (*page.total + lp.pg.per_page - 1) / lp.pg.per_page))
                                  : std::nullopt;
    const bool more = pages ? lp.pg.page < *pages : page.has_more;
    web::append_pagination(out, ctx, lp.pg.page, pages, more);
}

void package_href(std::string& out, std::string_view project_path, std::uint64_t id) {
    out += '/';
    escape_into(out, project_path);
    out += "/-/packages/" + std::to_string(id);
}

void pipeline_cell(std::string& out, const store::pipeline* pl, const store::pipeline_refs& refs) {
    if (pl == nullptr) {
        out += "<span class=\"muted\">—</span>";
        return;
    }
    out += "<span class=\"ref\">";
    escape_into(out, pl->ref);
    out += "</span> <code class=\"sha\">";
    escape_into(out, pl->sha.substr(0, 8));
    out += "</code>";
    if (const auto* u = refs.find_user(pl->user_id)) {
        out += " <span class=\"author\">";
        escape_into(out, u->name);
        out += "</span>";
    }
}

response list_page(request_context& ctx, const store::txn& t, const list_params& lp,
                   const store::list_page& page, const store::project* only_project,
                   std::string_view title, std::span<const web::crumb> crumbs) {
    const bool group = only_project == nullptr;
    const auto extras = store::package_page_extras(t, page.rows, only_project);
    std::vector<std::pair<std::uint64_t, std::string>> paths;
    auto path_of = [&](std::uint64_t project_id) -> const std::string& {
        for (const auto& [id, path] : paths) {
            if (id == project_id) {
                return path;
            }
        }
        std::string path;
        if (only_project != nullptr && only_project->id == project_id) {
            path = only_project->full_path;
        } else if (auto p = store::find_project(t, project_id)) {
            path = p->full_path;
        }
        return paths.emplace_back(project_id, std::move(path)).second;
    };
    std::string c;
    filter_form(c, ctx, lp, group);
    if (page.rows.empty()) {
        c += "<p class=\"empty\">No packages match.</p>";
    } else {
        c += "<div class=\"table-wrap\"><table data-testid=\"packages\"><thead><tr><th>Name</th>"
             "<th>Version</th><th>Type</th>";
        if (group) {
            c += "<th>Project</th>";
        }
        c += "<th>Created</th><th>Pipeline</th></tr></thead><tbody>";
        for (std::size_t i = 0; i < page.rows.size(); ++i) {
            const auto& p = page.rows[i];
            const std::string& path = path_of(p.project_id);
            c += "<tr data-testid=\"package-row\"><td class=\"name\"><a href=\"";
            package_href(c, path, p.id);
            c += "\">";
            escape_into(c, p.name);
            c += "</a></td><td class=\"version\">";
            if (p.version) {
                escape_into(c, *p.version);
            } else {
                c += "<span class=\"muted\">—</span>";
            }
            c += "</td><td class=\"type\"><span class=\"badge type\">";
            c += store::package_type_name(p.type);
            c += "</span></td>";
            if (group) {
                c += "<td class=\"project\"><a href=\"/";
                escape_into(c, path);
                c += "/-/packages\">";
                escape_into(c, path);
                c += "</a></td>";
            }
            c += "<td class=\"created\">";
            web::append_time(c, p.created_at);
            c += "</td><td class=\"pipeline\">";
            pipeline_cell(c, extras.newest(i), extras.refs);
            c += "</td></tr>";
        }
        c += "</tbody></table></div>";
    }
    pagination(c, ctx, lp, page);
    return web::html_response(200, web::frame(ctx, title, crumbs, c));
}

} // namespace

outcome web_project_packages(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages.
    // A kept page was looked for before the needs (routing/list_pages.hpp): this one is rendered.
    const auto& proj = *ctx.subject.project;
    const auto generation = store::list_generation(t, store::list_scope::project, proj.id);
    drop_empty_filters(ctx);
    list_params lp;
    if (auto err = parse_list_params(ctx, false, lp)) {
        return std::move(*err);
    }
    const auto page = project_list_page(ctx, t, proj, lp);
    const web::crumb crumbs[] = {{"packyard", "/"}, {proj.full_path, ""}, {"Packages", ""}};
    return keep_list_answer(ctx, store::list_scope::project, proj.id, generation,
                            list_page(ctx, t, lp, page, &proj, proj.name + " packages", crumbs));
}

outcome web_group_packages(request_context& ctx, const snapshot& t) {
    // Route needs: the group.
    // A kept page was looked for before the needs (routing/list_pages.hpp): this one is rendered.
    const auto& g = *ctx.subject.group;
    const auto generation = store::list_generation(t, store::list_scope::group, g.id);
    drop_empty_filters(ctx);
    list_params lp;
    if (auto err = parse_list_params(ctx, true, lp)) {
        return std::move(*err);
    }
    const auto page = group_list_page(ctx, t, g, lp);
    const web::crumb crumbs[] = {{"packyard", "/"}, {g.full_path, ""}, {"Packages", ""}};
    return keep_list_answer(ctx, store::list_scope::group, g.id, generation,
                            list_page(ctx, t, lp, page, nullptr, g.name + " packages", crumbs));
}

namespace {

/// The install or setup snippet of a package's format, as GitLab's package page shows it.
std::string install_snippet(const request_context& ctx, const store::project& proj,
                            const store::package& p,
                            const std::vector<store::package_file>& files) {
    const std::string base = ctx.base_url();
    const std::string api = base + "/api/v4/projects/" + std::to_string(proj.id) + "/packages";
    const std::string version = p.version.value_or("");
    switch (p.type) {
    case store::package_type::npm: {
        const std::string host = base.substr(base.find("//")); // "//host:port", as .npmrc keys it
        std::string scope;
        if (!p.name.empty() && p.name.front() == '@') {
            scope = p.name.substr(0, p.name.find('/'));
        }
        std::string s = "# .npmrc\n";
        s += scope.empty() ? "registry=" : scope + ":registry=";
        s += api + "/npm/\n" + host + "/api/v4/projects/" + std::to_string(proj.id) +
             "/packages/npm/:_authToken=${NPM_TOKEN}\n\nnpm install " + p.name + "@" + version;
        return s;
    }
    case store::package_type::pypi:
        return "pip install " + p.name + "==" + version + " --index-url " +
               base.substr(0, base.find("//") + 2) + "__token__:<your_personal_token>@" +
               base.substr(base.find("//") + 2) + "/api/v4/projects/" + std::to_string(proj.id) +
               "/packages/pypi/simple";
    case store::package_type::maven: {
        const auto cut = p.name.rfind('/');
        std::string group_id = cut == std::string::npos ? p.name : p.name.substr(0, cut);
        std::replace(group_id.begin(), group_id.end(), '/', '.');
        const std::string artifact = cut == std::string::npos ? p.name : p.name.substr(cut + 1);
        return "<dependency>\n  <groupId>" + group_id + "</groupId>\n  <artifactId>" + artifact +
               "</artifactId>\n  <version>" + version +
               "</version>\n</dependency>\n\n<repositories>\n  <repository>\n    "
               "<id>gitlab-maven</id>\n    <url>" +
               api + "/maven</url>\n  </repository>\n</repositories>";
    }
    default: {
        const std::string file = files.empty() ? "<file_name>" : files.front().file_name;
        return "curl --header \"PRIVATE-TOKEN: <your_access_token>\" --output " + file +
               " \\\n  \"" + api + "/generic/" + p.name + "/" + version + "/" + file + "\"";
    }
    }
}

void delete_form(std::string& out, const request_context& ctx, std::string_view action,
                 std::string_view css, std::string_view testid, std::string_view confirm,
                 std::string_view label) {
    out += "<form class=\"";
    out += css;
    out += "\" method=\"post\" action=\"";
    escape_into(out, action);
    out += "\" data-confirm=\"";
    escape_into(out, confirm);
    out += "\"><input type=\"hidden\" name=\"authenticity_token\" value=\"";
    escape_into(out, ctx.visit ? ctx.visit->csrf : std::string{});
    out += "\"><button type=\"submit\" class=\"danger\" data-testid=\"";
    out += testid;
    out += "\">";
    escape_into(out, label);
    out += "</button></form>";
}

} // namespace

outcome web_package(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages, the package.
    const auto& proj = *ctx.subject.project;
    const auto& p = *ctx.subject.package;
    if (!store::detailed_info(p.status)) {
        return not_found();
    }
    const bool may_delete = ctx.visit && ctx.visit->can_write &&
                            at_least(project_role(ctx, t, proj), store::access_level::maintainer);
    auto extras = store::package_page_extras(t, std::span(&p, 1), &proj);
    const auto versions = store::versions_of(t, p, extras.refs);
    auto files = store::files_of(t, p.id);
    std::erase_if(files, [](const store::package_file& f) {
        return f.status != store::file_status::default_;
    });
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    const auto file_pipelines = store::file_pipelines_of(t, files, extras.refs);
    const std::string package_path = "/" + proj.full_path + "/-/packages/" + std::to_string(p.id);

    std::string c = "<p class=\"meta\"><span class=\"badge type\">";
    c += store::package_type_name(p.type);
    c += "</span> <span class=\"badge version\">";
    escape_into(c, p.version.value_or("no version"));
    c += "</span> <span class=\"muted\">created</span> ";
    {
        std::string when;
        web::append_time(when, p.created_at);
        c += when.replace(0, 5, "<time class=\"created\"");
    }
    if (p.status != store::package_status::default_) {
        c += " <span class=\"badge status\">";
        c += store::package_status_name(p.status);
        c += "</span>";
    }
    c += "</p>";

    const std::string snippet = install_snippet(ctx, proj, p, files);
    c += "<section><h2>Installation</h2><div class=\"snippet\"><pre data-testid=\"install\">";
    escape_into(c, snippet);
    c += "</pre><button type=\"button\" data-copy=\"";
    escape_into(c, snippet);
    c += "\">Copy</button></div></section>";

    c += "<section><h2>Files</h2>";
    if (files.empty()) {
        c += "<p class=\"empty\">No files.</p>";
    } else {
        c += "<div class=\"table-wrap\"><table data-testid=\"files\"><thead><tr><th>Name</th>"
             "<th class=\"num\">Size</th><th>Created</th><th></th></tr></thead><tbody>";
        for (std::size_t i = 0; i < files.size(); ++i) {
            const auto& f = files[i];
            const std::string download =
                "/" + proj.full_path + "/-/package_files/" + std::to_string(f.id) + "/download";
            c += "<tr data-testid=\"file-row\"><td class=\"file-name\"><a data-testid=\"download\" "
                 "href=\"";
            escape_into(c, download);
            c += "\" download>";
            escape_into(c, f.file_name);
            c += "</a><details data-testid=\"checksums\"><summary>Checksums</summary><dl>"
                 "<dt>MD5</dt><dd><code>";
            escape_into(c, f.md5);
            c += "</code></dd><dt>SHA-1</dt><dd><code>";
            escape_into(c, f.sha1);
            c += "</code></dd><dt>SHA-256</dt><dd><code>";
            escape_into(c, f.sha256);
            c += "</code></dd></dl></details></td><td class=\"size num\">";
            c += web::human_size(f.size);
            c += "</td><td class=\"created\">";
            web::append_time(c, f.created_at);
            c += "</td><td class=\"actions\">";
            if (may_delete) {
                delete_form(
                    c, ctx, package_path + "/package_files/" + std::to_string(f.id) + "/delete",
                    "delete-file", "delete-file",
                    "Delete the file " + f.file_name + "? This cannot be undone.", "Delete");
            }
            c += "</td></tr>";
        }
        c += "</tbody></table></div>";
    }
    c += "</section>";

    const auto& tags = extras.tags[0];
    if (p.type == store::package_type::npm) {
        c += "<section><h2>Tags</h2>";
        if (tags.empty()) {
            c += "<p class=\"empty\">No tags point at this version.</p>";
        } else {
            c += "<div class=\"table-wrap\"><table data-testid=\"dist-tags\"><thead><tr><th>Tag"
                 "</th><th>Updated</th></tr></thead><tbody>";
            for (const auto& tag : tags) {
                c += "<tr><td><span class=\"badge\">";
                escape_into(c, tag.name);
                c += "</span></td><td>";
                web::append_time(c, tag.updated_at);
                c += "</td></tr>";
            }
            c += "</tbody></table></div>";
        }
        c += "</section>";
    }

    // The pipelines that published the files, newest first.
    std::vector<const store::pipeline*> pipelines;
    for (const auto& per_file : file_pipelines) {
        for (const auto& pl : per_file) {
            if (std::none_of(pipelines.begin(), pipelines.end(),
                             [&pl](const auto* q) { return q->id == pl.id; })) {
                pipelines.push_back(&pl);
            }
        }
    }
    if (const auto* newest = extras.newest(0);
        newest != nullptr &&
        std::none_of(pipelines.begin(), pipelines.end(),
                     [newest](const auto* q) { return q->id == newest->id; })) {
        pipelines.push_back(newest);
    }
    std::sort(pipelines.begin(), pipelines.end(),
              [](const auto* a, const auto* b) { return a->id > b->id; });
    c += "<section><h2>Pipelines</h2>";
    if (pipelines.empty()) {
        c += "<p class=\"empty\">Not published by a pipeline.</p>";
    } else {
        c += "<div class=\"table-wrap\"><table data-testid=\"pipelines\"><thead><tr><th>Pipeline"
             "</th><th>Ref</th><th>Commit</th><th>Status</th><th>Triggered by</th><th>Created"
             "</th></tr></thead><tbody>";
        for (const auto* pl : pipelines) {
            c += "<tr><td>#" + std::to_string(pl->id) + "</td><td class=\"ref\">";
            escape_into(c, pl->ref);
            c += "</td><td><code class=\"sha\">";
            escape_into(c, pl->sha.substr(0, 8));
            c += "</code></td><td><span class=\"badge\">";
            escape_into(c, pl->status);
            c += "</span></td><td class=\"author\">";
            if (const auto* u = extras.refs.find_user(pl->user_id)) {
                escape_into(c, u->name);
            }
            c += "</td><td>";
            web::append_time(c, pl->created_at);
            c += "</td></tr>";
        }
        c += "</tbody></table></div>";
    }
    c += "</section>";

    c += "<section><h2>Other versions</h2>";
    if (versions.empty()) {
        c += "<p class=\"empty\">No other versions.</p>";
    } else {
        c += "<div class=\"table-wrap\"><table data-testid=\"versions\"><thead><tr><th>Version"
             "</th><th>Created</th><th>Pipeline</th></tr></thead><tbody>";
        for (const auto& v : versions) {
            c += "<tr><td class=\"version\"><a href=\"";
            package_href(c, proj.full_path, v.pkg.id);
            c += "\">";
            escape_into(c, v.pkg.version.value_or("—"));
            c += "</a></td><td>";
            web::append_time(c, v.pkg.created_at);
            c += "</td><td class=\"pipeline\">";
            pipeline_cell(c, v.newest ? &*v.newest : nullptr, extras.refs);
            c += "</td></tr>";
        }
        c += "</tbody></table></div>";
    }
    c += "</section>";

    if (may_delete) {
        c += "<section class=\"danger-zone\"><h2>Delete</h2>";
        delete_form(c, ctx, package_path + "/delete", "delete-package", "delete-package",
                    "Delete " + p.name + " " + p.version.value_or("") +
                        " and all its files? This cannot be undone.",
                    "Delete package");
        c += "</section>";
    }
    const web::crumb crumbs[] = {{"packyard", "/"},
                                 {proj.full_path, ""},
                                 {"Packages", "/" + proj.full_path + "/-/packages"},
                                 {p.name, ""}};
    return web::html_response(200, web::frame(ctx, p.name, crumbs, c));
}

} // namespace packyard::routing::handlers
