// One connection: read a header (bounded in size and time), route and authenticate it, read or
// stream the body as the route says, run the handler, write the response, loop on keep-alive.

#include "routing/gitlab_errors.hpp"
#include "routing/multipart.hpp"
#include "server/access_log.hpp"
#include "server/response_header.hpp"
#include "server/server.hpp"

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

/// A download: the header, then the bytes with sendfile(2) from the page cache
/// straight to the socket (no copy through user space, as nginx does).
net::awaitable<std::pair<beast::error_code, std::uint64_t>> send_file(beast::tcp_stream& stream,
                                                                      const routing::response& r,
                                                                      bool keep_alive,
                                                                      unsigned version) {
    const int fd = ::open(r.file->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        co_return std::pair{beast::error_code(errno, beast::generic_category()), std::uint64_t{0}};
    }
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } guard{fd};
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::string header_bytes;
    serialize_header(header_bytes, r, keep_alive, version, size);
    stream.expires_after(std::chrono::seconds(60));
    auto [hec, hn] = co_await net::async_write(stream, net::buffer(header_bytes), use_tuple);
    if (hec) {
        co_return std::pair{hec, std::uint64_t{0}};
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
                co_return std::pair{beast::error_code(beast::error::timeout),
                                    static_cast<std::uint64_t>(offset)};
            }
            continue;
        }
        // The file shrank (it cannot: blobs are immutable) or the peer went away.
        co_return std::pair{beast::error_code(n < 0 ? errno : EIO, beast::generic_category()),
                            static_cast<std::uint64_t>(offset)};
    }
    co_return std::pair{beast::error_code{}, size};
}

/// Writes the response; returns the bytes of body sent (for the log) or an error.
net::awaitable<std::pair<beast::error_code, std::uint64_t>>
write_response(beast::tcp_stream& stream, routing::response&& r, bool head, bool keep_alive,
               unsigned version) {
    stream.expires_after(std::chrono::seconds(60));
    if (head || r.status == 204 || r.status == 304) {
        std::optional<std::uint64_t> length; // 204 and 304 carry none
        if (r.status != 204 && r.status != 304) {
            length = r.file ? r.file->size : r.body.size();
        }
        std::string header_bytes;
        serialize_header(header_bytes, r, keep_alive, version, length);
        auto [ec, n] = co_await net::async_write(stream, net::buffer(header_bytes), use_tuple);
        co_return std::pair{ec, std::uint64_t{0}};
    }
    if (r.file) {
        co_return co_await send_file(stream, r, keep_alive, version);
    }
    const std::uint64_t size = r.body.size();
    std::string header_bytes;
    serialize_header(header_bytes, r, keep_alive, version, size);
    const std::array<net::const_buffer, 2> buffers{net::buffer(header_bytes), net::buffer(r.body)};
    auto [ec, n] = co_await net::async_write(stream, buffers, use_tuple);
    co_return std::pair{ec, size};
}

