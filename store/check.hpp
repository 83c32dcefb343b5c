#pragma once

// `packyard check`: does the data folder hold what its rows say? One read transaction for the
// metadata (consistent while a server writes), then the blob files. Every finding is counted
// under a named check; the first few of each are described. A repair (store/repair.cpp)
// rewrites what the rows determine and removes files no row references; what it cannot bring
// back (a blob's bytes, a row that does not decode) stays a finding
// (docs/decisions/0015-integrity-check.md).

#include "store/blobs.hpp"
#include "store/env.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace packyard::store {

struct check_options {
    /// Read every byte of every referenced blob and compare its SHA-256 (off: existence and
    /// size only).
    bool hashes = true;
    /// Findings described per check; the rest are only counted.
    std::size_t examples = 10;
    /// A server may be writing the folder: files in tmp are uploads in progress, and a blob
    /// finding is confirmed in a fresh snapshot before it counts (a row committed or a blob
    /// unlinked after the metadata snapshot is no finding).
    bool server_running = false;
    /// How long an orphan candidate must stay unreferenced while a server runs (a blob linked
    /// by a batch that has not committed yet, or unlinked right after its commit).
    std::chrono::milliseconds settle{1000};
};

/// What a repair does about a check's findings.
enum class remedy : std::uint8_t {
    none,    ///< nothing can: reported only
    rebuild, ///< the table is rewritten from the rows (store/derived.hpp)
    remove,  ///< the entries or files are deleted
    requeue, ///< the cleanup queue is put right
};

struct check_result {
    std::string name;          ///< stable: the table or the aspect checked
    std::string unit;          ///< what `checked` counts ("entries", "rows", "blobs", ...)
    std::uint64_t checked = 0; ///< entries, rows or files looked at
    std::uint64_t problems = 0;
    bool at_least = false; ///< too many differences to count exactly: problems is a lower bound
    remedy fix = remedy::none;
    std::vector<std::string> examples; ///< the first problems, described
    std::string note;                  ///< why it was skipped, or what it does not count
};

struct check_report {
    std::vector<check_result> results;
    std::uint64_t problems() const noexcept;
    std::uint64_t unrepairable() const noexcept;
    const check_result* find(std::string_view name) const noexcept;
};

/// Runs every check. Throws store::failure when LMDB cannot read the store.
check_report check_store(environment& env, const blob_store& blobs, const check_options& o);

/// What a repair changed.
struct repair_report {
    struct rebuilt_table {
        std::string name;
        std::uint64_t entries = 0;
    };
    std::vector<rebuilt_table> rebuilt;
    std::uint64_t entries_removed = 0; ///< metadata of rows that are gone
    std::uint64_t queued = 0;          ///< cleanup entries added
    std::uint64_t unqueued = 0;        ///< cleanup entries removed
    std::uint64_t orphans_removed = 0;
    std::uint64_t temps_removed = 0;
};

/// Puts right what the report found and a repair can: rebuilds the derived tables that differ
/// and removes entries of rows that are gone, in one write transaction; then removes orphan
/// blobs (still unreferenced once that is committed) and temp files. The caller holds the data
/// folder's lock (store/data_lock.hpp): no server may run meanwhile.
result<repair_report> repair_store(environment& env, blob_store& blobs, const check_report& found);

} // namespace packyard::store
