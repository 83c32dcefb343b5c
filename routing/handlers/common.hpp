#pragma once

// Small helpers every handler file uses.

#include "routing/context.hpp"
#include "routing/entities.hpp"
#include "routing/gitlab_errors.hpp"
#include "routing/json.hpp"
#include "routing/params.hpp"

#include <string>
#include <system_error>

namespace packyard::routing::handlers {

/// A JSON response with the given status.
inline response json_response(unsigned status, std::string body) {
    response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

/// The writer hop failed for a reason the client cannot fix: log it, answer 500 (507 when the
/// disk or the map is full, store::out_of_space).
response store_failure(std::string_view what, const std::error_code& ec);

/// 400 {"message":{"<field>":["<text>"]}}: GitLab's model-validation shape.
response field_error(std::string_view field, std::string_view text);

/// Characters (UTF-8 code points) in s, as Rails' length validation counts them.
std::size_t char_count(std::string_view s) noexcept;

/// The first of fields (name, value, GitLab's maximum length) longer than its maximum, with
/// Rails' message for it ("is too long (maximum is 255 characters)").
struct length_rule {
    std::string_view field;
    std::string_view value;
    std::size_t max;
};
std::optional<std::pair<std::string_view, std::string>>
too_long(std::initializer_list<length_rule> fields);

/// GitLab's namespace/project path rule: letters, digits, '_', '-', '.'; not starting with
/// '-' or '.', not ending with '.', '.git' or '.atom'; at most 255 bytes.
bool valid_path(std::string_view s);

/// Percent-decodes one path segment; none when the encoding is malformed.
std::optional<std::string> pct_decode(std::string_view raw);

/// Grape's file_path validator (lib/api/validations/validators/file_path.rb and
/// Gitlab::PathTraversal) on a decoded path: no traversal, no absolute path, no double encoding.
bool valid_file_path(std::string_view decoded);

/// A package file as Rails renders the record itself (what generic's select=package_file and a
/// Maven upload answer).
void write_raw_file_record(json_writer& w, const store::package_file& f);

using store::parse_date;

/// url_base for entities.
inline std::string base_of(const request_context& ctx) {
    return ctx.base_url();
}

} // namespace packyard::routing::handlers
