#include "routing/handlers/common.hpp"

#include "store/error.hpp"
#include "store/log.hpp"
#include "store/package_records.hpp"

#include <boost/url/pct_string_view.hpp>

namespace packyard::routing::handlers {

response store_failure(std::string_view what, const std::error_code& ec) {
    if (ec == store::errc::too_long) {
        // Validation keeps every field within GitLab's limits; what still cannot be a key
        // (a deep group's full path, a long name with a long version) is the client's to fix.
        return bad_request("a name, path or version is too long");
    }
    log::error(what, ec);
    return store::out_of_space(ec) ? insufficient_storage() : internal_error();
}

response field_error(std::string_view field, std::string_view text) {
    json_writer w;
    w.begin_object()
        .key("message")
        .begin_object()
        .key(field)
        .begin_array()
        .str(text)
        .end_array()
        .end_object()
        .end_object();
    return json_response(400, w.take());
}

std::size_t char_count(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0; // skip continuation bytes
    }
    return n;
}

std::optional<std::pair<std::string_view, std::string>>
too_long(std::initializer_list<length_rule> fields) {
    for (const auto& f : fields) {
        if (char_count(f.value) > f.max) {
            return std::pair{f.field,
                             "is too long (maximum is " + std::to_string(f.max) + " characters)"};
        }
    }
    return std::nullopt;
}

bool valid_path(std::string_view s) {
    if (s.empty() || s.size() > 255 || s.front() == '-' || s.front() == '.' || s.back() == '.' ||
        s.ends_with(".git") || s.ends_with(".atom")) {
        return false;
    }
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> pct_decode(std::string_view raw) {
    auto pct = boost::urls::make_pct_string_view(raw);
    if (!pct) {
        return std::nullopt;
    }
    return pct->decode();
}

/// Grape's file_path validator (lib/api/validations/validators/file_path.rb and
/// Gitlab::PathTraversal): no traversal, no absolute path, no double encoding.
bool valid_file_path(std::string_view decoded) {
    auto again = pct_decode(decoded);
    if (!again || *again != decoded) {
        return false; // decoding twice changed it: double-encoded
    }
    const std::string_view s = decoded;
    if (s == "." || s == ".." || s.starts_with("../") || s.starts_with("..\\") ||
        s.ends_with("/..") || s.ends_with("\\..") || s.find("/../") != std::string_view::npos ||
        s.find("\\..\\") != std::string_view::npos || s.find("/..\\") != std::string_view::npos ||
        s.find("\\../") != std::string_view::npos || s.find('\n') != std::string_view::npos ||
        s.starts_with("/")) {
        return false;
    }
    return true;
}

void write_raw_file_record(json_writer& w, const store::package_file& f) {
    w.begin_object();
    w.field_u("id", f.id).field_u("package_id", f.package_id);
    w.key("created_at").time(f.created_at).key("updated_at").time(f.updated_at);
    w.field_u("size", f.size).field_i("file_store", 1);
    w.field("file_md5", f.md5).field("file_sha1", f.sha1).field("file_name", f.file_name);
    w.key("file").begin_object().field("url", "/" + f.sha256).end_object();
    w.field("file_sha256", f.sha256);
    w.field_null("verification_retry_at").field_null("verified_at");
    w.field_null("verification_failure").field_null("verification_retry_count");
    w.field_null("verification_checksum").field_i("verification_state", 0);
    w.field_null("verification_started_at").field_null("new_file_path");
    w.field("status", "default").field_u("project_id", f.project_id);
    w.end_object();
}

} // namespace packyard::routing::handlers
