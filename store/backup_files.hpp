#pragma once

// What backup.cpp and restore.cpp share: checking a folder given on the command line, copying
// bytes while hashing them, making a finished folder durable, and reading the blob references
// of a copied data.mdb.

#include "store/backup.hpp"
#include "store/crypto.hpp"
#include "store/error.hpp"

#include <cstdint>
#include <filesystem>
#include <lmdb.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::store {

/// An outcome that is not ok, with its line for the operator.
inline copy_outcome copy_stop(copy_status status, std::string message) {
    copy_outcome out;
    out.status = status;
    out.message = std::move(message);
    return out;
}

enum class folder_state : std::uint8_t { absent, empty, not_empty, not_a_folder, unreadable };
folder_state inspect_folder(const std::filesystem::path& p);

/// The folder a backup or a restore writes into: on any early return what was written goes
/// again (the folder too when it was created for this run), unless keep() was called.
class output_folder {
public:
    output_folder(std::filesystem::path p, bool created)
        : path_(std::move(p))
        , created_(created) {}
    output_folder(const output_folder&) = delete;
    output_folder& operator=(const output_folder&) = delete;
    ~output_folder();
    void keep() noexcept { kept_ = true; }

private:
    std::filesystem::path path_;
    bool created_;
    bool kept_ = false;
};

struct hashed_bytes {
    std::uint64_t bytes = 0;
    std::string sha256; ///< hex
};

/// Copies files with one reusable buffer (1 MiB), hashing what passes through.
class hashing_copier {
public:
    hashing_copier();
    /// Reads in until its end, writing every byte to out.
    result<hashed_bytes> pump(int in, int out);
    /// Copies src into a new file dst (never an existing one). No fsync: the caller syncs the
    /// whole folder once (sync_filesystem). A missing src is errc::not_found.
    result<hashed_bytes> copy(const std::filesystem::path& src, const std::filesystem::path& dst);

private:
    std::vector<char> buf_;
    sha256_stream sha_;
};

/// fsync(2) of a folder (its entries).
std::error_code fsync_folder(const std::filesystem::path& dir);
/// syncfs(2) of the filesystem holding p: every file written into it is on disk after this,
/// at the cost of one call instead of one fsync per file.
std::error_code sync_filesystem(const std::filesystem::path& p);

/// A copied data.mdb opened read-only and without a lock file (nothing else opens it), read
/// through one transaction: the layout version and the blob references, in key order.
class snapshot_file {
public:
    /// db_dir holds data.mdb.
    static result<snapshot_file> open(const std::filesystem::path& db_dir);
    snapshot_file(snapshot_file&& o) noexcept;
    snapshot_file& operator=(snapshot_file&&) = delete;
    snapshot_file(const snapshot_file&) = delete;
    snapshot_file& operator=(const snapshot_file&) = delete;
    ~snapshot_file();

    /// The meta database's schema_version (nullopt when absent or not a u32).
    std::optional<std::uint32_t> schema_version() const;
    /// The next key of blob_refs (a sha256 hex, unchecked); false after the last one.
    result<bool> next_blob(std::string& sha256_hex);

private:
    snapshot_file() = default;
    MDB_env* env_ = nullptr;
    MDB_txn* txn_ = nullptr;
    MDB_cursor* blobs_ = nullptr;
    MDB_dbi meta_ = 0;
    bool started_ = false;
};

} // namespace packyard::store
