// One connection: read a header (bounded in size and time), route and authenticate it, read or
// stream the body as the route says, run the handler, write the response, loop on keep-alive.

#include "routing/gitlab_errors.hpp"
#include "routing/multipart.hpp"
#include "server/access_log.hpp"
#include "server/request_framing.hpp"
#include "server/response_header.hpp"
#include "server/server.hpp"
#include "store/log.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fcntl.h>
#include <limits>
#include <optional>
#include <ostream> // before Beast's http headers (GCC 12 + Boost 1.81, style.md §4.3)
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

namespace packyard::server {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
// Bodies nobody wants (a rejected upload, a body on a GET) are read and dropped up to this size
// so the connection stays usable; a larger one closes the connection instead.
constexpr std::uint64_t discard_limit = 1ULL << 20;
constexpr std::size_t chunk_size = 64 * 1024;
// The read buffer holds what the parser has not consumed yet: a header block (bounded by
// --header-limit), or a chunk-size line with its extensions, a trailer section, or body bytes on
// their way to the handler. Past this much unconsumed input a body is refused, so neither chunk
// extensions, zero-padded chunk sizes nor trailers can make a connection hold more.
constexpr std::size_t body_buffer_limit = 64 * 1024;
// A keep-alive connection keeps its read buffer between requests; one that grew past this for a
// large body gives the memory back instead of holding it while idle.
constexpr std::size_t idle_buffer_keep = 16 * 1024;

using header_parser = http::request_parser<http::buffer_body>;

void fill_request(routing::request& req, const header_parser::value_type& h) {
    req.verb = routing::parse_method(h.method_string());
    req.target = h.target();
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    req.query = q == std::string_view::npos ? std::string_view{} : req.target.substr(q + 1);
    req.headers.clear();
    for (const auto& f : h) {
        req.headers.emplace_back(f.name_string(), f.value());
    }
}

/// Reads a request header, counting the whole block against limit. Beast's own header_limit
/// applies to what one parse call sees, and its reader hands the parser only the bytes after
/// the fields already parsed, so a header that arrives in pieces could outgrow the limit; here
/// the parser is fed by hand and every byte it took counts.
net::awaitable<beast::error_code> read_header(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                              header_parser& p, std::size_t limit) {
    std::size_t consumed = 0;
    buffer.max_size(std::max(limit, buffer.size()));
    for (;;) {
        if (buffer.size() > 0) {
            beast::error_code ec;
            p.header_limit(static_cast<std::uint32_t>(limit - consumed));
            const std::size_t used = p.put(buffer.data(), ec);
            buffer.consume(used);
            consumed += used;
            if (!ec && p.is_header_done()) {
                break;
            }
            if (ec && ec != http::error::need_more) {
                co_return ec;
            }
            // Everything buffered now belongs to the unfinished header.
            if (consumed + buffer.size() >= limit) {
                co_return http::error::header_limit;
            }
        }
        const std::size_t room = buffer.max_size() - buffer.size();
        auto [ec, n] = co_await stream.async_read_some(
            buffer.prepare(std::min<std::size_t>(room, 8192)), use_tuple);
        if (ec) {
            co_return ec; // eof: the client left mid-header; nobody to answer
        }
        buffer.commit(n);
    }
    buffer.max_size(std::max(body_buffer_limit, buffer.size()));
    co_return beast::error_code{};
}

/// "100 Continue" when an HTTP/1.1 client waits for it before sending the body. RFC 9110
/// §10.1.1: an HTTP/1.0 client's expectation is ignored.
net::awaitable<beast::error_code> send_continue(beast::tcp_stream& stream, unsigned version,
                                                bool expects_continue,
                                                std::chrono::seconds timeout) {
    if (!expects_continue || version < 11) {
        co_return beast::error_code{};
    }
    static constexpr std::string_view line = "HTTP/1.1 100 Continue\r\n\r\n";
    stream.expires_after(timeout);
    auto [ec, n] = co_await net::async_write(stream, net::buffer(line), use_tuple);
    co_return ec;
}

/// Reads the remaining body into sink(chunk) with a running total; fails past limit.
template <class Sink>
net::awaitable<beast::error_code>
read_body(beast::tcp_stream& stream, beast::flat_buffer& buffer, header_parser& p,
          std::uint64_t limit, std::chrono::seconds per_chunk, Sink&& sink, bool& over_limit) {
    std::vector<char> chunk(chunk_size);
    std::uint64_t total = 0;
    while (!p.is_done()) {
        p.get().body().data = chunk.data();
        p.get().body().size = chunk.size();
        stream.expires_after(per_chunk);
        auto [ec, n] = co_await http::async_read(stream, buffer, p, use_tuple);
        if (ec == http::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            co_return ec;
        }
        const std::size_t got = chunk.size() - p.get().body().size;
        total += got;
        if (total > limit) {
            over_limit = true;
            co_return beast::error_code{};
        }
        if (auto sec = sink(std::string_view(chunk.data(), got))) {
            co_return beast::error_code(sec.value(), beast::generic_category());
        }
    }
    co_return beast::error_code{};
}

/// Waits until the socket can take more bytes, or gives up after a minute without progress.
net::awaitable<bool> wait_writable(tcp::socket& sock) {
    net::steady_timer deadline(sock.get_executor(), std::chrono::seconds(60));
    deadline.async_wait([&sock](const boost::system::error_code& ec) {
        if (!ec) {
            boost::system::error_code ignored;
            sock.cancel(ignored);
        }
    });
    auto [ec] = co_await sock.async_wait(tcp::socket::wait_write, use_tuple);
    deadline.cancel();
    co_return !ec;
}

/// What writing a response did: the error that ended it, the body bytes sent and the status
/// actually answered (a download whose file cannot be opened answers 404 or 503 instead).
struct written {
    beast::error_code ec;
    std::uint64_t bytes = 0;
    unsigned status = 0;
};

/// The answer when a blob recorded in the store cannot be opened: gone (a delete won the race,
/// or the data folder was damaged) or the process is out of descriptors.
routing::response unopenable(int err) {
    if (err == EMFILE || err == ENFILE || err == ENOMEM) {
        auto r = routing::message_response(503, "503 Service Unavailable");
        r.set_header("Retry-After", "1");
        return r;
    }
    return routing::not_found();
}

net::awaitable<written> write_buffered(beast::tcp_stream& stream, const routing::response& r,
                                       bool head, bool keep_alive, unsigned version) {
    std::optional<std::uint64_t> length; // 204 and 304 carry none
    if (r.status != 204 && r.status != 304) {
        length = r.file ? r.file->size : r.body.size();
    }
    std::string header_bytes;
    serialize_header(header_bytes, r, keep_alive, version, length);
    const bool with_body = !head && length && !r.file;
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(header_bytes), with_body ? net::buffer(r.body) : net::const_buffer{}};
    stream.expires_after(std::chrono::seconds(60));
    auto [ec, n] = co_await net::async_write(stream, buffers, use_tuple);
    co_return written{ec, with_body ? r.body.size() : 0, r.status};
}

