#pragma once

// Who may see and do what: visibility, inherited membership, admin. Lookups answer with GitLab's
// own 404/403 bodies so handlers can return them as they are.

#include "routing/context.hpp"
#include "store/records.hpp"

#include <variant>

namespace packyard::routing {

/// The caller's effective level in a project (admins count as owners).
store::access_level project_role(request_context& ctx, const store::project& p);
/// The caller's effective level in a group (admins count as owners).
store::access_level group_role(request_context& ctx, const store::namespace_row& g);

bool can_read_project(request_context& ctx, const store::project& p);
bool can_read_group(request_context& ctx, const store::namespace_row& g);
/// Visibility alone: public to all, internal to the signed-in.
bool visible_without_membership(const principal& who, store::visibility v);

/// Resolves :id (a number or a URL-encoded full path) to a readable project, or GitLab's
/// 404 "Project Not Found" / job-token 403.
std::variant<store::project, response> find_readable_project(request_context& ctx,
                                                             std::string_view param = "id");
/// Resolves :id to a readable group, or 404 "Group Not Found".
std::variant<store::namespace_row, response> find_readable_group(request_context& ctx,
                                                                 std::string_view param = "id");

/// GitLab's read_package: public (or internal, signed in) projects, else members at the
/// configured least role (Guest by default).
bool can_read_packages(request_context& ctx, const store::project& p);

inline bool at_least(store::access_level have, store::access_level need) noexcept {
    return static_cast<std::uint8_t>(have) >= static_cast<std::uint8_t>(need);
}

} // namespace packyard::routing
