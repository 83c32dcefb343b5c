// GitLab's PyPI registry (lib/api/pypi_packages.rb): twine's upload, the PEP 503 simple index and
// package pages (PEP 691 JSON on request), and file downloads, at project and group level.

#include "store/pypi.hpp"

#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/pypi/names.hpp"
#include "routing/pypi/simple_pages.hpp"
#include "store/identity.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"

#include <algorithm>

namespace packyard::routing::handlers {
namespace {

/// The projects a simple page or download looks in, and the URL prefix of its links.
struct pypi_scope {
    std::vector<store::project> projects;
    std::string base; ///< ".../api/v4/projects/1/packages/pypi" or the group's
    std::string title;
};

/// The route's needs resolved the project (packages readable) or the group (readable).
/// At group level: every project of the group and its subgroups whose packages the caller may
/// read (GitLab's packages_visible_to_user); downloads skip that check, as GitLab does
/// ("obfuscation by sha256").
pypi_scope scope_of(const request_context& ctx, const store::txn& t, bool check_each) {
    pypi_scope s;
    if (ctx.subject.project) {
        s.projects.push_back(*ctx.subject.project);
        s.base = ctx.base_url() + "/api/v4/projects/" + std::to_string(ctx.subject.project->id) +
                 "/packages/pypi";
        s.title = ctx.subject.project->name;
        return s;
    }
    const auto& g = *ctx.subject.group;
    for (const auto ns : store::self_and_descendant_groups(t, g.id)) {
        for (const auto id : store::projects_in_namespace(t, ns)) {
            auto p = store::find_project(t, id);
            if (p && (!check_each || can_read_packages(ctx, t, *p))) {
                s.projects.push_back(std::move(*p));
            }
        }
    }
    s.base = ctx.base_url() + "/api/v4/groups/" + std::to_string(g.id) + "/-/packages/pypi";
    s.title = g.name;
    return s;
}

/// A package a simple page shows: installable, with a version.
std::optional<store::package> shown(const store::txn& t, std::uint64_t id) {
    auto p = store::find_package(t, id);
    if (!p || !store::installable(p->status) || !p->version) {
        return std::nullopt;
    }
    return p;
}

response simple_response(std::string body, bool json) {
    response r;
    r.content_type =
        json ? "application/vnd.pypi.simple.v1+json; charset=utf-8" : "text/html; charset=utf-8";
    r.body = std::move(body);
    // Both forms come from one URL (PEP 691): caches must key on Accept.
    r.set_header("Vary", "Accept");
    return r;
}

response package_not_found() {
    return message_response(404, "404 Package Not Found");
}

std::string file_url(const pypi_scope& s, const store::package_file& f) {
    return s.base + "/files/" + f.sha256 + "/" + f.file_name;
}

} // namespace

namespace {

/// The index page's bytes.
std::string render_index(const store::txn& t, const pypi_scope& s, bool json) {
    struct row {
        std::uint64_t id;
        std::string name;
        std::string requires_python;
    };
    std::vector<row> rows;
    for (const auto& p : s.projects) {
        for (const auto id : store::pypi_packages_of(t, p.id)) {
            if (auto pkg = shown(t, id)) {
                auto meta = store::pypi_metadata_of(t, id);
                rows.push_back({id, pkg->name, meta ? meta->required_python : std::string()});
            }
        }
    }
    // GitLab's each_batch: one anchor per package (name and version), by id.
    std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.id < b.id; });
    if (json) {
        std::vector<std::string> names;
        names.reserve(rows.size());
        for (const auto& r : rows) {
            names.push_back(pypi::normalize(r.name));
        }
        return pypi::render_index_json(std::move(names));
    }
    std::vector<pypi::simple_link> links;
    links.reserve(rows.size());
    for (auto& r : rows) {
        links.push_back({s.base + "/simple/" + pypi::normalize(r.name), std::move(r.name),
                         std::move(r.requires_python), std::nullopt});
    }
    return pypi::render_simple_html(s.title, links);
}