/// A download: the header, then the bytes with sendfile(2) from the page cache
/// straight to the socket (no copy through user space, as nginx does).
net::awaitable<written> send_file(beast::tcp_stream& stream, const routing::response& r, int fd,
                                  bool keep_alive, unsigned version) {
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::string header_bytes;
    serialize_header(header_bytes, r, keep_alive, version, size);
    stream.expires_after(std::chrono::seconds(60));
    auto [hec, hn] = co_await net::async_write(stream, net::buffer(header_bytes), use_tuple);
    if (hec) {
        co_return written{hec, 0, r.status};
    }
    stream.expires_never(); // wait_writable bounds each stall instead
    auto& sock = stream.socket();
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
                                  r.status};
            }
            continue;
        }
        // The file shrank (it cannot: blobs are immutable) or the peer went away.
        co_return written{beast::error_code(n < 0 ? errno : EIO, beast::generic_category()),
                          static_cast<std::uint64_t>(offset), r.status};
    }
    co_return written{{}, size, r.status};
}

/// Writes the response. A file is opened before its status goes out, so a blob that cannot be
/// opened is answered (and logged) as what it is, not as a 200 cut short.
net::awaitable<written> write_response(beast::tcp_stream& stream, routing::response&& r, bool head,
                                       bool keep_alive, unsigned version) {
    if (!r.file) {
        co_return co_await write_buffered(stream, r, head, keep_alive, version);
    }
    const int fd = ::open(r.file->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        co_return co_await write_buffered(stream, unopenable(errno), head, keep_alive, version);
    }
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } guard{fd};
    if (head) {
        co_return co_await write_buffered(stream, r, head, keep_alive, version);
    }
    co_return co_await send_file(stream, r, fd, keep_alive, version);
}

