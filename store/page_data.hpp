#pragma once

// What package and pipeline objects show besides their own rows, gathered from one snapshot in
// one pass per page, so that renderers work on plain data and a list request does not go back
// to the store once per row (GitLab's preloads: preload_pipelines, pipelines' user and project
// route).

#include "store/npm.hpp"
#include "store/package_records.hpp"
#include "store/pipelines.hpp"
#include "store/records.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace packyard::store {

/// The users and projects pipeline objects show (user, web_url through the project's full
/// path), each read once.
struct pipeline_refs {
    std::vector<user> users;
    std::vector<std::pair<std::uint64_t, std::string>> project_paths; ///< id -> full path

    /// Reads what p shows, unless it is already here.
    void add(const txn& t, const pipeline& p);
    /// A project the caller already read (a project list's own).
    void add_project(const project& p);
    const user* find_user(std::uint64_t id) const noexcept;
    const std::string* project_path(std::uint64_t id) const noexcept;
};

/// A page of packages: each row's build summary and newest pipeline, and those pipelines'
/// users and projects.
struct package_extras {
    std::vector<build_summary> builds;          ///< one per row
    std::vector<std::vector<package_tag>> tags; ///< one per row (npm dist-tags; empty for others)
    std::vector<pipeline> pipelines;            ///< the rows' newest pipelines, distinct
    pipeline_refs refs;

    /// The newest pipeline of row i, or nullptr (none, or deleted).
    const pipeline* newest(std::size_t row) const noexcept;
};
/// own_project: the project the rows belong to when the caller has read it (a project list).
package_extras package_page_extras(const txn& t, std::span<const package> rows,
                                   const project* own_project = nullptr);

/// Another version of a package with its newest pipeline (GitLab's PackageVersion entity).
struct version_entry {
    package pkg;
    std::optional<pipeline> newest;
    std::vector<package_tag> tags;
};
/// GitLab's Package#versions: displayable, not this version, ordered by version; their
/// pipelines' users and projects go into refs.
std::vector<version_entry> versions_of(const txn& t, const package& p, pipeline_refs& refs);

/// The pipelines that published each file (one list per file, ascending ids).
std::vector<std::vector<pipeline>>
file_pipelines_of(const txn& t, std::span<const package_file> files, pipeline_refs& refs);

} // namespace packyard::store
