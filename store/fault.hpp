#pragma once

// Failure injection for tests: PACKYARD_FAULTS="blob_write=3,commit=2" makes the third blob
// write and the second non-empty commit fail, once each, as if the disk had answered EIO
// (commit_full=N: ENOSPC, as if it were full). Read
// once at start; when unset (always, outside tests) each point costs one relaxed atomic load.

#include <cstdint>
#include <string_view>

namespace packyard::store::fault {

enum class point : std::uint8_t {
    blob_write,  ///< a write(2) of upload bytes to the temp file
    blob_fsync,  ///< the fsync(2) that finishes an upload
    blob_link,   ///< the rename(2) of a finished upload into the blob folder
    commit,      ///< a write batch's commit
    commit_full, ///< a write batch's commit, failing with ENOSPC as on a full disk
};

/// Arms the points named in spec ("name=N,name=N"); false when spec does not parse.
bool arm(std::string_view spec);
/// Arms from the PACKYARD_FAULTS environment variable, if set; false when it does not parse.
bool arm_from_environment();
/// Counts a call at p; true for the call that must fail.
bool hit(point p) noexcept;

} // namespace packyard::store::fault
