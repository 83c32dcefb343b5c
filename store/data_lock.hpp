#pragma once

// The claim of one process on a data folder: DATA/packyard.lock, write-locked (fcntl(2)'s open file
// description locks) for as long as the object lives. `packyard serve` takes it before it opens the
// store, so a second server on the same folder (whose start-up sweep would delete the first one's
// uploads in progress) is refused, and so is `packyard check --repair`, which rewrites indexes and
// removes files only a stopped server may lose. The kernel drops the lock when its holder exits,
// SIGKILL included: nothing is left to clean up after a crash
// (docs/decisions/0015-integrity-check.md).

#include "store/error.hpp"
#include "store/unique_fd.hpp"

#include <filesystem>
#include <optional>
#include <sys/types.h>

namespace packyard::store {

class data_lock {
public:
    /// Takes the lock without waiting. std::errc::resource_unavailable_try_again when another
    /// process holds it (holder() tells which, when it wrote its pid); the folder must exist.
    static result<data_lock> take(const std::filesystem::path& data_dir);
    /// Whether some process holds the lock now (a read-only check asks, to know whether a
    /// server may be writing while it reads). False when the lock file does not exist.
    static bool held(const std::filesystem::path& data_dir);
    /// The pid the holder wrote into the lock file, if it reads as one.
    static std::optional<pid_t> holder(const std::filesystem::path& data_dir);

    data_lock(data_lock&&) noexcept = default;
    data_lock& operator=(data_lock&&) noexcept = default;
    data_lock(const data_lock&) = delete;
    data_lock& operator=(const data_lock&) = delete;
    ~data_lock() = default; ///< closing the descriptor releases the lock

private:
    explicit data_lock(unique_fd fd) noexcept
        : fd_(std::move(fd)) {}
    unique_fd fd_;
};

/// The lock file's path in a data folder.
std::filesystem::path lock_path(const std::filesystem::path& data_dir);

} // namespace packyard::store
