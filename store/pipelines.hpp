#pragma once

// External pipelines (created by commit statuses) and build infos: which pipelines published a
// package or a file.

#include "store/error.hpp"
#include "store/package_records.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace packyard::store {

std::optional<pipeline> find_pipeline(const txn& t, std::uint64_t id);
std::optional<pipeline> find_pipeline_by_sha(const txn& t, std::uint64_t project_id,
                                             std::string_view sha);
/// Pipelines of a project, newest first.
std::vector<pipeline> project_pipelines(const txn& t, std::uint64_t project_id);
/// Creates a pipeline (fills id and a per-project iid) or saves an existing one.
std::error_code save_pipeline(write_txn& t, pipeline& p);
/// Deletes a pipeline; build infos that pointed at it keep existing with no pipeline.
std::error_code delete_pipeline(write_txn& t, const pipeline& p);
std::error_code delete_pipelines_of_project(write_txn& t, std::uint64_t project_id);

struct build_info {
    std::uint64_t id = 0;
    std::uint64_t pipeline_id = 0; ///< 0: the pipeline was deleted
};
/// Links a package to a pipeline once (find or create).
std::error_code add_build_info(write_txn& t, std::uint64_t package_id, std::uint64_t pipeline_id);
/// Build infos of a package, highest id first, with id < before (0: from the newest).
std::vector<build_info> build_infos(const txn& t, std::uint64_t package_id,
                                    std::uint64_t before = 0, std::size_t limit = SIZE_MAX);
std::error_code delete_build_infos_of_package(write_txn& t, std::uint64_t package_id);

/// What a package entity shows of its build infos: whether it has any, the newest one's
/// pipeline (0: deleted), and whether any still has its pipeline.
struct build_summary {
    bool any = false;
    std::uint64_t newest_pipeline = 0;
    bool any_live = false;
};
/// Walks from the newest build info and stops as soon as the summary is known (usually one).
build_summary summarize_build_infos(const txn& t, std::uint64_t package_id);
/// The same through a cursor on build_infos that the caller keeps for a whole page: no cursor
/// allocation per row, and LMDB starts a seek from the cursor's current leaf when the key
/// falls in it (neighbouring package ids).
build_summary summarize_build_infos(cursor& c, std::uint64_t package_id);

/// Links a file to a pipeline.
std::error_code add_file_build_info(write_txn& t, std::uint64_t file_id, std::uint64_t pipeline_id);
/// Pipeline ids that published a file, ascending.
std::vector<std::uint64_t> file_pipelines(const txn& t, std::uint64_t file_id);
std::error_code delete_file_build_infos(write_txn& t, std::uint64_t file_id);

// ---- derived entries (store/derived.hpp: the check compares them, its repair writes them)

/// pipelines_by_project as the pipeline rows imply it.
void expected_pipelines_by_project(const txn& t, const entry_sink& sink);
/// build_infos_by_pipeline as the build infos imply it (those whose pipeline was not deleted).
void expected_build_infos_by_pipeline(const txn& t, const entry_sink& sink);

} // namespace packyard::store
