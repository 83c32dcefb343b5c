// `npm publish` and `npm deprecate`: GitLab's PUT /projects/:id/packages/npm/:package_name
// (lib/api/npm_project_packages.rb, Packages::Npm::CreatePackageService,
// DeprecatePackageService). The body was streamed by the upload sink: the tarball decoded into
// a temp file, the metadata read, the tarball's package.json checked (routing/npm/). What is
// left is GitLab's checks in GitLab's order over one snapshot, then one write.

#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/npm_scope.hpp"
#include "routing/npm/names.hpp"
#include "routing/npm/responses.hpp"
#include "store/identity.hpp"
#include "store/npm.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace packyard::routing::handlers {
namespace {

/// GitLab's package_json size rule (npm_metadatum.rb): Hash#inspect under 20,000 characters.
constexpr std::size_t max_package_json = 20000;
/// packages_packages.name and version: packyard's key bound (GitLab's columns are unbounded).
constexpr std::size_t max_name = 255;

/// GitLab's answer for a service error: {"message":m,"error":m}, the reason's status.
response service_error(unsigned status, std::string_view text) {
    return npm::error(status, text);
}

/// The 200 body of a publish: the package row as ActiveRecord serialises it.
std::string package_record(const store::package& p) {
    json_writer w;
    w.begin_object();
    w.field_u("id", p.id).field_u("project_id", p.project_id);
    w.key("created_at").time(p.created_at).key("updated_at").time(p.updated_at);
    w.field("name", p.name);
    w.key("version").opt_str(p.version);
    w.field("package_type", "npm");
    if (p.creator_id != 0) {
        w.field_u("creator_id", p.creator_id);
    } else {
        w.field_null("creator_id");
    }
    w.field("status", store::package_status_name(p.status));
    w.key("last_downloaded_at").time(p.last_downloaded_at);
    if (p.status_message.empty()) {
        w.field_null("status_message");
    } else {
        w.field("status_message", p.status_message);
    }
    w.end_object();
    return w.take();
}

/// The naming convention's duplicate rule: a scope equal to the project's root namespace makes
/// name+version unique across that namespace's projects.
bool exists_elsewhere_in_root(const snapshot& t, const store::project& proj, std::string_view name,
                              std::string_view version) {
    const auto scope = npm::scope_of(name);
    if (!scope) {
        return false;
    }
    const auto up = store::namespace_ancestry(t, proj.namespace_id);
    auto root = up.empty() ? std::nullopt : store::find_namespace(t, up.back());
    if (!root || root->path != *scope) {
        return false;
    }
    for (const auto& state : store::npm_projects_with(t, name)) {
        if (state.project_id == proj.id) {
            continue;
        }
        auto other = store::find_project(t, state.project_id);
        if (!other) {
            continue;
        }
        const auto their = store::namespace_ancestry(t, other->namespace_id);
        if (!their.empty() && their.back() == root->id &&
            store::find_package_by_version(t, other->id, store::package_type::npm, name, version)) {
            return true;
        }
    }
    return false;
}

/// The package.json with "deprecated" set to message, or removed when it is empty; none when
/// nothing changes (GitLab skips those).
std::optional<std::string> with_deprecation(std::string_view json, std::string_view message) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        return std::nullopt;
    }
    // By index rather than FindMember's iterator: comparing a mutable Document's member
    // iterators is ambiguous under C++20's reversed operators
    // (clang-diagnostic-ambiguous-reversed-operator). The last duplicate key wins, as in Ruby.
    rapidjson::Value* current = nullptr;
    for (rapidjson::SizeType i = 0; i < doc.MemberCount(); ++i) {
        auto& m = doc.MemberBegin()[i];
        if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == "deprecated") {
            current = &m.value;
        }
    }
    const bool has = current != nullptr;
    if (message.empty()) {
        if (!has) {
            return std::nullopt;
        }
        while (doc.RemoveMember("deprecated")) {
        }
    } else {
        if (has && current->IsString() &&
            std::string_view(current->GetString(), current->GetStringLength()) == message) {
            return std::nullopt;
        }
        rapidjson::Value v(message.data(), static_cast<rapidjson::SizeType>(message.size()),
                           doc.GetAllocator());
        if (has) {
            *current = v;
        } else {
            doc.AddMember("deprecated", v, doc.GetAllocator());
        }
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    doc.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

outcome deprecate(request_context& ctx, const snapshot& t, const store::project& proj,
                  const npm::publish_request& req, std::string_view package_name) {
    if (!at_least(project_role(ctx, t, proj), store::access_level::maintainer)) {
        return forbidden(); // destroy_package
    }
    if (req.versions_missing) {
        return bad_params("versions is missing");
    }
    if (req.versions_invalid) {
        return bad_params("versions is invalid");
    }
    if (req.deprecations.empty()) {
        return npm::missing_attribute("package versions to deprecate");
    }
    // GitLab applies the first listed message to every listed version.
    const std::string& message = req.deprecations.front().second;
    std::vector<store::npm_deprecation> changes;
    for (const auto& [version, unused] : req.deprecations) {
        for (const auto& p : store::npm_packages_of_version(t, proj.id, package_name, version)) {
            const auto before = store::npm_metadata_of(t, p.id).value_or("{}");
            if (auto after = with_deprecation(before, message)) {
                changes.push_back({p.id, before, std::move(*after), !message.empty()});
            }
        }
    }
    return then_render(
        [changes = std::move(changes), now = now_ms()](store::write_txn& w) -> std::error_code {
            auto n = store::deprecate_npm_packages(w, changes, now);
            return n ? std::error_code{} : n.error();
        },
        [](const snapshot&, std::error_code ec) {
            return ec ? store_failure("npm deprecate", ec) : json_response(200, "null");
        });
}

} // namespace

