#pragma once

// Removal: the cleanup queue that deletes leave behind (GitLab's pending_destruction), whole
// projects' packages, and the start-up sweep of files no committed row points at. Rows go in
// the write transaction; a blob file goes only after that transaction is durable, and only if
// no row of the committed state points at it then.

#include "store/blobs.hpp"
#include "store/env.hpp"
#include "store/error.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <functional>
#include <string_view>

namespace packyard::store {

/// Removes up to max queued files and packages (a package's files first; the last file takes
/// its package with it). Returns how many queue entries were handled.
result<std::size_t> collect_garbage(write_txn& t, blob_store& blobs, std::size_t max);
/// Queued cleanup entries.
std::uint64_t cleanup_backlog(const txn& t);

/// Once this transaction is durable, unlinks the blob files whose removal waited for a backup
/// (blob_store::remove), if no backup holds the lock any more and the committed state still
/// has no reference to them. The server's cleanup loop runs it while blobs.deferred() > 0.
void unlink_deferred(write_txn& t, blob_store& blobs);

/// Removes every package, file and pipeline of a project (before the project row goes).
std::error_code delete_project_packages(write_txn& t, blob_store& blobs, std::uint64_t project_id);

/// Whether the committed state has no reference to a blob (each call opens its own
/// snapshot): the bucket's deleter asks just before it sends a DELETE.
std::function<bool(std::string_view)> blob_unreferenced(environment& env);

/// Removes every blob no row of t references: files of the folder and, with a bucket, objects
/// under its prefix (listed; a failed listing is logged and returned, what was removed until
/// then counted). For the start-up sweep and `check --repair`: nothing may be in flight.
std::error_code remove_unreferenced_blobs(const txn& t, blob_store& blobs, std::size_t& removed);

/// What a killed predecessor may have left: temp files of unfinished uploads, and blob files
/// no committed row references (renamed into place by a batch that never committed, or left
/// by a crash between a commit and its unlink). Run at start, before serving.
struct swept {
    std::size_t temps = 0;
    std::size_t orphans = 0;
};
swept sweep_leftovers(environment& env, blob_store& blobs);

} // namespace packyard::store