/// Pumps a stream route's body into the request's upload sink (routing/upload_sink.hpp), then
/// has the sink finish (fsync) off the I/O thread. Returns a response to send instead of
/// running the handler.
net::awaitable<std::optional<routing::response>>
receive_upload(beast::tcp_stream& stream, beast::flat_buffer& buffer, header_parser& parser,
               server& srv, routing::upload_sink& sink, bool expects_continue) {
    const config& cfg = srv.cfg();
    if (co_await send_continue(stream, parser.get().version(), expects_continue,
                               cfg.header_timeout)) {
        co_return routing::message_response(400, "400 Bad request");
    }
    std::optional<routing::response> refused;
    bool over = false;
    auto ec = co_await read_body(
        stream, buffer, parser, sink.wire_limit(), cfg.header_timeout,
        [&](std::string_view chunk) -> std::error_code {
            refused = sink.write(chunk);
            return refused ? std::make_error_code(std::errc::operation_canceled)
                           : std::error_code{};
        },
        over);
    if (over) {
        co_return routing::message_response(413, "413 Request Entity Too Large");
    }
    if (refused) {
        co_return std::move(refused);
    }
    if (ec) {
        co_return routing::message_response(400, "400 Bad request");
    }
    // fsync can take milliseconds: keep it off the I/O thread.
    co_await net::co_spawn(
        srv.blocking_pool(),
        [&]() -> net::awaitable<void> {
            refused = sink.finish();
            co_return;
        },
        net::use_awaitable);
    co_return std::move(refused);
}

/// Reads a small body (JSON or form) whole into req.body, within --max-small-body for this
/// request and --max-buffered-bodies for all of them. Returns the response to send instead.
net::awaitable<std::optional<routing::response>>
read_small_body(beast::tcp_stream& stream, beast::flat_buffer& buffer, header_parser& parser,
                server& srv, routing::request& req, byte_budget::lease& held,
                bool expects_continue) {
    const config& cfg = srv.cfg();
    const std::uint64_t limit = cfg.app.max_small_body;
    const auto content_length = parser.content_length();
    if (content_length && *content_length > limit) {
        co_return routing::message_response(413, "413 Request Entity Too Large");
    }
    auto busy = [] {
        auto r = routing::message_response(503, "503 Service Unavailable");
        r.set_header("Retry-After", "1");
        return r;
    };
    // A known length is taken from the budget before a byte is read; a chunked body as it comes.
    if (content_length && !held.grow(srv.body_budget(), *content_length)) {
        co_return busy();
    }
    if (co_await send_continue(stream, parser.get().version(), expects_continue,
                               cfg.header_timeout)) {
        co_return routing::message_response(400, "400 Bad request");
    }
    bool over = false;
    bool spent = false;
    auto ec = co_await read_body(
        stream, buffer, parser, limit, cfg.header_timeout,
        [&](std::string_view s) {
            if (req.body.size() + s.size() > held.bytes() &&
                !held.grow(srv.body_budget(), req.body.size() + s.size() - held.bytes())) {
                spent = true;
                return std::make_error_code(std::errc::not_enough_memory);
            }
            req.body.append(s);
            return std::error_code{};
        },
        over);
    if (over) {
        co_return routing::message_response(413, "413 Request Entity Too Large");
    }
    if (spent) {
        co_return busy();
    }
    if (ec) {
        co_return routing::message_response(400, "400 Bad request");
    }
    co_return std::nullopt;
}

/// After an answer that left request bytes unread (a refused body, a bad header): half-close,
/// then read and drop what the client still sends for a short while before closing. Closing a
/// socket with unread input sends a reset, which can destroy the answer in the client's buffers
/// before it reads it (nginx's lingering close does the same).
net::awaitable<void> linger(beast::tcp_stream& stream) {
    constexpr auto budget = std::chrono::seconds(2);
    constexpr std::size_t max_bytes = 8U << 20;
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 16384> sink{};
    std::size_t dropped = 0;
    stream.expires_after(budget);
    while (dropped < max_bytes) {
        auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
        if (ec) {
            break;
        }
        dropped += n;
    }
}

/// The status a failed header read is answered with, or nothing when there is nobody to answer
/// (the client was slow, went away, or the server is shutting down).
std::optional<unsigned> header_failure_status(const beast::error_code& ec) {
    if (ec == http::error::header_limit) {
        return 431;
    }
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted ||
        ec == net::error::bad_descriptor) {
        return std::nullopt;
    }
    return 400;
}

routing::response status_response(unsigned status) {
    switch (status) {
    case 431:
        return routing::message_response(431, "431 Request Header Fields Too Large");
    case 501:
        return routing::message_response(501, "501 Not Implemented");
    default:
        return routing::message_response(400, "400 Bad request");
    }
}

} // namespace