/// A package page's bytes, or none when no package of that name is shown.
std::optional<std::string> render_package(const store::txn& t, const pypi_scope& s,
                                          std::string_view wanted, bool json) {
    std::vector<store::package> packages;
    for (const auto& p : s.projects) {
        for (const auto id : store::pypi_packages_named(t, p.id, wanted)) {
            if (auto pkg = shown(t, id)) {
                packages.push_back(std::move(*pkg));
            }
        }
    }
    if (packages.empty()) {
        return std::nullopt;
    }
    std::sort(packages.begin(), packages.end(),
              [](const store::package& a, const store::package& b) { return a.id < b.id; });
    std::vector<pypi::simple_link> links;
    std::vector<pypi::json_file> files;
    for (const auto& pkg : packages) {
        const auto meta = store::pypi_metadata_of(t, pkg.id);
        const std::string requires_python = meta ? meta->required_python : std::string();
        for (const auto& f : store::files_of(t, pkg.id)) {
            if (f.status != store::file_status::default_) {
                continue;
            }
            std::string url = file_url(s, f) + "#sha256=" + f.sha256;
            auto core = store::pypi_core_metadata_sha256(t, f.id);
            if (json) {
                files.push_back(
                    {f.file_name, std::move(url), f.sha256, requires_python, std::move(core)});
            } else {
                links.push_back({std::move(url), f.file_name, requires_python, std::move(core)});
            }
        }
    }
    if (json) {
        return pypi::render_package_json(pypi::normalize(packages.front().name), files);
    }
    return pypi::render_simple_html(packages.front().name, links);
}

/// The cache key of a page: everything its bytes depend on, including the generation of the
/// page in every project it covers (a group page's projects are those this caller may read, so
/// callers who see different projects never share an entry).
std::string page_key(const store::txn& t, const pypi_scope& s, std::string_view wanted, bool json) {
    std::string key = json ? "pypi|j|" : "pypi|h|";
    key += s.base;
    key += '|';
    key += wanted;
    for (const auto& p : s.projects) {
        key += '|';
        key += std::to_string(p.id);
        key += ':';
        key += std::to_string(store::pypi_generation(t, p.id, wanted));
    }
    return key;
}

/// A page from the cache, or rendered from this snapshot and kept.
template <typename Render>
std::optional<response> cached_page(request_context& ctx, const store::txn& t, const pypi_scope& s,
                                    std::string_view wanted, bool json, Render render) {
    auto& cache = *ctx.svc.packuments;
    std::string key = page_key(t, s, wanted, json);
    auto body = cache.find(key, 0);
    if (!body) {
        std::optional<std::string> bytes = render();
        if (!bytes) {
            return std::nullopt;
        }
        body = std::make_shared<const shared_body>(std::move(*bytes));
        cache.insert(std::move(key), 0, body);
    }
    response r = simple_response({}, json);
    r.shared = std::move(body);
    return r;
}

} // namespace

outcome pypi_simple_index(request_context& ctx, const snapshot& t) {
    const auto s = scope_of(ctx, t, true);
    const bool json = pypi::wants_json(ctx.req.header("Accept"));
    return *cached_page(ctx, t, s, "", json,
                        [&] { return std::optional<std::string>(render_index(t, s, json)); });
}

outcome pypi_simple_package(request_context& ctx, const snapshot& t) {
    std::string requested = ctx.path_param("package_name");
    while (requested.ends_with('/')) {
        requested.pop_back(); // pip asks for ".../simple/<name>/"
    }
    if (requested.empty()) {
        return pypi_simple_index(ctx, t); // ".../simple/": the index, as GitLab routes it
    }
    // GitLab only lower-cases the request; pip sends the normalized name.
    const std::string wanted = store::lower(requested);
    const auto s = scope_of(ctx, t, true);
    const bool json = pypi::wants_json(ctx.req.header("Accept"));
    auto page =
        cached_page(ctx, t, s, wanted, json, [&] { return render_package(t, s, wanted, json); });
    if (!page) {
        // No forwarding to pypi.org (dependency confusion, gitlab#384253): not found.
        return package_not_found();
    }
    return std::move(*page);
}

outcome pypi_download(request_context& ctx, const snapshot& t) {
    const std::string sha256 = ctx.path_param("sha256");
    const std::string file_name = ctx.path_param("file_identifier");
    const auto s = scope_of(ctx, t, false);
    auto find = [&](std::string_view name) {
        std::optional<store::pypi_file> best; // the newest file of that name and digest
        for (const auto& p : s.projects) {
            auto hit = store::find_pypi_file(t, p.id, sha256, name);
            if (hit && (!best || hit->file.id > best->file.id)) {
                best = std::move(hit);
            }
        }
        return best;
    };
    auto found = find(file_name);
    if (!found && file_name.ends_with(".metadata")) {
        // Beyond GitLab (PEP 658): "<file>.metadata" is the wheel's core metadata, when kept.
        if (auto wheel = find(std::string_view(file_name).substr(0, file_name.size() - 9))) {
            if (auto core = store::pypi_core_metadata_of(t, wheel->file.id)) {
                response r;
                r.content_type = "application/octet-stream";
                r.body = std::move(core->text);
                return r;
            }
        }
    }
    if (!found) {
        // The group route has no rescue of its own: the API's "404 Not found".
        return ctx.subject.project ? package_not_found() : message_response(404, "404 Not found");
    }
    return send_file(ctx, found->pkg, found->file);
}

