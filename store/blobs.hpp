#pragma once

// File contents, stored once per SHA-256 under DATA/blobs. An upload streams into DATA/tmp while
// MD5, SHA-1 and SHA-256 are computed (memory stays bounded whatever the size), is fsynced, and
// only then linked into place by the writer thread inside the transaction that records it; the
// blobs folder is fsynced before that transaction commits, so a crash never leaves a committed
// row without its bytes, and a torn upload never becomes visible.

#include "store/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

struct evp_md_ctx_st;

namespace packyard::store {

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
    static result<blob_upload> create(const std::filesystem::path& tmp_dir);
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

private:
    blob_upload() = default;
    int fd_ = -1;
    std::filesystem::path path_;
    std::uint64_t size_ = 0;
    evp_md_ctx_st* md5_ = nullptr;
    evp_md_ctx_st* sha1_ = nullptr;
    evp_md_ctx_st* sha256_ = nullptr;
};

class blob_store {
public:
    explicit blob_store(const std::filesystem::path& data_dir);

    std::filesystem::path path_of(std::string_view sha256_hex) const;
    /// True when the blob's file is in the folder.
    bool has(std::string_view sha256_hex) const;
    const std::filesystem::path& tmp_dir() const noexcept { return tmp_; }

    /// Writer thread, inside the recording transaction: moves the temp file into place (or
    /// drops it when the blob is already there).
    std::error_code link(blob_upload& upload, std::string_view sha256_hex);
    /// Writer thread, before a commit: makes the links of this batch durable.
    std::error_code sync();
    /// Writer thread: after the commit that dropped the last reference, or when the batch that
    /// linked the blob did not commit.
    void remove(std::string_view sha256_hex);

    /// Startup: removes temp files a killed process left behind.
    std::size_t sweep_tmp();
    /// Startup: names of blob files (sha256 hex) on disk, for the orphan sweep.
    std::vector<std::string> list_blobs() const;

private:
    std::filesystem::path blobs_;
    std::filesystem::path tmp_;
    bool dirty_ = false;
};

/// True when s is 64 lower-case hex digits.
bool is_sha256_hex(std::string_view s) noexcept;

} // namespace packyard::store