/// Streams an upload body into a temp blob (unwrapping a multipart "file" part), then fsyncs it
/// off the I/O thread. Returns a response to send instead of running the handler.
net::awaitable<std::optional<routing::response>>
receive_upload(beast::tcp_stream& stream, beast::flat_buffer& buffer, header_parser& parser,
               server& srv, routing::request_context& ctx, bool expects_continue) {
    const config& cfg = srv.cfg();
    const std::uint64_t limit = cfg.app.max_upload_size;
    const auto content_length = parser.content_length();
    // A multipart envelope adds a little to the file's own size.
    const bool multipart = routing::multipart_boundary(ctx.req.header("Content-Type")).has_value();
    const std::uint64_t wire_limit = multipart ? limit + 64 * 1024 : limit;
    if (content_length && *content_length > wire_limit) {
        co_return routing::message_response(413, "413 Request Entity Too Large");
    }
    auto upload = store::blob_upload::create(ctx.svc.blobs->tmp_dir());
    if (!upload) {
        log_message(cfg.log, "cannot create an upload file: " + upload.error().message());
        co_return routing::internal_error();
    }
    if (expects_continue) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        stream.expires_after(cfg.header_timeout);
        auto [cec, cn] = co_await http::async_write(stream, cont, use_tuple);
        if (cec) {
            co_return routing::message_response(400, "400 Bad request");
        }
    }
    std::optional<routing::multipart_extractor> mp;
    if (auto boundary = routing::multipart_boundary(ctx.req.header("Content-Type"))) {
        mp.emplace(*boundary, "file");
    }
    std::error_code write_error;
    const routing::multipart_extractor::sink to_file = [&](std::string_view s) {
        return upload->write(s);
    };
    bool over = false;
    auto ec = co_await read_body(
        stream, buffer, parser, wire_limit, cfg.header_timeout,
        [&](std::string_view chunk) -> std::error_code {
            if (mp) {
                if (!mp->feed(chunk, to_file)) {
                    write_error =
                        mp->error() ? mp->error() : std::make_error_code(std::errc::bad_message);
                }
            } else {
                write_error = upload->write(chunk);
            }
            return write_error;
        },
        over);
    if (over || upload->size() > limit) {
        co_return routing::message_response(413, "413 Request Entity Too Large");
    }
    if (write_error == std::errc::bad_message) {
        co_return routing::bad_params("file is missing");
    }
    if (write_error) {
        log_message(cfg.log, "upload write failed: " + write_error.message());
        co_return routing::internal_error();
    }
    if (ec) {
        co_return routing::message_response(400, "400 Bad request");
    }
    if (mp && !mp->complete()) {
        co_return routing::bad_params("file is missing");
    }
    // fsync can take milliseconds: keep it off the I/O thread.
    store::result<store::blob_digest> digest{boost::system::in_place_error,
                                             std::make_error_code(std::errc::io_error)};
    co_await net::co_spawn(
        srv.blocking_pool(),
        [&]() -> net::awaitable<void> {
            digest = upload->finish();
            co_return;
        },
        net::use_awaitable);
    if (!digest) {
        log_message(cfg.log, "upload fsync failed: " + digest.error().message());
        co_return routing::internal_error();
    }
    ctx.upload.emplace(std::move(*upload));
    ctx.upload_digest = *digest;
    co_return std::nullopt;
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
    w.sessions.push_front(&slot);
    const auto registered = w.sessions.begin();
    struct unregister {
        worker& w;
        std::list<session_slot*>::iterator it;
        ~unregister() { w.sessions.erase(it); }
    } guard{w, registered};

    beast::flat_buffer buffer;
    for (;;) {
        if (srv.stopping()) {
            break;
        }
        // Wait for the next request with the idle timeout; the header timeout starts with its
        // first byte.
        if (buffer.size() == 0) {
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
        parser.header_limit(static_cast<std::uint32_t>(cfg.header_limit));
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        stream.expires_after(cfg.header_timeout);
        auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        if (hec) {
            routing::response r;
            if (hec == http::error::header_limit) {
                r = routing::message_response(431, "431 Request Header Fields Too Large");
            } else if (hec == beast::error::timeout || hec == http::error::end_of_stream ||
                       hec == net::error::eof || hec == net::error::connection_reset ||
                       hec == net::error::operation_aborted) {
                break; // slow, gone, or shut down: nothing to answer
            } else {
                r = routing::message_response(400, "400 Bad request");
            }
            auto [wec, bytes] = co_await write_response(stream, std::move(r), false, false, 11);
            write_access_log(cfg.log, {remote, "-", "-", 400, bytes, 0});
            break;
        }
        auto& header = parser.get();
        routing::request req;
        fill_request(req, header);
        req.remote = remote;
        const bool head = req.verb == routing::method::head;

        auto begun = srv.app().begin(req);
        routing::response res;
        bool close_after = false;
        const auto content_length = parser.content_length();
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
                const std::uint64_t limit = cfg.app.max_small_body;
                if (content_length && *content_length > limit) {
                    res = routing::message_response(413, "413 Request Entity Too Large");
                    close_after = true;
                    break;
                }
                bool over = false;
                auto ec = co_await read_body(
                    stream, buffer, parser, limit, cfg.header_timeout,
                    [&req](std::string_view s) {
                        req.body.append(s);
                        return std::error_code{};
                    },
                    over);
                if (ec || over) {
                    close_after = true;
                    res = over ? routing::message_response(413, "413 Request Entity Too Large")
                               : routing::message_response(400, "400 Bad request");
                    break;
                }
                res = co_await srv.app().finish(ctx);
                break;
            }
            case routing::body_kind::stream: {
                auto outcome =
                    co_await receive_upload(stream, buffer, parser, srv, ctx, expects_continue);
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
        const unsigned status = res.status;
        auto [wec, bytes] =
            co_await write_response(stream, std::move(res), head, keep_alive, header.version());
        if (cfg.access_log) {
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
            write_access_log(cfg.log, {remote, header.method_string(), header.target(), status,
                                       bytes, static_cast<std::uint64_t>(micros)});
        }
        slot.busy = false;
        if (wec || !keep_alive) {
            break;
        }
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
}

} // namespace packyard::server