outcome npm_publish(request_context& ctx, const snapshot& t) {
    auto name = npm_package_name(ctx);
    if (auto* err = std::get_if<response>(&name)) {
        return std::move(*err);
    }
    auto target = npm_project(ctx, t, std::get<std::string>(name), false);
    if (auto* err = std::get_if<response>(&target)) {
        return std::move(*err);
    }
    const auto& proj = std::get<npm_target>(target).project;
    const auto* body = ctx.upload ? ctx.upload->npm() : nullptr;
    if (body == nullptr || !body->has_request()) {
        return npm::error(400, "Invalid json");
    }
    const auto& req = body->request();
    if (iequals(ctx.req.header("Npm-Command"), "deprecate")) {
        return deprecate(ctx, t, proj, req, std::get<std::string>(name));
    }
    const auto role = project_role(ctx, t, proj);
    if (!proj.packages_enabled || !at_least(role, store::access_level::developer)) {
        return forbidden(); // authorize_create_package!
    }
    if (req.versions_missing) {
        return bad_params("versions is missing");
    }
    if (req.versions_invalid) {
        return bad_params("versions is invalid");
    }
    // Packages::Npm::CreatePackageService, in its order.
    if (store::trim_ows(req.version).empty()) {
        return service_error(400, "Version is empty.");
    }
    const bool has_data =
        req.attachment_streamed ? ctx.upload->bytes().size() > 0 : !req.inline_attachment.empty();
    if (!has_data) {
        return service_error(400, "Attachment data is empty.");
    }
    if (req.name.size() <= max_name && req.version.size() <= max_name &&
        store::find_package_by_version(t, proj.id, store::package_type::npm, req.name,
                                       req.version)) {
        return service_error(403, "Package already exists.");
    }
    // (No package protection rules in packyard; the size limit was applied while streaming.)
    std::vector<std::string> invalid;
    if (req.name.size() > max_name) {
        invalid.emplace_back("Name is too long (maximum is 255 characters)");
    } else if (!npm::valid_name(req.name)) {
        invalid.emplace_back("Name should be a valid NPM package name: "
                             "https://github.com/npm/validate-npm-package-name#naming-rules.");
    }
    if (req.version.size() > max_name) {
        invalid.emplace_back("Version is too long (maximum is 255 characters)");
    } else if (!npm::valid_semver(req.version)) {
        invalid.emplace_back("Version should follow SemVer: https://semver.org");
    }
    if (invalid.empty() && exists_elsewhere_in_root(t, proj, req.name, req.version)) {
        invalid.emplace_back("Package already exists");
    }
    if (invalid.empty()) {
        if (!req.package_json_schema_ok) {
            invalid.emplace_back("Package json must be a valid json schema");
        }
        if (req.package_json_inspect_size >= max_package_json) {
            invalid.emplace_back("Package json structure is too large. Maximum size is 20000 "
                                 "characters");
        }
    }
    // Beyond GitLab, which stores the client's shasum unchecked: the bytes must be the ones
    // the client hashed (a truncated or altered body is refused, not served).
    const auto& digest = ctx.upload->digest();
    if (invalid.empty() && req.shasum && *req.shasum != digest.sha1) {
        invalid.emplace_back("Package file shasum does not match the tarball");
    }
    if (invalid.empty() && req.integrity && req.integrity->starts_with("sha512-") &&
        *req.integrity != body->integrity()) {
        invalid.emplace_back("Package file integrity does not match the tarball");
    }
    if (!invalid.empty()) {
        std::string text = "Validation failed: ";
        for (std::size_t i = 0; i < invalid.size(); ++i) {
            text += (i == 0 ? "" : ", ") + invalid[i];
        }
        return service_error(400, text);
    }
    store::npm_publish_record rec;
    auto& u = rec.upload;
    u.project_id = proj.id;
    u.type = store::package_type::npm;
    u.name = req.name;
    u.version = req.version;
    u.file_name = req.name + "-" + req.version + ".tgz";
    // The tarball was checked before this request answers (GitLab does it in a background job,
    // with the package in status processing meanwhile).
    const auto& manifest_error = body->manifest_error();
    u.status =
        manifest_error.empty() ? store::package_status::default_ : store::package_status::error;
    u.status_message = manifest_error;
    u.creator_id = ctx.who.user_id();
    u.pipeline_id =
        ctx.who.kind == auth_kind::job_token && ctx.who.token ? ctx.who.token->pipeline_id : 0;
    u.now = now_ms();
    u.digest = digest;
    rec.package_json = req.package_json;
    rec.tag = req.dist_tag;
    auto created = std::make_shared<store::package>();
    store::blob_store& blobs = *ctx.svc.blobs;
    store::blob_upload& bytes = ctx.upload->bytes(); // lives in ctx until the response is sent
    return then_store_upload(
        [rec = std::move(rec), created, &blobs, &bytes](store::write_txn& w) -> std::error_code {
            auto p = store::record_npm_publish(w, blobs, bytes, rec);
            if (!p) {
                return p.error();
            }
            *created = std::move(*p);
            return {};
        },
        [created, manifest_error](const snapshot&, std::error_code ec) {
            if (ec == store::errc::conflict) {
                return service_error(403, "Package already exists."); // a concurrent publish
            }
            if (ec) {
                return store_failure("npm publish", ec);
            }
            response r = json_response(200, package_record(*created));
            if (!manifest_error.empty()) {
                // npm prints an npm-notice header of a PUT's answer: say why the package is
                // unusable although the publish succeeded (GitLab says it nowhere).
                r.set_header("npm-notice", "package is in status error: " + manifest_error);
            }
            return r;
        });
}

} // namespace packyard::routing::handlers
