#pragma once

// Every LMDB database of the store: its name and what its keys and values hold. The same layout
// is described for people in docs/store-schema.md; keep the two in step.

#include <cstdint>
#include <lmdb.h>

namespace packyard::store {

/// Version of the on-disk layout; an older binary refuses a folder with a newer one.
inline constexpr std::uint32_t schema_version = 2;

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

    // Packages (docs/store-schema.md has the full key layout and the reasoning).
    MDB_dbi packages{};         ///< package_id -> package
    MDB_dbi package_order{};    ///< scope | scope_id | order | sort key | package_id -> summary
    MDB_dbi package_versions{}; ///< project_id | type | name\0 | version\0 | package_id -> status
    MDB_dbi package_counts{};   ///< scope | scope_id | visibility -> u64 (default-filter count)
    MDB_dbi package_names{};    ///< project_id | gram[3] | name\0 -> "" (u64 refs: all-names gram)
                                ///< project_id | gram[3] -> u64 names holding the gram
    MDB_dbi package_files{};    ///< file_id -> package_file
    MDB_dbi files_by_package{}; ///< package_id | file_id -> ""
    MDB_dbi blob_refs{};        ///< sha256[32] -> u64 reference count
    MDB_dbi cleanup{};          ///< kind(u8) | id -> "" : files/packages awaiting removal
    MDB_dbi pipelines{};        ///< pipeline_id -> pipeline
    MDB_dbi pipelines_by_project{};    ///< project_id | pipeline_id -> ""
    MDB_dbi pipelines_by_sha{};        ///< project_id | sha -> pipeline_id
    MDB_dbi build_infos{};             ///< package_id | build_info_id -> pipeline_id (0: deleted)
    MDB_dbi build_infos_by_pipeline{}; ///< pipeline_id | package_id | build_info_id -> ""
    MDB_dbi file_build_infos{};        ///< file_id | pipeline_id -> ""
};

/// Member source kinds (key byte in members/memberships).
enum class member_source : std::uint8_t { group = 1, project = 2 };

} // namespace packyard::store
