#pragma once

// File contents, stored once per SHA-256 under DATA/blobs. An upload streams into DATA/tmp while
// MD5, SHA-1 and SHA-256 are computed (memory stays bounded whatever the size), is fsynced, and
// only then linked into place by the writer thread inside the transaction that records it; the
// blobs folder is fsynced before that transaction commits, so a crash never leaves a committed
// row without its bytes, and a torn upload never becomes visible.
//
// A backup (`packyard backup`) holds DATA/backup.lock shared from before its snapshot until its
// last blob is copied; while it does, remove() keeps the file and remembers it, and
// remove_deferred() unlinks it later (docs/decisions/0014-backup.md).

#include "store/error.hpp"
#include "store/unique_fd.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

struct evp_md_ctx_st;

namespace packyard::store {
namespace s3 {
class bucket;
}

struct blob_digest {
    std::string sha256; ///< hex
    std::string md5;    ///< hex
    std::string sha1;   ///< hex
    std::uint64_t size = 0;
};

/// A temp file being written. Move-only; the destructor removes the temp file unless it was
/// linked into the store.
class blob_upload {
public:
    /// part_size: also hash each part_size-long piece on its own (the SHA-256 each part of an
    /// S3 multipart upload is signed with); 0 for none.
    static result<blob_upload> create(const std::filesystem::path& tmp_dir,
                                      std::uint64_t part_size = 0);
    blob_upload(blob_upload&& other) noexcept;
    blob_upload& operator=(blob_upload&&) = delete;
    blob_upload(const blob_upload&) = delete;
    ~blob_upload();

    std::error_code write(std::string_view chunk);
    /// Drops what was written so far (the file and the digests start again).
    std::error_code restart();
    /// Flushes and fsyncs the file and finishes the digests (blocking: run it off I/O threads).
    result<blob_digest> finish();
    const std::filesystem::path& path() const noexcept { return path_; }
    std::uint64_t size() const noexcept { return size_; }
    /// Removes the temp file now (a refused upload's file is gone before its answer is sent).
    void discard() noexcept;
    /// The temp file now belongs to the blob store (it was renamed away).
    void release() noexcept { path_.clear(); }
    /// Hex SHA-256 of each part_size-long piece, the last one shorter (after finish()).
    const std::vector<std::string>& part_sha256() const noexcept { return parts_; }
    /// The bytes are durable in the blob store's bucket (s3::bucket::push succeeded).
    void mark_pushed() noexcept { pushed_ = true; }
    bool pushed() const noexcept { return pushed_; }

private:
    blob_upload() = default;
    int fd_ = -1;
    std::filesystem::path path_;
    std::uint64_t size_ = 0;
    evp_md_ctx_st* md5_ = nullptr;
    evp_md_ctx_st* sha1_ = nullptr;
    evp_md_ctx_st* sha256_ = nullptr;
    evp_md_ctx_st* part_ = nullptr; ///< the current part's SHA-256 (part_size_ > 0)
    std::uint64_t part_size_ = 0;
    std::uint64_t part_fill_ = 0;
    std::vector<std::string> parts_;
    bool pushed_ = false;
};

/// DATA/backup.lock: a backup holds it shared (flock) while the blobs of its snapshot must stay.
std::filesystem::path backup_lock_path(const std::filesystem::path& data_dir);

class blob_store {
public:
    explicit blob_store(const std::filesystem::path& data_dir);

    /// Keeps new blobs in this bucket instead of the folder (--blob-store s3; not owned). Blobs
    /// still in the folder (a store being migrated) are served and removed from there too.
    void use_bucket(s3::bucket* b) noexcept { bucket_ = b; }
    s3::bucket* bucket() const noexcept { return bucket_; }
    /// What each upload's parts are hashed by (the bucket's part size; 0 without a bucket).
    std::uint64_t part_size() const noexcept;

    std::filesystem::path path_of(std::string_view sha256_hex) const;
    /// True when the blob's file is in the folder.
    bool has(std::string_view sha256_hex) const;
    const std::filesystem::path& tmp_dir() const noexcept { return tmp_; }
    const std::filesystem::path& blobs_dir() const noexcept { return blobs_; }

    /// Writer thread, inside the recording transaction: moves the temp file into place (or
    /// drops it when the blob is already there). With a bucket, the upload must have been
    /// pushed to it already (routing::app does, before the writer hop): the temp file goes.
    std::error_code link(blob_upload& upload, std::string_view sha256_hex);
    /// Writer thread, before a commit: makes the links of this batch durable.
    std::error_code sync();
    /// Writer thread: after the commit that dropped the last reference is durable (or the
    /// start-up sweep), or when the batch that linked the blob did not commit. Unlinks the
    /// file, or, while a backup holds the lock, keeps it for remove_deferred (the backup's
    /// snapshot may still reference it). With a bucket, the object's delete is queued too
    /// (s3::bucket::queue_delete checks the committed state again before it is sent).
    void remove(std::string_view sha256_hex);
    /// Blob files whose removal waits for a backup to finish (any thread).
    std::size_t deferred() const noexcept {
        return deferred_count_.load(std::memory_order_relaxed);
    }
    /// True while some process holds the backup lock (any thread; one probe on a fresh
    /// descriptor).
    bool backup_running() const;
    /// Writer thread: once no backup holds the lock, unlinks each deferred file for which
    /// still_unused(sha256) is true (the caller checks the committed state: the same bytes may
    /// have been uploaded again) and forgets the others. Returns the files unlinked.
    std::size_t remove_deferred(const std::function<bool(std::string_view)>& still_unused);

    /// Startup: removes temp files a killed process left behind.
    std::size_t sweep_tmp();
    /// Startup: names of blob files (sha256 hex) on disk, for the orphan sweep.
    std::vector<std::string> list_blobs() const;

private:
    /// LOCK_EX without waiting: false while a backup holds the lock shared.
    bool lock_out_backups();
    void let_backups_in();

    std::filesystem::path blobs_;
    std::filesystem::path tmp_;
    std::filesystem::path lock_path_;
    unique_fd lock_; ///< DATA/backup.lock, used by the writer thread only
    s3::bucket* bucket_ = nullptr;
    bool dirty_ = false;
    std::unordered_set<std::string> deferred_; ///< writer thread only
    std::atomic<std::size_t> deferred_count_{0};
};

/// True when s is 64 lower-case hex digits.
bool is_sha256_hex(std::string_view s) noexcept;

} // namespace packyard::store
