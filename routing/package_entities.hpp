#pragma once

// GitLab's Package, PackageVersion, PackageFile and Package::Pipeline entities
// (gitlab-packages-api.md §7), in GitLab's field order.

#include "routing/json.hpp"
#include "store/package_records.hpp"
#include "store/records.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace packyard::routing {

/// Pipelines already rendered for this response: a page of packages built by a few pipelines
/// renders each of them (with its user and project lookups) once.
struct pipeline_memo {
    std::vector<std::pair<std::uint64_t, std::string>> rendered;      ///< pipeline id → object
    std::vector<std::pair<std::uint64_t, std::string>> users;         ///< user id → object
    std::vector<std::pair<std::uint64_t, std::string>> project_paths; ///< id → "/full/path"
    /// One cursor on build_infos for the response's rows; it must close before the read
    /// transaction ends, which the memo's lifetime (one render) guarantees.
    std::optional<store::cursor> build_infos;

    /// Records a project the caller already read (a project list's own), so that its
    /// pipelines' web_url needs no lookup of it.
    void add_project(const store::project& p);
};

struct package_view {
    const store::package& pkg;
    const store::project& project;
    bool can_destroy = false; ///< caller may delete: adds _links.delete_api_path
    bool group_list = false;  ///< adds project_id and project_path
    bool with_versions = false;
    pipeline_memo* pipelines = nullptr; ///< optional, per response
};

void write_pipeline(const store::txn& t, json_writer& w, const store::pipeline& p,
                    std::string_view base, pipeline_memo* memo = nullptr);
void write_package(const store::txn& t, json_writer& w, const package_view& v,
                   std::string_view base);
/// The same object appended to out as JSON text.
void append_package_json(std::string& out, const store::txn& t, const package_view& v,
                         std::string_view base);
void write_package_file(const store::txn& t, json_writer& w, const store::package_file& f,
                        std::string_view base);

} // namespace packyard::routing