net::awaitable<void> run_session(tcp::socket socket, server& srv, worker& w) {
    const config& cfg = srv.cfg();
    beast::tcp_stream stream(std::move(socket));
    std::string remote;
    {
        boost::system::error_code ec;
        const auto ep = stream.socket().remote_endpoint(ec);
        remote = ec ? "-" : ep.address().to_string();
    }
    session_slot slot;
    slot.cancel = [&stream] {
        boost::system::error_code ignored;
        stream.socket().close(ignored);
    };
    const server::session_registration registered(srv, w, slot);
    auto log_line = [&](std::string_view method, std::string_view target, unsigned status,
                        std::uint64_t bytes, std::chrono::steady_clock::time_point started) {
        if (!cfg.access_log) {
            return;
        }
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
        write_access_log(
            {remote, method, target, status, bytes, static_cast<std::uint64_t>(micros)});
    };

    beast::flat_buffer buffer;
    for (;;) {
        if (srv.stopping()) {
            break;
        }
        // Wait for the next request with the idle timeout; the header timeout starts with its
        // first byte.
        if (buffer.size() == 0) {
            if (buffer.capacity() > idle_buffer_keep) {
                buffer.shrink_to_fit();
            }
            buffer.max_size(cfg.header_limit);
            stream.expires_after(cfg.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
            if (ec) {
                break;
            }
            buffer.commit(n);
        }
        slot.busy = true;
        const auto started = std::chrono::steady_clock::now();
        header_parser parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        stream.expires_after(cfg.header_timeout);
        const auto hec = co_await read_header(stream, buffer, parser, cfg.header_limit);
        std::optional<unsigned> refused;
        if (hec) {
            refused = header_failure_status(hec);
            if (!refused) {
                break;
            }
        } else if (const auto bad = check_framing(parser.get(), parser.get().version())) {
            refused = bad->status;
        }
        if (refused) {
            // The body's length is unknown or untrusted: answer and close.
            auto [wec, bytes, status] =
                co_await write_response(stream, status_response(*refused), false, false, 11);
            log_line(hec ? "-" : parser.get().method_string(), hec ? "-" : parser.get().target(),
                     status, bytes, started);
            if (!wec) {
                co_await linger(stream);
            }
            break;
        }
        auto& header = parser.get();
        routing::request req;
        fill_request(req, header);
        req.remote = remote;
        const bool head = req.verb == routing::method::head;

        const auto content_length = parser.content_length();
        auto begun = srv.app().begin(
            req, content_length ? std::optional<std::uint64_t>(*content_length) : std::nullopt);
        routing::response res;
        bool close_after = false;
        byte_budget::lease body_memory;
        const bool has_body = !parser.is_done();
        const bool expects_continue = routing::iequals(req.header("Expect"), "100-continue");
        auto discard = [&]() -> net::awaitable<bool> {
            // Drop an unwanted body if it is small; otherwise the connection must close.
            if (!has_body) {
                co_return true;
            }
            if (!content_length || *content_length > discard_limit) {
                co_return false;
            }
            bool over = false;
            auto ec = co_await read_body(
                stream, buffer, parser, discard_limit, cfg.header_timeout,
                [](std::string_view) { return std::error_code{}; }, over);
            co_return !ec && !over;
        };
        if (begun.early) {
            res = std::move(*begun.early);
            // A client waiting for 100 Continue never sends the body: close instead of waiting.
            if (has_body && (expects_continue || !(co_await discard()))) {
                close_after = true;
            }
        } else {
            auto& ctx = *begun.ctx;
            switch (begun.body) {
            case routing::body_kind::none:
                if (has_body && !(co_await discard())) {
                    close_after = true;
                }
                res = co_await srv.app().finish(ctx);
                break;
            case routing::body_kind::small: {
                if (auto refused_body = co_await read_small_body(stream, buffer, parser, srv, req,
                                                                 body_memory, expects_continue)) {
                    res = std::move(*refused_body);
                    close_after = true;
                    break;
                }
                res = co_await srv.app().finish(ctx);
                break;
            }
            case routing::body_kind::stream: {
                auto outcome = co_await receive_upload(stream, buffer, parser, srv, *ctx.upload,
                                                       expects_continue);
                if (outcome) {
                    res = std::move(*outcome);
                    close_after = true;
                    break;
                }
                res = co_await srv.app().finish(ctx);
                break;
            }
            }
        }
        const bool keep_alive =
            header.keep_alive() && !close_after && !res.close && !srv.stopping();
        auto [wec, bytes, status] =
            co_await write_response(stream, std::move(res), head, keep_alive, header.version());
        log_line(header.method_string(), header.target(), status, bytes, started);
        slot.busy = false;
        if (!wec && close_after) {
            co_await linger(stream);
        }
        if (wec || !keep_alive) {
            break;
        }
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
}

} // namespace packyard::server