std::optional<response> pypi_upload_check(request_context& ctx) {
    // After the route's needs (signed in, the project, upload rights: GitLab's project! and
    // authorize_upload!), nothing is left to check from the header: twine sends every parameter
    // in the body, and the sink refuses a body that is not a form.
    (void)ctx;
    return std::nullopt;
}

outcome pypi_upload(request_context& ctx, const snapshot& t) {
    (void)t;
    // Route needs: signed in, the project, upload rights (GitLab's project!(read_project) and
    // authorize_upload!).
    const auto& proj = *ctx.subject.project;
    const auto* form = ctx.upload ? ctx.upload->form() : nullptr;
    if (form == nullptr || !ctx.upload->finished()) {
        return bad_params("content is missing");
    }
    const auto& fields = form->fields();
    auto field = [&](std::string_view name) -> const std::string* {
        auto it = fields.find(name);
        return it == fields.end() ? nullptr : &it->second;
    };
    // Grape's declared params, in their order: the first missing or invalid one answers.
    std::string missing;
    for (const auto* name : {"name", "version"}) {
        if (field(name) == nullptr) {
            missing += missing.empty() ? "" : ", ";
            missing += std::string(name) + " is missing";
        }
    }
    if (!missing.empty()) {
        return bad_params(missing);
    }
    const auto* sha = field("sha256_digest");
    if (sha != nullptr && !pypi::valid_sha256(*sha)) {
        return bad_params("sha256_digest is invalid");
    }
    const auto& digest = ctx.upload->digest();
    // Beyond GitLab, which stores the client's digests unchecked: digests that do not match the
    // bytes mean a corrupted upload, refused before anything is stored.
    const auto* md5 = field("md5_digest");
    if ((sha != nullptr && store::lower(*sha) != digest.sha256) ||
        (md5 != nullptr && !md5->empty() && store::lower(*md5) != digest.md5)) {
        return message_response(400, "400 Bad request - Validation failed: File digest does not "
                                     "match the uploaded file");
    }
    const std::string& name = *field("name");
    const std::string& version = *field("version");
    std::string invalid;
    if (!pypi::valid_name(name)) {
        invalid = "Name is invalid";
    }
    if (!pypi::valid_version(version)) {
        invalid += invalid.empty() ? "Version is invalid" : ", Version is invalid";
    }
    const auto& file_name = form->file_name();
    if (!file_name || file_name->empty()) {
        invalid += invalid.empty() ? "File name can't be blank" : ", File name can't be blank";
    }
    if (!invalid.empty()) {
        return message_response(400, "400 Bad request - Validation failed: " + invalid);
    }
    auto text = [&](std::string_view key, std::size_t max) {
        const auto* v = field(key);
        return v == nullptr ? std::string() : pypi::truncate(*v, max);
    };
    store::pypi_upload_record rec;
    rec.upload.project_id = proj.id;
    rec.upload.type = store::package_type::pypi;
    rec.upload.name = name;
    rec.upload.version = version;
    rec.upload.file_name = *file_name;
    rec.upload.creator_id = ctx.who.user_id();
    rec.upload.pipeline_id =
        ctx.who.kind == auth_kind::job_token && ctx.who.token ? ctx.who.token->pipeline_id : 0;
    rec.upload.now = now_ms();
    rec.upload.digest = digest;
    // Packages::Pypi::Metadatum's column lengths (app/models/packages/pypi/metadatum.rb).
    rec.metadata.required_python = text("requires_python", 255);
    rec.metadata.metadata_version = text("metadata_version", 16);
    rec.metadata.author_email = text("author_email", 2048);
    rec.metadata.description = text("description", 4000);
    rec.metadata.description_content_type = text("description_content_type", 128);
    rec.metadata.summary = text("summary", 255);
    rec.metadata.keywords = text("keywords", 1024);
    rec.core_metadata = ctx.upload->core_metadata();
    store::blob_store& blobs = *ctx.svc.blobs;
    store::blob_upload& bytes = ctx.upload->bytes(); // lives in ctx until the response is sent
    return then_store_upload(
        [rec = std::move(rec), &blobs, &bytes](store::write_txn& w) -> std::error_code {
            auto recorded = store::record_pypi_upload(w, blobs, bytes, rec);
            return recorded ? std::error_code{} : recorded.error();
        },
        [](const snapshot&, std::error_code ec) {
            if (ec == store::errc::conflict) {
                return message_response(
                    400, "400 Bad request - Validation failed: File name has already been taken");
            }
            if (ec) {
                return store_failure("pypi upload", ec);
            }
            return message_response(201, "201 Created");
        });
}

} // namespace packyard::routing::handlers
