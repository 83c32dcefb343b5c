#pragma once

// Maven's records. GitLab keeps a packages_maven_metadata row per package (path, app_group,
// app_name, app_version); every one of those is a function of the package's name and version
// (path = name for the versionless package, name/version otherwise), so packyard stores none
// of them and keeps only the index GitLab's finders search: packages by Maven path, across
// every project, since the instance and group routes ask "does any package have this path"
// before anything else (lib/api/maven_packages.rb: path_exists?). The index holds every row
// until the cleanup deletes it; readers check the package status.

#include "store/package_records.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace packyard::store {

/// The longest Maven path the index takes (an LMDB key holds 511 bytes: the path, its
/// terminator and the package id).
inline constexpr std::size_t maven_path_max = 500;

/// A Maven package's path (GitLab's Packages::Maven::Metadatum#path): its name, and
/// "/<version>" when it has one.
std::string maven_path(const package& p);

/// Every package with this path, in every project and status, oldest first.
std::vector<package> maven_packages_at(const txn& t, std::string_view path);
/// Whether any package of any project has this path (GitLab's path_exists?).
bool maven_path_exists(const txn& t, std::string_view path);

/// A project's Maven packages of this name that have a version and can be installed, oldest
/// first: what the versionless maven-metadata.xml of that name lists.
std::vector<package> maven_versions(const txn& t, std::uint64_t project_id, std::string_view name);

/// Adds a package to the path index (again is harmless).
std::error_code index_maven_package(write_txn& t, const package& p);
/// Removes a package's entry (its row is being deleted).
std::error_code drop_maven_package(write_txn& t, const package& p);

/// maven_paths as the package rows imply it: one entry per Maven package.
void expected_maven_paths(const txn& t, const entry_sink& sink);

} // namespace packyard::store
