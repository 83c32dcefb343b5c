#pragma once

// Every LMDB database of the store: its name, its handle, its key order and what its keys and
// values hold. env.cpp opens what this table lists; docs/store-schema.md describes the same
// layouts for people, and tests/unit/store/schema_test.cpp fails when the two differ.

#include <cstdint>
#include <lmdb.h>
#include <string_view>

namespace packyard::store {

/// Version of the on-disk layout; an older binary refuses a folder with a newer one.
inline constexpr std::uint32_t schema_version = 8;

/// Handles of every database, opened once at startup (mdb_dbi_open must not race).
struct dbis {
    MDB_dbi meta{};
    MDB_dbi users{};
    MDB_dbi users_by_username{};
    MDB_dbi users_by_email{};
    MDB_dbi tokens{};
    MDB_dbi tokens_by_id{};
    MDB_dbi namespaces{};
    MDB_dbi namespaces_by_path{};
    MDB_dbi namespace_children{};
    MDB_dbi projects{};
    MDB_dbi projects_by_path{};
    MDB_dbi projects_by_namespace{};
    MDB_dbi members{};
    MDB_dbi memberships{};
    MDB_dbi packages{};
    MDB_dbi package_order{};
    MDB_dbi package_versions{};
    MDB_dbi package_counts{};
    MDB_dbi package_classes{};
    MDB_dbi package_names{};
    MDB_dbi package_files{};
    MDB_dbi files_by_package{};
    MDB_dbi blob_refs{};
    MDB_dbi cleanup{};
    MDB_dbi pipelines{};
    MDB_dbi pipelines_by_project{};
    MDB_dbi pipelines_by_sha{};
    MDB_dbi build_infos{};
    MDB_dbi build_infos_by_pipeline{};
    MDB_dbi file_build_infos{};
    MDB_dbi npm_names{};
    MDB_dbi npm_metadata{};
    MDB_dbi package_tags{};
    MDB_dbi tags_by_package{};
    MDB_dbi pypi_metadata{};
    MDB_dbi pypi_names{};
    MDB_dbi pypi_files{};
    MDB_dbi pypi_core_metadata{};
    MDB_dbi pypi_pages{};
    MDB_dbi web_sessions{};
    MDB_dbi maven_paths{};
};

/// One layout of a database, in the words of docs/store-schema.md's table (a test holds the
/// two equal). id_keys: keys made of big-endian u64 ids, ordered by the id comparator.
struct layout {
    std::string_view name;
    MDB_dbi dbis::*handle;
    bool id_keys;
    std::string_view key;
    std::string_view value;
};

/// THE schema: every database packyard opens, and what its keys and values hold. A database
/// with two kinds of entries (package_names) has two rows.
inline constexpr layout schema[] = {
    {"meta", &dbis::meta, false, "`schema_version`, `seq/<kind>`, `blob_bytes`",
     "u32 version; u64 last id of a per-kind sequence; u64 bytes of every blob"},
    {"users", &dbis::users, true, "user id", "user"},
    {"users_by_username", &dbis::users_by_username, false, "lower-case name", "user id"},
    {"users_by_email", &dbis::users_by_email, false, "lower-case name", "user id"},
    {"tokens", &dbis::tokens, false, "SHA-256 of the secret (32 bytes)",
     "token (personal or job; scopes, expiry, revoked, pipeline)"},
    {"tokens_by_id", &dbis::tokens_by_id, true, "token id", "SHA-256"},
    {"namespaces", &dbis::namespaces, true, "namespace id",
     "group or user namespace (path, full path, parent, visibility)"},
    {"namespaces_by_path", &dbis::namespaces_by_path, false, "lower-case full path",
     "namespace id"},
    {"namespace_children", &dbis::namespace_children, true, "parent id · child id", "—"},
    {"projects", &dbis::projects, true, "project id", "project"},
    {"projects_by_path", &dbis::projects_by_path, false, "lower-case full path", "project id"},
    {"projects_by_namespace", &dbis::projects_by_namespace, true, "namespace id · project id", "—"},
    {"members", &dbis::members, false, "kind · source id · user id",
     "member (access level, expiry)"},
    {"memberships", &dbis::memberships, false, "user id · kind · source id", "access level"},
    {"packages", &dbis::packages, true, "package id", "package"},
    {"package_order", &dbis::package_order, false,
     "scope · scope id · order · sort key · package id", "summary"},
    {"package_order", &dbis::package_order, false,
     "scope · scope id · 0x10+order · visibility · type · status · has version · sort key · "
     "package id",
     "summary"},
    {"package_order", &dbis::package_order, false,
     "scope · scope id · 0x20 · version\\0 · created_at · package id", "summary"},
    {"package_versions", &dbis::package_versions, false,
     "project id · type · name\\0 · version\\0 · package id", "status"},
    {"package_counts", &dbis::package_counts, false, "scope · scope id · visibility", "u64"},
    {"package_classes", &dbis::package_classes, false, "scope · scope id", "u64 generation"},
    {"package_classes", &dbis::package_classes, false,
     "scope · scope id · visibility · type · status · has version", "u64 packages"},
    {"package_names", &dbis::package_names, false, "project id · trigram (3 bytes) · name\\0",
     "u64 Bloom signature of the name's trigrams (the all-names gram `000000` adds u64 "
     "packages using the name)"},
    {"package_names", &dbis::package_names, false, "project id · trigram",
     "u64 names holding the trigram"},
    {"package_files", &dbis::package_files, true, "file id", "package file"},
    {"files_by_package", &dbis::files_by_package, true, "package id · file id", "—"},
    {"blob_refs", &dbis::blob_refs, false, "SHA-256 hex", "u64 references"},
    {"cleanup", &dbis::cleanup, false, "kind (1 file, 2 package) · id", "—"},
    {"pipelines", &dbis::pipelines, true, "pipeline id", "pipeline"},
    {"pipelines_by_project", &dbis::pipelines_by_project, true, "project id · pipeline id", "—"},
    {"pipelines_by_sha", &dbis::pipelines_by_sha, false, "project id · sha", "pipeline id"},
    {"build_infos", &dbis::build_infos, true, "package id · build info id",
     "pipeline id (0 once the pipeline is deleted)"},
    {"build_infos_by_pipeline", &dbis::build_infos_by_pipeline, true,
     "pipeline id · package id · build info id", "—"},
    {"file_build_infos", &dbis::file_build_infos, true, "file id · pipeline id", "—"},
    {"npm_names", &dbis::npm_names, false, "name\\0 · project id",
     "packument generation · last installable package id"},
    {"npm_metadata", &dbis::npm_metadata, true, "package id", "stored package.json (JSON text)"},
    {"package_tags", &dbis::package_tags, false, "project id · type · name\\0 · tag\\0",
     "package id"},
    {"tags_by_package", &dbis::tags_by_package, false, "package id · tag\\0",
     "tag (id, package, project, name, created, updated)"},
    {"pypi_metadata", &dbis::pypi_metadata, true, "package id",
     "metadata (required_python, metadata_version, author_email, description, "
     "description_content_type, summary, keywords)"},
    {"pypi_names", &dbis::pypi_names, false, "project id · normalized name\\0 · package id", "—"},
    {"pypi_files", &dbis::pypi_files, false, "project id · SHA-256 hex\\0 · file id", "—"},
    {"pypi_core_metadata", &dbis::pypi_core_metadata, true, "file id",
     "a wheel's .dist-info/METADATA"},
    {"pypi_pages", &dbis::pypi_pages, false, "project id · normalized name\\0 (empty: the index)",
     "u64 page generation"},
    {"web_sessions", &dbis::web_sessions, false, "SHA-256 of the session's secret (32 bytes)",
     "session (token id, user id, created, expires, CSRF secret)"},
    {"maven_paths", &dbis::maven_paths, false, "Maven path\\0 · package id", "—"},
};

/// Member source kinds (key byte in members/memberships).
enum class member_source : std::uint8_t { group = 1, project = 2 };

} // namespace packyard::store
