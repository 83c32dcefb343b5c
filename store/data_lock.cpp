#include "store/data_lock.hpp"

#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace packyard::store {
namespace {

std::error_code errno_code() {
    return {errno, std::generic_category()};
}

/// A write lock on the whole file. Open file description locks (fcntl(2)'s F_OFD_*), not
/// flock(2): they belong to the descriptor as flock's do (released when the holder exits), and
/// F_OFD_GETLK asks whether someone holds one without taking anything, so a check that asks
/// can never make a server starting at that moment fail to take it.
struct flock whole_file() noexcept {
    struct flock l {};
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    l.l_start = 0;
    l.l_len = 0;
    return l;
}

} // namespace

std::filesystem::path lock_path(const std::filesystem::path& data_dir) {
    return data_dir / "packyard.lock";
}

result<data_lock> data_lock::take(const std::filesystem::path& data_dir) {
    const auto path = lock_path(data_dir);
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
    if (!fd) {
        return errno_code();
    }
    auto l = whole_file();
    if (::fcntl(fd.get(), F_OFD_SETLK, &l) != 0) {
        return errno == EAGAIN || errno == EACCES
                   ? std::make_error_code(std::errc::resource_unavailable_try_again)
                   : errno_code();
    }
    // The pid is only for the message a refused process prints; the lock is the fcntl lock,
    // so a stale pid left by a killed holder misleads nobody.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd.get(), 0) == 0) {
        [[maybe_unused]] const auto n = ::pwrite(fd.get(), pid.data(), pid.size(), 0);
    }
    return data_lock(std::move(fd));
}

bool data_lock::held(const std::filesystem::path& data_dir) {
    const auto path = lock_path(data_dir);
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return false;
    }
    auto l = whole_file();
    return ::fcntl(fd.get(), F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
}

std::optional<pid_t> data_lock::holder(const std::filesystem::path& data_dir) {
    const auto path = lock_path(data_dir);
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    char buf[32];
    const ssize_t n = ::pread(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) {
        return std::nullopt;
    }
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(buf, buf + n, pid);
    if (ec != std::errc{} || pid <= 0) {
        return std::nullopt;
    }
    return pid;
}

} // namespace packyard::store
