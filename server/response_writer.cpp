// Writing a response: the header packyard serializes itself (server/response_header.cpp), then
// the body, or a file: a small one read into the header's buffer and written with it, a larger
// one with sendfile(2) straight from the page cache to the socket.

#include "routing/gitlab_errors.hpp"
#include "routing/limits.hpp"
#include "server/response_header.hpp"
#include "server/transport.hpp"
#include "store/s3/bucket.hpp"
#include "store/unique_fd.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

namespace packyard::server {
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

/// The answer when a blob recorded in the store cannot be opened: gone (a delete won the race,
/// or the data folder was damaged) or the process is out of descriptors or memory.
routing::response unopenable(int err) {
    if (err == EMFILE || err == ENFILE || err == ENOMEM) {
        auto r = routing::message_response(503, "503 Service Unavailable");
        r.set_header("Retry-After", "1");
        return r;
    }
    return routing::not_found();
}

net::awaitable<written> write_buffered(connection& c, const routing::response& r, bool head,
                                       bool keep_alive, unsigned version) {
    // A shared body in a memory file reaches here for HEAD only (write_response).
    const std::string_view body = r.shared ? r.shared->bytes() : std::string_view(r.body);
    std::optional<std::uint64_t> length; // 204 and 304 carry none
    if (r.status != 204 && r.status != 304) {
        length = r.file     ? r.file->size
                 : r.remote ? r.remote->size
                 : r.shared ? r.shared->size()
                            : body.size();
    }
    std::string header_bytes;
    serialize_header(header_bytes, r, keep_alive, version, length);
    const bool with_body = !head && length && !r.file && !r.remote;
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(header_bytes), with_body ? net::buffer(body) : net::const_buffer{}};
    c.stream.expires_after(limits::send_stall);
    auto [ec, n] = co_await net::async_write(c.stream, buffers, use_tuple);
    co_return written{ec, with_body ? body.size() : 0, r.status, header_bytes.size()};
}

/// Waits until the socket takes more bytes; false after limits::send_stall without progress,
/// or when the wait failed (the peer went away, the session was cancelled).
net::awaitable<bool> wait_writable(tcp::socket& sock) {
    using namespace net::experimental::awaitable_operators;
    net::steady_timer stall(sock.get_executor(), limits::send_stall);
    // Whichever finishes first cancels the other.
    auto first = co_await (sock.async_wait(tcp::socket::wait_write, use_tuple) ||
                           stall.async_wait(use_tuple));
    co_return first.index() == 0 && !std::get<0>(std::get<0>(first));
}

/// The whole of a small file, read at explicit offsets; none when a read fails or the file
/// is not `size` bytes long.
std::optional<std::string> read_small(int fd, std::uint64_t size) {
    std::string out(size, '\0');
    std::uint64_t got = 0;
    while (got < size) {
        const ssize_t n = ::pread(fd, out.data() + got, static_cast<std::size_t>(size - got),
                                  static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return std::nullopt;
        }
        got += static_cast<std::uint64_t>(n);
    }
    return out;
}

/// A small file goes out with its header in one write: one segment and one wake-up of the
/// reader instead of two, as nginx's tcp_nopush gives.
net::awaitable<written> send_small(connection& c, const routing::response& r,
                                   const std::string& bytes, bool keep_alive, unsigned version) {
    std::string out;
    serialize_header(out, r, keep_alive, version, bytes.size());
    out += bytes;
    c.stream.expires_after(limits::send_stall);
    auto [ec, n] = co_await net::async_write(c.stream, net::buffer(out), use_tuple);
    co_return written{ec, ec ? 0 : bytes.size(), r.status, out.size() - bytes.size()};
}

/// A file of `size` bytes (a download, or a cached body in a memory file): the header, then the
/// bytes with sendfile(2) from the page cache straight to the socket (no copy through user
/// space, as nginx does). Reads at explicit offsets, so one descriptor serves many at once.
net::awaitable<written> send_file(connection& c, const routing::response& r, int fd,
                                  std::uint64_t size, bool keep_alive, unsigned version) {
    std::string header_bytes;
    serialize_header(header_bytes, r, keep_alive, version, size);
    c.stream.expires_after(limits::send_stall);
    auto [hec, hn] = co_await net::async_write(c.stream, net::buffer(header_bytes), use_tuple);
    if (hec) {
        co_return written{hec, 0, r.status, header_bytes.size()};
    }
    c.stream.expires_never(); // wait_writable bounds each stall instead
    auto& sock = c.stream.socket();
    sock.native_non_blocking(true);
    off_t offset = 0;
    while (static_cast<std::uint64_t>(offset) < size) {
        const auto left = size - static_cast<std::uint64_t>(offset);
        const ssize_t n =
            ::sendfile(sock.native_handle(), fd, &offset,
                       static_cast<std::size_t>(std::min<std::uint64_t>(left, 1U << 22)));
        if (n > 0) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!(co_await wait_writable(sock))) {
                co_return written{beast::error::timeout, static_cast<std::uint64_t>(offset),
                                  r.status, header_bytes.size()};
            }
            continue;
        }
        // The file shrank (it cannot: blobs are immutable) or the peer went away.
        co_return written{beast::error_code(n < 0 ? errno : EIO, beast::generic_category()),
                          static_cast<std::uint64_t>(offset), r.status, header_bytes.size()};
    }
    co_return written{{}, size, r.status, header_bytes.size()};
}

