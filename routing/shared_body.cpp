#include "routing/shared_body.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace packyard::routing {
namespace {

/// A sealed memory file holding bytes, or an empty descriptor when one cannot be made (out of
/// descriptors or memory): the caller keeps the bytes on the heap then.
store::unique_fd memory_file(std::string_view bytes) {
    store::unique_fd fd(::memfd_create("packyard-body", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd) {
        return fd;
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return {};
        }
        done += static_cast<std::size_t>(n);
    }
    // Sealed: nothing can change the bytes that responses share.
    if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
        0) {
        return {};
    }
    return fd;
}

} // namespace

shared_body::shared_body(std::string bytes)
    : size_(bytes.size()) {
    if (bytes.size() >= file_threshold) {
        file_ = memory_file(bytes);
    }
    if (!file_) {
        bytes_ = std::move(bytes);
    }
}

std::string shared_body::read() const {
    if (!file_) {
        return bytes_;
    }
    std::string out(size_, '\0');
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n =
            ::pread(file_.get(), out.data() + done, out.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            out.resize(done);
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    return out;
}

} // namespace packyard::routing
