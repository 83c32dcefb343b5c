#pragma once

// Every LMDB database of the store: its name and what its keys and values hold. The same layout
// is described for people in docs/store-schema.md; keep the two in step.

#include <cstdint>

#include <lmdb.h>

namespace packyard::store {

/// Version of the on-disk layout; an older binary refuses a folder with a newer one.
inline constexpr std::uint32_t schema_version = 1;

/// Handles of every database, opened once at startup (mdb_dbi_open must not race).
struct dbis {
    MDB_dbi meta{};                  ///< "schema_version" / "seq/<kind>" -> u64 (LE)
    MDB_dbi users{};                 ///< user_id(u64) -> user
    MDB_dbi users_by_username{};     ///< lower(username) -> user_id
    MDB_dbi users_by_email{};        ///< lower(email) -> user_id
    MDB_dbi tokens{};                ///< sha256(token)[32] -> token
    MDB_dbi tokens_by_id{};          ///< token_id(u64) -> sha256(token)[32]
    MDB_dbi namespaces{};            ///< namespace_id(u64) -> namespace (group or user namespace)
    MDB_dbi namespaces_by_path{};    ///< lower(full_path) -> namespace_id
    MDB_dbi namespace_children{};    ///< parent_id(u64) | child_id(u64) -> ""
    MDB_dbi projects{};              ///< project_id(u64) -> project
    MDB_dbi projects_by_path{};      ///< lower(full_path) -> project_id
    MDB_dbi projects_by_namespace{}; ///< namespace_id(u64) | project_id(u64) -> ""
    MDB_dbi members{};               ///< kind(u8) | source_id(u64) | user_id(u64) -> member
    MDB_dbi memberships{};           ///< user_id(u64) | kind(u8) | source_id(u64) -> access(u8)
};

/// Member source kinds (key byte in members/memberships).
enum class member_source : std::uint8_t { group = 1, project = 2 };

} // namespace packyard::store
