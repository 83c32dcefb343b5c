#pragma once

// `packyard backup` and `packyard restore` (docs/decisions/0014-backup.md). A backup is a folder:
//
//   db/data.mdb   one compacted LMDB snapshot (mdb_env_copyfd2 with MDB_CP_COMPACT)
//   blobs/<sha>   exactly the blob files that snapshot references, the data folder's layout
//   manifest      written last and atomically (store/backup_manifest.hpp): without it the
//                 folder is an unfinished backup, which restore refuses
//
// It runs beside a live server: the snapshot is one read transaction of a second process, and
// DATA/backup.lock, held shared from before the snapshot until the last blob is copied, keeps
// the server from unlinking a blob the snapshot references (store/blobs.hpp). Every blob is
// hashed while it is copied, by the backup and again by the restore.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace packyard::store {
namespace s3 {
class bucket;
}

/// How a backup or a restore ended; each has its own exit status (server/backup_command.cpp).
enum class copy_status : std::uint8_t {
    ok,
    refused, ///< a folder given is not usable: --to or --data not empty, no store at --data
    damaged, ///< bytes are not what they claim: a blob or data.mdb against its sha256, a
             ///< missing blob, an unfinished or unreadable backup
    failed,  ///< an operation failed (I/O, LMDB)
};

struct copy_outcome {
    copy_status status = copy_status::ok;
    std::string message; ///< one line for the operator when status != ok
    std::uint32_t schema = 0;
    std::uint64_t db_bytes = 0;
    std::uint64_t blobs = 0;
    std::uint64_t blob_bytes = 0;
};

struct backup_options {
    std::filesystem::path data_dir; ///< the server's --data (db/, blobs/)
    std::filesystem::path to;       ///< absent or empty
    std::string packyard_version;   ///< recorded in the manifest
    /// --blob-store s3: a blob not in DATA/blobs is fetched from this bucket (hashed as it is
    /// written), so the backup holds every byte whichever side it was on.
    s3::bucket* bucket = nullptr;
    /// Tests: runs once the snapshot is taken, before the first blob is copied.
    std::function<void()> after_snapshot;
};

struct restore_options {
    std::filesystem::path from;     ///< a backup folder
    std::filesystem::path data_dir; ///< absent or empty
};

/// Writes a backup of data_dir into to. On failure what it wrote is removed again.
copy_outcome backup(const backup_options& opts);

/// Checks the backup in from (the manifest, data.mdb's and every blob's sha256, the snapshot's
/// blob references against the manifest) while copying it into data_dir/.restore, then moves
/// db/ and blobs/ into place. On failure nothing is left in data_dir.
copy_outcome restore(const restore_options& opts);

} // namespace packyard::store
