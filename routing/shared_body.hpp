#pragma once

// Bytes a cache keeps and every response that sends them shares (rendered packuments). A large
// body lives in a memory file (memfd_create(2)) instead of the heap, so the server sends it with
// sendfile(2): one copy fewer than a write(2) from user space, what nginx gets from the page
// cache for its files.

#include "store/unique_fd.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace packyard::routing {

class shared_body {
public:
    /// Bodies at least this large go to a memory file (when one can be made).
    static constexpr std::size_t file_threshold = 64 * 1024;

    explicit shared_body(std::string bytes);
    shared_body(const shared_body&) = delete;
    shared_body& operator=(const shared_body&) = delete;

    std::uint64_t size() const noexcept { return size_; }
    /// The memory file holding the bytes, or -1 when they are in bytes().
    int file() const noexcept { return file_.get(); }
    /// The bytes when no memory file holds them (empty otherwise).
    std::string_view bytes() const noexcept { return bytes_; }
    /// The bytes wherever they are (a copy; for tests and the rare reader that needs them).
    std::string read() const;

private:
    std::string bytes_;
    store::unique_fd file_;
    std::uint64_t size_ = 0;
};

} // namespace packyard::routing
