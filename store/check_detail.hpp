#pragma once

// The parts of the integrity check (store-private): what the row pass keeps for the later
// checks, and the checks of store/check_tables.cpp, check_rows.cpp and check_blobs.cpp that
// store/check.cpp runs in turn.

#include "store/check.hpp"
#include "store/derived.hpp"
#include "store/package_records.hpp"
#include "store/txn.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace packyard::store::check_detail {

/// Counts a check's problems and describes the first few (describe runs only for those).
class tally {
public:
    tally(check_result& r, std::size_t examples) noexcept
        : r_(r)
        , max_(examples) {}
    template <class Describe>
    void add(Describe&& describe) {
        ++r_.problems;
        if (r_.examples.size() < max_) {
            r_.examples.push_back(describe());
        }
    }
    check_result& result() noexcept { return r_; }

private:
    check_result& r_;
    std::size_t max_;
};

inline check_result named(std::string_view name, std::string_view unit, remedy fix) {
    check_result r;
    r.name = std::string(name);
    r.unit = std::string(unit);
    r.fix = fix;
    return r;
}

/// What the checks after the row pass need of a package row.
struct package_row {
    std::uint64_t id = 0;
    std::uint64_t project_id = 0;
    package_type type{};
    package_status status{};
    bool placed = false;          ///< its project exists
    std::uint32_t files = 0;      ///< file rows
    std::uint32_t live_files = 0; ///< file rows not pending destruction
};

/// ... and of a file row.
struct file_row {
    std::uint64_t id = 0;
    std::uint64_t package_id = 0;
    std::uint64_t size = 0;
    std::array<unsigned char, 32> sha{}; ///< the blob's name, as bytes
    bool named = false;                  ///< sha holds one (the row's SHA-256 is hex)
    file_status status{};
};

/// Package and file rows, in id order (as LMDB yields them), and the ids of pipeline rows.
struct rows {
    std::vector<package_row> packages;
    std::vector<file_row> files;
    std::vector<std::uint64_t> pipelines;

    const package_row* package(std::uint64_t id) const noexcept;
    const file_row* file(std::uint64_t id) const noexcept;
    bool has_pipeline(std::uint64_t id) const noexcept {
        return std::binary_search(pipelines.begin(), pipelines.end(), id);
    }
};

/// Reads every package, file and pipeline row: those that do not decode, packages whose project
/// is gone, files whose package is gone or whose name is no SHA-256.
rows read_rows(const txn& t, std::vector<check_result>& out, std::size_t examples);

/// Compares a derived table with what its generator yields (docs/decisions/0015).
check_result compare_table(const txn& t, const derived_table& d, std::size_t examples);

/// Tables kept per row that no row implies (npm and PyPI metadata, tags, build infos): every
/// entry's row must exist.
void check_attached(const txn& t, const rows& r, std::vector<check_result>& out,
                    std::size_t examples);
/// Removes the entries check_attached finds; returns how many.
result<std::uint64_t> remove_detached(write_txn& t, const rows& r);

/// The cleanup queue against the rows pending destruction.
check_result check_cleanup(const txn& t, const rows& r, std::size_t examples);
/// Queues what must be and unqueues what must not; returns (added, removed).
result<std::pair<std::uint64_t, std::uint64_t>> fix_cleanup(write_txn& t, const rows& r);

/// The blob files against the file rows, orphans, the blobs folder and tmp.
void check_blobs(environment& env, const blob_store& blobs, const rows& r, const check_options& o,
                 std::vector<check_result>& out);

/// A file row as a person reads it: "file 45 'a.bin' of package 12 'name' 1.0 (project 3)".
std::string describe_file(const txn& t, std::uint64_t file_id);
/// A key as a person reads it: printable runs as text, the NUL ending one and the bytes around
/// an id as '.', a big-endian id as its number, any other byte as \xNN.
std::string printable_key(std::string_view key);

} // namespace packyard::store::check_detail
