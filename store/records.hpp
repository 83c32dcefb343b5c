#pragma once

// The rows the store keeps, as plain structs, with their value encodings. Every encoding starts
// with a format byte so a later schema can read older rows.

#include "store/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace packyard::store {

/// GitLab's visibility levels, with GitLab's numbers.
enum class visibility : std::uint8_t { private_ = 0, internal = 10, public_ = 20 };

/// GitLab's access levels, with GitLab's numbers.
enum class access_level : std::uint8_t {
    none = 0,
    guest = 10,
    reporter = 20,
    developer = 30,
    maintainer = 40,
    owner = 50,
};

std::string_view visibility_name(visibility v) noexcept;
std::optional<visibility> parse_visibility(std::string_view s) noexcept;
/// A valid member access level (10, 20, 30, 40, 50).
std::optional<access_level> access_level_from_int(std::int64_t v) noexcept;

struct user {
    std::uint64_t id = 0;
    std::string username;
    std::string name;
    std::string email;
    bool admin = false;
    std::int64_t created_at = 0; ///< ms since the epoch, UTC
    std::uint64_t namespace_id = 0;
};

/// Token scopes as bits; names are GitLab's.
enum scope_bits : std::uint32_t {
    scope_api = 1U << 0,
    scope_read_api = 1U << 1,
    scope_read_user = 1U << 2,
    scope_read_repository = 1U << 3,
    scope_write_repository = 1U << 4,
    scope_read_registry = 1U << 5,
    scope_write_registry = 1U << 6,
    scope_sudo = 1U << 7,
    scope_admin_mode = 1U << 8,
    scope_create_runner = 1U << 9,
    scope_manage_runner = 1U << 10,
    scope_ai_features = 1U << 11,
    scope_k8s_proxy = 1U << 12,
    scope_read_service_ping = 1U << 13,
    scope_self_rotate = 1U << 14,
};
/// The scope bit named s, or 0 for an unknown name.
std::uint32_t scope_from_name(std::string_view s) noexcept;
/// Visits every scope name whose bit is set, in GitLab's order.
template <class F>
void for_each_scope(std::uint32_t bits, F&& f);

enum class token_kind : std::uint8_t { personal = 1, job = 2 };

struct token {
    std::uint64_t id = 0;
    token_kind kind = token_kind::personal;
    std::uint64_t user_id = 0;
    std::string name;
    std::string description;
    std::uint32_t scopes = 0;
    std::optional<std::string> expires_at; ///< "YYYY-MM-DD" (personal) or ISO time (job)
    std::int64_t expires_at_ms = 0;        ///< 0 = never; first instant the token is invalid
    bool revoked = false;
    std::int64_t created_at = 0;
    std::int64_t last_used_at = 0;
    std::uint64_t project_id = 0;  ///< job tokens: the pipeline's project
    std::uint64_t pipeline_id = 0; ///< job tokens: the pipeline it is bound to
};

enum class namespace_kind : std::uint8_t { group = 1, user = 2 };

struct namespace_row {
    std::uint64_t id = 0;
    namespace_kind kind = namespace_kind::group;
    std::string name;
    std::string path;
    std::string full_path;
    std::string full_name;
    std::string description;
    std::uint64_t parent_id = 0;
    std::uint64_t owner_id = 0; ///< user namespaces: the user
    visibility vis = visibility::private_;
    std::int64_t created_at = 0;
};

struct project {
    std::uint64_t id = 0;
    std::uint64_t namespace_id = 0;
    std::string name;
    std::string path;
    std::string full_path;
    std::string description;
    visibility vis = visibility::private_;
    std::uint64_t creator_id = 0;
    std::int64_t created_at = 0;
    bool packages_enabled = true;
};

struct member {
    std::uint64_t user_id = 0;
    access_level access = access_level::none;
    std::int64_t created_at = 0;
    std::uint64_t created_by = 0;
    std::optional<std::string> expires_at; ///< "YYYY-MM-DD"
};

std::string encode(const user& v);
std::string encode(const token& v);
std::string encode(const namespace_row& v);
std::string encode(const project& v);
std::string encode(const member& v);
bool decode(std::string_view data, user& out);
bool decode(std::string_view data, token& out);
bool decode(std::string_view data, namespace_row& out);
bool decode(std::string_view data, project& out);
bool decode(std::string_view data, member& out);

/// Decodes a stored value into out; one that does not decode means a damaged data folder,
/// which throws store::failure (errc::corrupted) instead of passing for a missing row.
template <class Row>
void decode_or_fail(std::string_view data, Row& out) {
    if (!decode(data, out)) {
        fail(make_error_code(errc::corrupted), "stored value does not decode");
    }
}

inline constexpr std::string_view scope_names[] = {
    "api",           "read_api",       "read_user", "read_repository",   "write_repository",
    "read_registry", "write_registry", "sudo",      "admin_mode",        "create_runner",
    "manage_runner", "ai_features",    "k8s_proxy", "read_service_ping", "self_rotate",
};

template <class F>
void for_each_scope(std::uint32_t bits, F&& f) {
    for (std::size_t i = 0; i < std::size(scope_names); ++i) {
        if ((bits & (1U << i)) != 0) {
            f(scope_names[i]);
        }
    }
}

} // namespace packyard::store
