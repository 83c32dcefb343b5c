// GitLab's Maven repository (lib/api/maven_packages.rb, lib/api/helpers/packages/maven.rb):
// files by Maven path at instance, group and project level, and uploads at project level.
// What Maven sends and expects is in docs/maven-notes.md; packyard's choices beyond GitLab in
// docs/decisions/0020-maven-registry.md.

#include "store/maven.hpp"

#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/maven/metadata_xml.hpp"
#include "routing/maven/paths.hpp"
#include "routing/rendered_cache.hpp"
#include "routing/shared_body.hpp"
#include "store/crypto.hpp"
#include "store/identity.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace packyard::routing::handlers {
namespace {

/// maven_max_file_size (app/models/plan_limits.rb): 3 GB.
constexpr std::uint64_t max_file_size = 3ULL * 1024 * 1024 * 1024;
/// FindOrCreatePackageService's bound on a file name.
constexpr std::size_t max_file_name = 5000;

response package_not_found() {
    return message_response(404, "404 Package Not Found");
}

response text_response(std::string body) {
    response r;
    r.content_type = "text/plain";
    r.body = std::move(body);
    return r;
}

/// The request's target, or Grape's answer to it (404 when no route would match, 400 for a
/// parameter that fails its validator).
std::variant<maven::target, response> target_of(const request_context& ctx, bool upload) {
    auto t = maven::split_target(ctx.raw_path_param("rest"));
    if (!t) {
        return not_found();
    }
    if (auto errors = maven::parameter_errors(*t, upload); !errors.empty()) {
        return bad_params(errors);
    }
    return std::move(*t);
}

/// The projects a read looks in: the route's project, or at group level every project of the
/// group and its subgroups whose packages the caller may read (GitLab's
/// packages_visible_to_user).
std::vector<store::project> projects_of(const request_context& ctx, const store::txn& t) {
    std::vector<store::project> out;
    if (ctx.subject.project) {
        out.push_back(*ctx.subject.project);
        return out;
    }
    for (const auto ns : store::self_and_descendant_groups(t, ctx.subject.group->id)) {
        for (const auto id : store::projects_in_namespace(t, ns)) {
            auto p = store::find_project(t, id);
            if (p && can_read_packages(ctx, t, *p)) {
                out.push_back(std::move(*p));
            }
        }
    }
    return out;
}

bool in(const std::vector<store::project>& projects, std::uint64_t id) {
    return std::any_of(projects.begin(), projects.end(),
                       [id](const store::project& p) { return p.id == id; });
}

/// The versionless package's maven-metadata.xml as the stored versions make it, for the
/// projects given. A group reads the versions of every project it looks in: the same version
/// in two projects is listed once, at its first upload. None when no version can be installed.
std::optional<std::string> render_generated(const store::txn& t,
                                            const std::vector<std::uint64_t>& projects,
                                            std::string_view path) {
    std::map<std::string, std::int64_t, std::less<>> first_seen;
    for (const auto project : projects) {
        for (const auto& v : store::maven_versions(t, project, path)) {
            auto [it, added] = first_seen.emplace(*v.version, v.created_at);
            if (!added) {
                it->second = std::min(it->second, v.created_at);
            }
        }
    }
    if (first_seen.empty()) {
        return std::nullopt;
    }
    std::vector<maven::listed_version> versions;
    versions.reserve(first_seen.size());
    for (const auto& [version, created] : first_seen) {
        versions.push_back({version, created});
    }
    std::stable_sort(versions.begin(), versions.end(),
                     [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
    return maven::render_metadata(maven::coordinates_of(path), versions);
}

/// The generated document and its digests, kept in the rendered-page cache, when the path is
/// an artifact whose versionless package is among the candidates. The key holds the list
/// generation of every project read: it moves with every package created, deleted or changed
/// in status there, which is all the document depends on (created_at never changes).
struct generated_doc {
    std::shared_ptr<const shared_body> body;
    std::shared_ptr<const shared_body> md5;
    std::shared_ptr<const shared_body> sha1;
};
std::optional<generated_doc> generated_metadata(request_context& ctx, const store::txn& t,
                                                const std::vector<store::package>& candidates,
                                                std::string_view path) {
    std::vector<std::uint64_t> projects;
    for (const auto& p : candidates) {
        if (!p.version && store::installable(p.status) &&
            std::find(projects.begin(), projects.end(), p.project_id) == projects.end()) {
            projects.push_back(p.project_id);
        }
    }
    if (projects.empty()) {
        return std::nullopt;
    }
    std::string key = "maven|";
    key += path;
    for (const auto project : projects) {
        key += '|';
        key += std::to_string(project);
        key += ':';
        key += std::to_string(store::list_generation(t, store::list_scope::project, project));
    }
    auto& cache = *ctx.svc.packuments;
    generated_doc doc{cache.find(key, 0), cache.find(key + "|md5", 0),
                      cache.find(key + "|sha1", 0)};
    if (doc.body && doc.md5 && doc.sha1) {
        return doc;
    }
    auto bytes = render_generated(t, projects, path);
    if (!bytes) {
        return std::nullopt; // no version left: the stored file, until the cleanup runs
    }
    auto sums = maven::checksums_of(*bytes);
    doc.body = std::make_shared<const shared_body>(std::move(*bytes));
    doc.md5 = std::make_shared<const shared_body>(std::move(sums.md5));
    doc.sha1 = std::make_shared<const shared_body>(std::move(sums.sha1));
    cache.insert(key + "|md5", 0, doc.md5);
    cache.insert(key + "|sha1", 0, doc.sha1);
    cache.insert(std::move(key), 0, doc.body);
    return doc;
}

/// The file to serve: at project level the newest installable package with the path, and its
/// newest file of that name (GitLab's PackageFinder.last, then PackageFileFinder); at group
/// level the newest upload of that name among all of them, so that one artifact in a parent
/// and a subgroup resolves to one file whatever the package ids (gitlab-foss#79697).
struct found_file {
    store::package pkg;
    store::package_file file;
};
std::optional<found_file> file_at(const store::txn& t, const std::vector<store::package>& packages,
                                  std::string_view name, bool newest_upload) {
    std::optional<found_file> best;
    for (auto it = packages.rbegin(); it != packages.rend(); ++it) {
        if (!store::installable(it->status)) {
            continue;
        }
        auto f = store::newest_file_named(t, it->id, name);
        if (f && (!best || f->id > best->file.id)) {
            best = found_file{*it, std::move(*f)};
        }
        if (!newest_upload) {
            break; // the newest package decides, with its file or without
        }
    }
    return best;
}

outcome answer(request_context& ctx, const store::txn& t,
               const std::vector<store::package>& candidates, const maven::target& target,
               bool newest_upload, bool instance) {
    const auto want = maven::extract_format(target.file_name);
    if (want.base == "maven-metadata.xml" && !target.path.ends_with("-SNAPSHOT")) {
        if (auto doc = generated_metadata(ctx, t, candidates, target.path)) {
            response r;
            if (want.what != maven::format::file) {
                r.content_type = "text/plain";
                r.shared = want.what == maven::format::md5 ? doc->md5 : doc->sha1;
                return r;
            }
            r.content_type = "application/octet-stream";
            r.set_header("Content-Disposition", "attachment; filename=\"maven-metadata.xml\"; "
                                                "filename*=UTF-8''maven-metadata.xml");
            r.set_header("x-checksum-sha1", std::string(doc->sha1->bytes()));
            r.set_header("x-checksum-md5", std::string(doc->md5->bytes()));
            r.shared = std::move(doc->body);
            return r;
        }
    }
    auto found = file_at(t, candidates, want.base, newest_upload);
    if (!found) {
        // The instance route finds the package, then the file with PackageFileFinder#execute!,
        // whose miss is the API's plain 404; the others answer both misses alike. No
        // forwarding to Maven Central (dependency confusion): not found.
        const bool some_package =
            std::any_of(candidates.begin(), candidates.end(),
                        [](const store::package& p) { return store::installable(p.status); });
        return instance && some_package ? message_response(404, "404 Not found")
                                        : package_not_found();
    }
    if (want.what == maven::format::md5) {
        return text_response(found->file.md5);
    }
    if (want.what == maven::format::sha1) {
        return text_response(found->file.sha1);
    }
    // A HEAD is no download (lib/api/helpers/packages/maven.rb: touch_last_downloaded_at
    // unless request.head?).
    return send_file(ctx, found->pkg, found->file,
                     {{"x-checksum-sha1", found->file.sha1}, {"x-checksum-md5", found->file.md5}},
                     false);
}

} // namespace

outcome maven_download(request_context& ctx, const snapshot& t) {
    // Route needs: the project (read_packages) or the group, each a 401 with the Basic realm
    // for the anonymous when hidden; none at instance level.
    auto parsed = target_of(ctx, false);
    if (auto* err = std::get_if<response>(&parsed)) {
        return std::move(*err);
    }
    const auto& target = std::get<maven::target>(parsed);
    // Without Maven Central forwarding GitLab asks first whether any project has the path.
    const bool known = store::maven_path_exists(t, target.path);
    const bool instance = !ctx.subject.project && !ctx.subject.group;
    if (instance) {
        // Instance level: the project is the one at the path minus its last segment.
        if (!known) {
            return forbidden();
        }
        const auto slash = target.path.rfind('/');
        auto project = slash == std::string::npos
                           ? std::nullopt
                           : store::find_project_by_path(t, target.path.substr(0, slash));
        if (!project || !can_read_packages(ctx, t, *project)) {
            // The anonymous are asked for credentials (Maven sends them only then).
            return ctx.who.signed_in() ? forbidden() : unauthorized();
        }
        ctx.subject.project = std::move(*project);
    } else if (!known) {
        return not_found(ctx.subject.project ? "Project" : "Group");
    }
    const auto projects = projects_of(ctx, t);
    std::vector<store::package> candidates;
    for (auto& p : store::maven_packages_at(t, target.path)) {
        if (in(projects, p.project_id)) {
            candidates.push_back(std::move(p));
        }
    }
    return answer(ctx, t, candidates, target, !ctx.subject.project, instance);
}

std::optional<response> maven_read_params(request_context& ctx) {
    auto parsed = target_of(ctx, false);
    return std::holds_alternative<response>(parsed)
               ? std::optional<response>(std::move(std::get<response>(parsed)))
               : std::nullopt;
}

std::optional<response> maven_upload_params(request_context& ctx) {
    auto parsed = target_of(ctx, true);
    return std::holds_alternative<response>(parsed)
               ? std::optional<response>(std::move(std::get<response>(parsed)))
               : std::nullopt;
}

std::optional<response> maven_upload_check(request_context& ctx) {
    // After the route's needs (signed in, the project, upload rights: authenticate_non_get!,
    // authorize_upload!): the parameters, the size and what creating the package would
    // validate, from the header alone, before the body is read.
    auto parsed = target_of(ctx, true);
    if (auto* err = std::get_if<response>(&parsed)) {
        return std::move(*err);
    }
    const auto& target = std::get<maven::target>(parsed);
    const auto length_header = ctx.req.header("Content-Length");
    std::uint64_t length = 0;
    if (std::from_chars(length_header.data(), length_header.data() + length_header.size(), length)
                .ec == std::errc{} &&
        length > max_file_size) {
        return bad_request("File is too large");
    }
    if (target.file_name.size() > max_file_name) {
        return bad_request("File name is too long");
    }
    const auto want = maven::extract_format(target.file_name);
    if (want.what != maven::format::file) {
        return std::nullopt; // checksums create nothing here
    }
    const auto pkg = maven::package_for(target.path, target.file_name);
    if (auto errors = maven::validation_errors(target.path, pkg); !errors.empty()) {
        return bad_request("Validation failed: " + errors);
    }
    return std::nullopt;
}

outcome maven_upload(request_context& ctx, const snapshot& t) {
    // Route needs: signed in, the project, upload rights; checked again against this snapshot.
    const auto& proj = *ctx.subject.project;
    if (auto refused = maven_upload_check(ctx)) {
        return std::move(*refused);
    }
    if (!ctx.upload || !ctx.upload->finished()) {
        return bad_params("file is missing");
    }
    const auto target = std::get<maven::target>(target_of(ctx, true));
    const auto want = maven::extract_format(target.file_name);
    const auto& digest = ctx.upload->digest();
    if (want.what == maven::format::md5) {
        // Accepted and dropped, as GitLab does (it never stores an .md5).
        ctx.upload->discard();
        return text_response({});
    }
    if (want.what == maven::format::sha1) {
        // GitLab's verify_package_file: the body must be exactly the stored file's SHA-1 in
        // hex; it compares the SHA-256 of both, which the upload already computed.
        ctx.upload->discard();
        auto pkg = store::maven_package_in_project(t, proj.id, target.path);
        const auto file = pkg ? store::newest_file_named(t, pkg->id, want.base) : std::nullopt;
        if (!file) {
            return message_response(404, "404 Not found");
        }
        const auto expected = store::to_hex(store::digest_key(store::sha256(file->sha1)));
        if (expected != digest.sha256) {
            return message_response(409, "409 Conflict");
        }
        return no_content();
    }
    const auto pkg = maven::package_for(target.path, target.file_name);
    store::maven_upload_record rec;
    rec.path = target.path;
    rec.versionless = pkg.versionless;
    rec.upload.project_id = proj.id;
    rec.upload.type = store::package_type::maven;
    rec.upload.name = pkg.name;
    rec.upload.version = pkg.version;
    rec.upload.file_name = target.file_name;
    rec.upload.creator_id = ctx.who.user_id();
    rec.upload.pipeline_id =
        ctx.who.kind == auth_kind::job_token && ctx.who.token ? ctx.who.token->pipeline_id : 0;
    rec.upload.now = now_ms();
    rec.upload.digest = digest;
    auto file = std::make_shared<store::package_file>();
    store::blob_store& blobs = *ctx.svc.blobs;
    store::blob_upload& bytes = ctx.upload->bytes(); // lives in ctx until the response is sent
    return then_store_upload(
        [rec = std::move(rec), file, &blobs, &bytes](store::write_txn& w) -> std::error_code {
            auto recorded = store::record_maven_upload(w, blobs, bytes, rec);
            if (!recorded) {
                return recorded.error();
            }
            *file = std::move(*recorded);
            return {};
        },
        [file](const snapshot&, std::error_code ec) {
            if (ec) {
                return store_failure("maven upload", ec);
            }
            json_writer w;
            write_raw_file_record(w, *file);
            return json_response(200, w.take());
        });
}

} // namespace packyard::routing::handlers
