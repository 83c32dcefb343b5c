#pragma once

// Small stored files kept in memory (npm tarballs, poms, checksums): a download of one costs no
// open/fstat/read/close, the four system calls that were a fifth of a small download's CPU.
// Blobs are named by their SHA-256 and never change, so a cached copy is always the file's
// bytes; whether a file may be served at all is decided by the store before the path reaches
// the server, so a deleted package's blob is never asked for. Shared by the I/O threads.

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace packyard::server {

class small_files {
public:
    explicit small_files(std::size_t max_bytes) noexcept
        : max_bytes_(max_bytes) {}
    small_files(const small_files&) = delete;
    small_files& operator=(const small_files&) = delete;

    /// The bytes of the file at path, if kept.
    std::shared_ptr<const std::string> find(const std::string& path);
    /// Keeps a file's bytes (the least recently used leave past max_bytes).
    void insert(const std::string& path, std::shared_ptr<const std::string> bytes);
    std::size_t bytes() const;

private:
    struct entry {
        std::shared_ptr<const std::string> bytes;
        std::list<std::string>::iterator lru;
    };
    mutable std::mutex mu_;
    std::unordered_map<std::string, entry> entries_;
    std::list<std::string> lru_; ///< most recently used first
    std::size_t bytes_ = 0;
    std::size_t max_bytes_;
};

} // namespace packyard::server
