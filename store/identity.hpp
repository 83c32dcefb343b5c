#pragma once

// Users, tokens, namespaces (groups and user namespaces), projects and members: typed reads and
// writes over the databases of schema.hpp. Writes take a write_txn and run on the writer thread.

#include "store/records.hpp"
#include "store/text.hpp" // lower
#include "store/txn.hpp"

#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::store {

/// Every write to users, groups, projects or members calls this: once the transaction commits,
/// environment::identity_generation() moves on and cached permissions are recomputed.
inline void identity_changed(write_txn& t) {
    t.after_commit([&env = t.env()] { env.identity_changed(); });
}

/// The next id of a per-kind sequence ("user", "namespace", ...); ids start at 1.
result<std::uint64_t> next_id(write_txn& t, std::string_view kind);

// ---- users
std::optional<user> find_user(const txn& t, std::uint64_t id);
std::optional<user> find_user_by_username(const txn& t, std::string_view username);
/// Creates the user and its personal namespace; fills u.id and u.namespace_id.
/// errc::conflict (with which = "username" or "email") when taken.
std::error_code create_user(write_txn& t, user& u, std::string* which = nullptr);
/// All users in id order, starting after after_id, at most limit.
std::vector<user> list_users(const txn& t, std::uint64_t after_id, std::size_t limit);
std::uint64_t count_rows(const txn& t, MDB_dbi dbi);

// ---- tokens
std::optional<token> find_token_by_secret(const txn& t, std::string_view secret);
std::optional<token> find_token(const txn& t, std::uint64_t id);
/// Stores a new token under the SHA-256 of secret; fills tok.id.
std::error_code create_token(write_txn& t, token& tok, std::string_view secret);
/// Marks a token revoked; errc::not_found if it does not exist.
std::error_code revoke_token(write_txn& t, std::uint64_t id);
/// Tokens of one user (personal only), id order.
std::vector<token> list_user_tokens(const txn& t, std::uint64_t user_id);

// ---- namespaces
std::optional<namespace_row> find_namespace(const txn& t, std::uint64_t id);
std::optional<namespace_row> find_namespace_by_path(const txn& t, std::string_view full_path);
/// Creates a group under g.parent_id (0 = top level); computes full_path/full_name; fills g.id.
std::error_code create_group(write_txn& t, namespace_row& g);
/// Deletes an empty group (errc::not_empty when it has subgroups or projects).
std::error_code delete_group(write_txn& t, std::uint64_t id);
std::vector<std::uint64_t> child_groups(const txn& t, std::uint64_t parent_id);
/// The group and every group below it, parents before children.
std::vector<std::uint64_t> self_and_descendant_groups(const txn& t, std::uint64_t id);
/// Namespace ids from ns up to the root, ns first.
std::vector<std::uint64_t> namespace_ancestry(const txn& t, std::uint64_t ns_id);
std::vector<namespace_row> list_groups(const txn& t);

// ---- projects
std::optional<project> find_project(const txn& t, std::uint64_t id);
std::optional<project> find_project_by_path(const txn& t, std::string_view full_path);
/// Creates a project in p.namespace_id; computes full_path; fills p.id.
std::error_code create_project(write_txn& t, project& p);
/// Removes the project row, its path index entry and its members.
std::error_code delete_project(write_txn& t, std::uint64_t id);
std::vector<std::uint64_t> projects_in_namespace(const txn& t, std::uint64_t ns_id);
/// Every project, id order, after after_id (for GET /projects).
std::vector<project> list_projects(const txn& t, std::uint64_t after_id, std::size_t limit,
                                   bool descending);

// ---- members
std::optional<member> find_member(const txn& t, member_source kind, std::uint64_t source_id,
                                  std::uint64_t user_id);
/// Adds or replaces a membership (replace = false gives errc::conflict on an existing one).
std::error_code put_member(write_txn& t, member_source kind, std::uint64_t source_id,
                           const member& m, bool replace);
std::error_code remove_member(write_txn& t, member_source kind, std::uint64_t source_id,
                              std::uint64_t user_id);
std::vector<member> list_members(const txn& t, member_source kind, std::uint64_t source_id);
/// The user's memberships: (kind, source id, level).
struct membership {
    member_source kind;
    std::uint64_t source_id;
    access_level access;
};
std::vector<membership> user_memberships(const txn& t, std::uint64_t user_id);

/// Highest level from the group and its ancestors (inherited membership).
access_level group_access(const txn& t, std::uint64_t group_id, std::uint64_t user_id);
/// Highest level from the project's own members, its namespace chain, and personal ownership.
access_level project_access(const txn& t, const project& p, std::uint64_t user_id);
/// True when the user is a member of some group or project below group_id (not of it).
bool has_descendant_membership(const txn& t, std::uint64_t group_id, std::uint64_t user_id);

} // namespace packyard::store
