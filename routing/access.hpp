#pragma once

// Who may see and do what: visibility, inherited membership, admin. Lookups answer with GitLab's
// own 404/403 bodies so that routing::app and handlers can return them as they are. Every
// function reads the snapshot it is given.

#include "routing/context.hpp"
#include "store/records.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <variant>
#include <vector>

namespace packyard::routing {

/// The caller's effective level in a project (admins count as owners).
store::access_level project_role(const request_context& ctx, const store::txn& t,
                                 const store::project& p);
/// The caller's effective level in a group (admins count as owners).
store::access_level group_role(const request_context& ctx, const store::txn& t,
                               const store::namespace_row& g);

bool can_read_project(const request_context& ctx, const store::txn& t, const store::project& p);
bool can_read_group(const request_context& ctx, const store::txn& t, const store::namespace_row& g);
/// Visibility alone: public to all, internal to the signed-in.
bool visible_without_membership(const principal& who, store::visibility v);

/// Resolves :id (a number or a URL-encoded full path) to a readable project, or GitLab's
/// 404 "Project Not Found" / job-token 403.
std::variant<store::project, response> find_readable_project(const request_context& ctx,
                                                             const store::txn& t);
/// Resolves :id to a readable group, or 404 "Group Not Found".
std::variant<store::namespace_row, response> find_readable_group(const request_context& ctx,
                                                                 const store::txn& t);

/// GitLab's read_package: public (or internal, signed in) projects, else members at the
/// configured least role (Guest by default).
bool can_read_packages(const request_context& ctx, const store::txn& t, const store::project& p);

/// The projects of a group's subtree (or of the group alone) whose packages the caller may
/// see, GitLab's Packages::ProjectsFinder, with per-visibility tallies for the counters.
struct package_audience {
    std::uint64_t generation = 0;
    std::vector<std::uint64_t> allowed; ///< sorted
    std::size_t seen[3] = {0, 0, 0};    ///< projects per level: private, internal, public
    std::size_t taken[3] = {0, 0, 0};   ///< of those, allowed
    std::size_t total_projects = 0;
};
/// The audience, remembered per I/O thread until identity data changes (the environment's
/// identity generation, bumped by the commits that change users, groups, projects or members):
/// a group of 1,000 projects costs 1,000 row reads, which would dominate every group list.
const package_audience& group_package_audience(const request_context& ctx, const store::txn& t,
                                               const store::namespace_row& g,
                                               bool exclude_subgroups);

inline bool at_least(store::access_level have, store::access_level need) noexcept {
    return static_cast<std::uint8_t>(have) >= static_cast<std::uint8_t>(need);
}

} // namespace packyard::routing