/// The answer when the bucket did not give the bytes before anything was sent.
/// (store::s3::bucket::fetch has logged why.)
routing::response bucket_unavailable() {
    auto r = routing::message_response(503, "503 Service Unavailable");
    r.set_header("Retry-After", "5");
    return r;
}

/// An object of the blob store's bucket: a small one fetched whole and kept with the small
/// files (content-addressed, so never stale), a larger one streamed, each piece written to the
/// client as it arrives from the bucket (memory stays one buffer per download). A failure
/// before the status went out is a 503; after it, the connection closes short of its length.
net::awaitable<written> send_remote(connection& c, const routing::response& r, bool keep_alive,
                                    unsigned version, small_files& files) {
    const auto& rb = *r.remote;
    const std::string cache_key = "s3:" + rb.sha256;
    if (rb.size <= limits::inline_file) {
        if (auto kept = files.find(cache_key)) {
            co_return co_await send_small(c, r, *kept, keep_alive, version);
        }
        std::string bytes;
        // A named sink: GCC 12 destroys a braced temporary in a co_await expression twice.
        store::s3::get_sink whole{
            [&](std::uint64_t length) -> net::awaitable<std::error_code> {
                if (length != rb.size) {
                    co_return make_error_code(std::errc::io_error);
                }
                bytes.reserve(static_cast<std::size_t>(length));
                co_return std::error_code{};
            },
            [&](std::span<const char> chunk) -> net::awaitable<std::error_code> {
                bytes.append(chunk.data(), chunk.size());
                co_return std::error_code{};
            }};
        const auto f = co_await rb.bucket->fetch(rb.sha256, {}, std::move(whole));
        if (f.failed() || bytes.size() != rb.size) {
            co_return co_await write_buffered(c, bucket_unavailable(), false, keep_alive, version);
        }
        auto kept = std::make_shared<const std::string>(std::move(bytes));
        files.insert(cache_key, kept);
        co_return co_await send_small(c, r, *kept, keep_alive, version);
    }
    std::string header_bytes;
    serialize_header(header_bytes, r, keep_alive, version, rb.size);
    bool started = false;
    std::uint64_t sent = 0;
    beast::error_code wec;
    store::s3::get_sink streamed{
        [&](std::uint64_t length) -> net::awaitable<std::error_code> {
            if (length != rb.size) {
                co_return make_error_code(std::errc::io_error);
            }
            c.stream.expires_after(limits::send_stall);
            auto [ec, n] =
                co_await net::async_write(c.stream, net::buffer(header_bytes), use_tuple);
            started = true;
            wec = ec;
            co_return ec ? std::error_code(ec.value(), std::generic_category()) : std::error_code{};
        },
        [&](std::span<const char> chunk) -> net::awaitable<std::error_code> {
            c.stream.expires_after(limits::send_stall);
            auto [ec, n] = co_await net::async_write(
                c.stream, net::buffer(chunk.data(), chunk.size()), use_tuple);
            sent += n;
            wec = ec;
            co_return ec ? std::error_code(ec.value(), std::generic_category()) : std::error_code{};
        }};
    const auto f = co_await rb.bucket->fetch(rb.sha256, {}, std::move(streamed));
    if (!started) {
        co_return co_await write_buffered(c, bucket_unavailable(), false, keep_alive, version);
    }
    if (f.failed() || sent != rb.size) {
        if (!wec) {
            wec = beast::error_code(EIO, beast::generic_category());
        }
        co_return written{wec, sent, r.status, header_bytes.size()};
    }
    co_return written{{}, sent, r.status, header_bytes.size()};
}

} // namespace

net::awaitable<written> write_response(connection& c, routing::response&& r, bool head,
                                       bool keep_alive, unsigned version, small_files& files) {
    if (r.remote && !r.file && !head) {
        co_return co_await send_remote(c, r, keep_alive, version, files);
    }
    if (!r.file) {
        if (r.shared && r.shared->file() >= 0 && !head) {
            co_return co_await send_file(c, r, r.shared->file(), r.shared->size(), keep_alive,
                                         version);
        }
        co_return co_await write_buffered(c, r, head, keep_alive, version);
    }
    const std::string path = r.file->path.string();
    if (r.file->size <= limits::inline_file && !head) {
        if (auto kept = files.find(path)) {
            co_return co_await send_small(c, r, *kept, keep_alive, version);
        }
    }
    // Opened before its status goes out, so a blob that cannot be opened is answered (and
    // logged) as what it is, not as a 200 cut short.
    const store::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd && errno == ENOENT && r.remote) {
        // Moved to the bucket since the handler looked (migrate-blobs --remove-local).
        if (head) {
            co_return co_await write_buffered(c, r, head, keep_alive, version);
        }
        co_return co_await send_remote(c, r, keep_alive, version, files);
    }
    if (!fd) {
        co_return co_await write_buffered(c, unopenable(errno), head, keep_alive, version);
    }
    if (head) {
        co_return co_await write_buffered(c, r, head, keep_alive, version);
    }
    struct stat st {};
    ::fstat(fd.get(), &st);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size <= limits::inline_file) {
        auto bytes = read_small(fd.get(), size);
        if (!bytes) {
            // Nothing was sent yet: the connection closes rather than carry a short body.
            co_return written{beast::error_code(EIO, beast::generic_category()), 0, r.status};
        }
        auto kept = std::make_shared<const std::string>(std::move(*bytes));
        files.insert(path, kept);
        co_return co_await send_small(c, r, *kept, keep_alive, version);
    }
    co_return co_await send_file(c, r, fd.get(), size, keep_alive, version);
}

} // namespace packyard::server
