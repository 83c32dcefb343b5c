#pragma once

// What npm adds to a package: its stored package.json (GitLab's npm_metadata), dist-tags
// (GitLab's packages_tags), and per (project, name) the state a packument is built from. The
// state's generation is taken from a store-wide sequence by every write that changes what the
// packument of that name shows (a publish, a tag, a deprecation, a status change, a delete), in
// the same transaction, so a packument rendered from a snapshot is current exactly as long as
// the generation it read there is (docs/decisions/0011-npm-registry.md).

#include "store/error.hpp"
#include "store/package_records.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::store {

/// A dist-tag: GitLab's packages_tags row.
struct package_tag {
    std::uint64_t id = 0;
    std::uint64_t package_id = 0;
    std::uint64_t project_id = 0;
    std::string name;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

/// Per (project, npm package name).
struct npm_name_state {
    std::uint64_t project_id = 0;
    std::uint64_t generation = 0;       ///< changes with every write the packument can show
    std::uint64_t last_installable = 0; ///< highest installable package id; 0: none
};

// ---- reads

std::optional<npm_name_state> npm_name(const txn& t, std::uint64_t project_id,
                                       std::string_view name);
/// Every project holding packages of that name, in project id order.
std::vector<npm_name_state> npm_projects_with(const txn& t, std::string_view name);

/// The stored package.json of an npm package (GitLab's npm_metadata.package_json).
std::optional<std::string> npm_metadata_of(const txn& t, std::uint64_t package_id);

/// Tags on one package, by name.
std::vector<package_tag> tags_of(const txn& t, std::uint64_t package_id);
/// The package a tag of (project, type, name) points at.
std::optional<std::uint64_t> tagged_package(const txn& t, std::uint64_t project_id,
                                            package_type type, std::string_view name,
                                            std::string_view tag);

/// One version as the packument shows it: the newest installable package of that version
/// and its newest installable file.
struct npm_version {
    package pkg;
    package_file file;
    std::string metadata; ///< stored package.json ("{}" when none)
    std::vector<package_tag> tags;
};
/// Every installable version of (project, name), in the order of package_versions (byte order
/// of the version); empty when none.
std::vector<npm_version> npm_versions_of(const txn& t, std::uint64_t project_id,
                                         std::string_view name);

/// Installable npm packages of (project, name) with this version, oldest first (deprecation
/// applies to each).
std::vector<package> npm_packages_of_version(const txn& t, std::uint64_t project_id,
                                             std::string_view name, std::string_view version);

/// The newest installable npm package of (project, name) holding a file of that name, and that
/// file (GitLab's by_name_and_file_name + the newest installable file).
struct npm_tarball {
    package pkg;
    package_file file;
};
std::optional<npm_tarball> find_npm_tarball(const txn& t, std::uint64_t project_id,
                                            std::string_view name, std::string_view file_name);

// ---- writes

std::error_code put_npm_metadata(write_txn& t, std::uint64_t package_id, std::string_view json);

/// GitLab's Packages::Npm::CreateTagService: the tag of (project, type, name) moves to pkg, or
/// is created on it.
std::error_code set_tag(write_txn& t, const package& pkg, std::string_view tag, std::int64_t now);
/// Removes a tag of (project, type, name); errc::not_found when there is none.
std::error_code delete_tag(write_txn& t, std::uint64_t project_id, package_type type,
                           std::string_view name, std::string_view tag);

/// Called by every write that changes an npm package (row, status, files, tags, metadata):
/// takes a new generation for (project, name) and recomputes its last installable package,
/// or removes the state when no package of that name is left.
std::error_code npm_name_changed(write_txn& t, std::uint64_t project_id, std::string_view name);
/// The same for a write that cannot lower the last installable package (a tag, metadata, a
/// new installable package given as installable_added): a new generation without reading
/// every version of the name, which a publish would otherwise do several times.
std::error_code npm_name_touched(write_txn& t, std::uint64_t project_id, std::string_view name,
                                 std::uint64_t installable_added = 0);

/// Removes what npm keeps about a package whose row is being deleted.
std::error_code drop_npm_package(write_txn& t, const package& p);

// ---- derived entries (store/derived.hpp: the check compares them, its repair writes them)

/// npm_names as the package rows imply it: an entry per (name, project) holding versioned npm
/// packages, with the highest installable one; the generation, which no row implies, as 0.
void expected_npm_names(const txn& t, const entry_sink& sink);
/// The generation's bytes in an npm_names value: the rest is what the rows imply.
std::string_view npm_names_derived_part(std::string_view value) noexcept;
/// Rewrites npm_names from the package rows (npm_name_changed for every name: new generations).
std::error_code rebuild_npm_names(write_txn& t);
/// package_tags as tags_by_package and the package rows imply it.
void expected_package_tags(const txn& t, const entry_sink& sink);

} // namespace packyard::store
