#pragma once

// PyPI's records: each package's metadata (GitLab's packages_pypi_metadata), the index of a
// project's packages by PEP 503 normalized name (what a simple page lists), the index of its
// files by SHA-256 (what the files/:sha256/:file_name route finds), and a wheel's core metadata
// (PEP 658), kept beside the file. The indexes hold every row until the cleanup deletes it;
// readers check the package and file status.

#include "store/package_records.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace packyard::store {

/// GitLab's Packages::Pypi::Metadatum (already truncated to its column lengths).
struct pypi_metadata {
    std::string required_python;
    std::string metadata_version;
    std::string author_email;
    std::string description;
    std::string description_content_type;
    std::string summary;
    std::string keywords;
};

/// PEP 503's normalized name (Packages::Pypi::Package#normalized_pypi_name): runs of '-', '_'
/// and '.' become one '-', then ASCII lower case. The index below is keyed by it.
std::string pypi_normalized_name(std::string_view name);

std::optional<pypi_metadata> pypi_metadata_of(const txn& t, std::uint64_t package_id);
std::error_code put_pypi_metadata(write_txn& t, std::uint64_t package_id, const pypi_metadata& m);

/// The ids of a project's PyPI packages with this normalized name, oldest first.
std::vector<std::uint64_t> pypi_packages_named(const txn& t, std::uint64_t project_id,
                                               std::string_view normalized);
/// Every PyPI package id of a project, by normalized name, then oldest first.
std::vector<std::uint64_t> pypi_packages_of(const txn& t, std::uint64_t project_id);

/// The installable file of a project with this SHA-256 and exact name, and its package (GitLab's
/// by_file_name_and_sha256(...).last!: the newest package that has it).
struct pypi_file {
    package pkg;
    package_file file;
};
std::optional<pypi_file> find_pypi_file(const txn& t, std::uint64_t project_id,
                                        std::string_view sha256, std::string_view file_name);

/// A file's core metadata (a wheel's .dist-info/METADATA) and its SHA-256 in hex (what a simple
/// page advertises), if it was kept.
struct core_metadata {
    std::string sha256;
    std::string text;
};
std::optional<core_metadata> pypi_core_metadata_of(const txn& t, std::uint64_t file_id);
/// Only the SHA-256 (a simple page needs no more).
std::optional<std::string> pypi_core_metadata_sha256(const txn& t, std::uint64_t file_id);

/// The generation of what a project's simple page for this normalized name shows, or of its
/// index for an empty name: every write that changes either takes a new value of a store-wide
/// sequence (pypi_changed), so rendered pages are cached by it (routing/rendered_cache.hpp).
/// 0 before the first PyPI write of the project.
std::uint64_t pypi_generation(const txn& t, std::uint64_t project_id, std::string_view normalized);
/// A write changed what the pages of this package's name (and the project's index) show.
std::error_code pypi_changed(write_txn& t, std::uint64_t project_id, std::string_view name);

/// Adds a package to the normalized-name index (again is harmless).
std::error_code index_pypi_package(write_txn& t, const package& p);
/// Adds a file to the SHA-256 index, with its core metadata when there is some.
std::error_code index_pypi_file(write_txn& t, const package_file& f,
                                std::optional<std::string_view> core_metadata);
/// Removes a package's entries (its row is being deleted).
std::error_code drop_pypi_package(write_txn& t, const package& p);
/// Removes a file's entries (its row is being deleted).
std::error_code drop_pypi_file(write_txn& t, const package_file& f);

// ---- derived entries (store/derived.hpp: the check compares them, its repair writes them)

/// pypi_names as the package rows imply it: one entry per PyPI package.
void expected_pypi_names(const txn& t, const entry_sink& sink);
/// pypi_files as the file rows imply it: one entry per file of a PyPI package.
void expected_pypi_files(const txn& t, const entry_sink& sink);

} // namespace packyard::store
