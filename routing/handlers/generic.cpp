// GitLab's generic packages: PUT (streamed by the server into a blob upload) and GET.

#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/pagination.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"
#include "store/pipelines.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>

namespace packyard::routing::handlers {
namespace {

struct generic_target {
    std::string name;
    std::string version;
    std::string path;      ///< decoded, may be empty
    std::string file_name; ///< decoded
    /// As stored and looked up: file_name, or encodeURIComponent(path + "/" + file_name).
    std::string stored_name() const {
        if (path.empty()) {
            return file_name;
        }
        // JavaScript's encodeURIComponent (Ruby's URI.encode_uri_component), as GitLab stores a
        // file uploaded under a path.
        static constexpr boost::urls::grammar::lut_chars uri_component(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()");
        return boost::urls::encode(path + "/" + file_name, uri_component);
    }
};

/// varchar(255): packages_packages.name and version, packages_package_files.file_name.
constexpr std::size_t max_column = 255;

bool name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '+';
}

/// generic_package_name_regex: \A[A-Za-z0-9\.\_\-\+]+\z
bool valid_package_name(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), name_char);
}

/// generic_package_version_regex: \A(?!.*\.\.)[\w+.-]+\z
bool valid_version(std::string_view s) {
    return !s.empty() && s.find("..") == std::string_view::npos &&
           std::all_of(s.begin(), s.end(), name_char);
}

/// The newest file-name rule: name characters, plus '~' and '@' anywhere but first or last.
bool valid_file_name(std::string_view s) {
    if (s.empty() || !name_char(s.front()) || !name_char(s.back())) {
        return false;
    }
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return name_char(c) || c == '~' || c == '@'; });
}

/// Splits the route's :rest* into version, path and file name and validates all of them,
/// in Grape's declaration order.
std::variant<generic_target, response> parse_target(request_context& ctx) {
    validation v;
    generic_target t;
    auto name = pct_decode(ctx.raw_path_param("package_name"));
    std::vector<std::string> parts;
    std::string_view rest = ctx.raw_path_param("rest");
    bool decoded_ok = name.has_value();
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        auto seg = pct_decode(rest.substr(0, slash));
        decoded_ok = decoded_ok && seg.has_value();
        parts.push_back(seg.value_or(""));
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    }
    if (!decoded_ok || parts.size() < 2) {
        return error_response(404, "404 Not Found");
    }
    t.name = *name;
    t.version = parts.front();
    t.file_name = parts.back();
    for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
        if (!t.path.empty()) {
            t.path += '/';
        }
        t.path += parts[i];
    }
    if (const auto* p = ctx.params.find("path");
        t.path.empty() && p != nullptr && p->kind == param_value::shape::scalar) {
        t.path = p->text;
    }
    if (!valid_package_name(t.name)) {
        v.add("package_name is invalid");
    }
    if (!valid_file_path(t.name)) {
        v.add("package_name should be a valid file path");
    }
    if (!valid_version(t.version)) {
        v.add("package_version is invalid");
    }
    if (!t.path.empty() && !valid_file_path(t.path)) {
        v.add("path should be a valid file path");
    }
    if (!valid_file_name(t.file_name)) {
        v.add("file_name is invalid");
    }
    if (!valid_file_path(t.file_name)) {
        v.add("file_name should be a valid file path");
    }
    // GitLab's columns are varchar(255): longer values fail in PostgreSQL there (a 500), so
    // they are refused here as parameters, in Grape's words for a length limit.
    if (t.name.size() > max_column) {
        v.add("package_name is expected to have length less than or equal to 255");
    }
    if (t.version.size() > max_column) {
        v.add("package_version is expected to have length less than or equal to 255");
    }
    if (t.stored_name().size() > max_column) {
        v.add("file_name is expected to have length less than or equal to 255");
    }
    if (!v.ok()) {
        return bad_params(v.message());
    }
    return t;
}

} // namespace

std::optional<response> generic_upload_check(request_context& ctx) {
    // After the route's needs (signed in, the project, upload): GitLab's parameter checks,
    // from the header alone, before the body is read.
    auto target = parse_target(ctx);
    if (auto* err = std::get_if<response>(&target)) {
        return std::move(*err);
    }
    validation v;
    (void)enum_param(ctx.params, "status", {"default", "hidden"}, v);
    (void)enum_param(ctx.params, "select", {"package_file"}, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    return std::nullopt;
}

outcome generic_upload(request_context& ctx, const snapshot&) {
    // Route needs: signed in, the project, upload; checked again here against this snapshot.
    const auto& proj = *ctx.subject.project;
    if (auto refused = generic_upload_check(ctx)) {
        return std::move(*refused);
    }
    if (!ctx.upload || !ctx.upload->finished()) {
        return bad_params("file is missing");
    }
    const auto target = std::get<generic_target>(parse_target(ctx));
    validation v;
    const auto status = enum_param(ctx.params, "status", {"default", "hidden"}, v);
    const bool select = enum_param(ctx.params, "select", {"package_file"}, v).has_value();
    store::upload_record rec;
    rec.project_id = proj.id;
    rec.name = target.name;
    rec.version = target.version;
    rec.file_name = target.stored_name();
    if (status) {
        rec.status = store::parse_package_status(*status);
    }
    rec.creator_id = ctx.who.user_id();
    rec.pipeline_id =
        ctx.who.kind == auth_kind::job_token && ctx.who.token ? ctx.who.token->pipeline_id : 0;
    rec.now = now_ms();
    rec.digest = ctx.upload->digest();
    auto file = std::make_shared<store::package_file>();
    store::blob_store& blobs = *ctx.svc.blobs;
    store::blob_upload& bytes = ctx.upload->bytes(); // lives in ctx until the response is sent
    return then_store_upload(
        [rec = std::move(rec), file, &blobs, &bytes](store::write_txn& w) -> std::error_code {
            auto recorded = store::record_upload(w, blobs, bytes, rec);
            if (!recorded) {
                return recorded.error();
            }
            *file = std::move(*recorded);
            return {};
        },
        [file, select](const snapshot&, std::error_code ec) {
            if (ec) {
                return store_failure("generic upload", ec);
            }
            if (select) {
                json_writer w;
                write_raw_file_record(w, *file);
                return json_response(200, w.take());
            }
            return message_response(201, "201 Created");
        });
}

outcome generic_download(request_context& ctx, const snapshot& t) {
    // Route needs: the project (a miss answers as generic downloads do), read_packages.
    const auto& proj = *ctx.subject.project;
    auto target = parse_target(ctx);
    if (auto* err = std::get_if<response>(&target)) {
        return std::move(*err);
    }
    const auto& tg = std::get<generic_target>(target);
    auto pkg = store::find_package_by_version(t, proj.id, store::package_type::generic, tg.name,
                                              tg.version);
    if (!pkg || !store::installable(pkg->status)) {
        return message_response(404, "404 Not found");
    }
    const std::string stored = tg.stored_name();
    const auto newest = store::newest_file_named(t, pkg->id, stored);
    if (!newest) {
        return message_response(404, "404 Not found");
    }
    return send_file(ctx, *pkg, *newest);
}

} // namespace packyard::routing::handlers
