// Reading a request: the header block, then the body as the route wants it, each within its
// limits (routing/limits.hpp) and deadlines. docs/decisions/0008-request-limits.md says why.

#include "routing/gitlab_errors.hpp"
#include "routing/limits.hpp"
#include "routing/metrics.hpp"
#include "server/server.hpp"
#include "server/transport.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <vector>

namespace packyard::server {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

using clock = std::chrono::steady_clock;

routing::response timed_out() {
    return routing::message_response(408, "408 Request Timeout");
}

routing::response too_large() {
    return routing::message_response(413, "413 Request Entity Too Large");
}

routing::response busy() {
    auto r = routing::message_response(503, "503 Service Unavailable");
    r.set_header("Retry-After", "1");
    return r;
}

/// Reads the rest of the body into sink(chunk), each read within per_read and the whole body
/// before deadline (beast::error::timeout otherwise, with the socket still open so the 408 can
/// go out: the stream's own expiry would close it); past limit bytes it stops and sets
/// over_limit.
template <class Sink>
net::awaitable<beast::error_code>
read_body(connection& c, header_parser& p, std::uint64_t limit, std::chrono::seconds per_read,
          clock::time_point deadline, Sink&& sink, bool& over_limit) {
    using namespace net::experimental::awaitable_operators;
    std::vector<char> chunk(limits::body_chunk);
    std::uint64_t total = 0;
    c.stream.expires_never();
    net::steady_timer timer(c.stream.get_executor());
    while (!p.is_done()) {
        p.get().body().data = chunk.data();
        p.get().body().size = chunk.size();
        timer.expires_at(std::min(clock::now() + per_read, deadline));
        // Whichever finishes first cancels the other.
        auto first = co_await (http::async_read(c.stream, c.buffer, p, use_tuple) ||
                               timer.async_wait(use_tuple));
        if (first.index() == 1) {
            co_return beast::error::timeout;
        }
        auto [ec, n] = std::get<0>(first);
        c.received += n;
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

} // namespace

net::awaitable<beast::error_code> read_header(connection& c, header_parser& p, std::size_t limit) {
    // Beast's own header_limit applies to what one parse call sees, and its reader hands the
    // parser only the bytes after the fields already parsed, so a header arriving in pieces
    // could outgrow it: the parser is fed by hand here and every byte it took counts.
    std::size_t consumed = 0;
    c.buffer.max_size(std::max(limit, c.buffer.size()));
    for (;;) {
        if (c.buffer.size() > 0) {
            beast::error_code ec;
            p.header_limit(static_cast<std::uint32_t>(limit - consumed));
            const std::size_t used = p.put(c.buffer.data(), ec);
            c.buffer.consume(used);
            consumed += used;
            c.received += used;
            if (!ec && p.is_header_done()) {
                break;
            }
            if (ec && ec != http::error::need_more) {
                co_return ec;
            }
            // Everything buffered now belongs to the unfinished header.
            if (consumed + c.buffer.size() >= limit) {
                co_return http::error::header_limit;
            }
        }
        const std::size_t room = c.buffer.max_size() - c.buffer.size();
        auto [ec, n] = co_await c.stream.async_read_some(
            c.buffer.prepare(std::min<std::size_t>(room, 8192)), use_tuple);
        if (ec) {
            co_return ec; // eof: the client left mid-header; nobody to answer
        }
        c.buffer.commit(n);
    }
    // From here the buffer holds what the parser has not consumed of the body: chunk-size
    // lines, extensions and trailers included, never more than this.
    c.buffer.max_size(std::max(limits::body_read_buffer, c.buffer.size()));
    co_return beast::error_code{};
}

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

net::awaitable<beast::error_code> send_continue(connection& c, unsigned version,
                                                bool expects_continue,
                                                std::chrono::seconds timeout) {
    if (!expects_continue || version < 11) {
        co_return beast::error_code{};
    }
    static constexpr std::string_view line = "HTTP/1.1 100 Continue\r\n\r\n";
    c.stream.expires_after(timeout);
    auto [ec, n] = co_await net::async_write(c.stream, net::buffer(line), use_tuple);
    co_return ec;
}

net::awaitable<bool> discard_body(connection& c, header_parser& p, std::chrono::seconds timeout) {
    if (p.is_done()) {
        co_return true;
    }
    const auto length = p.content_length();
    if (!length || *length > limits::discarded_body) {
        co_return false;
    }
    bool over = false;
    auto ec = co_await read_body(
        c, p, limits::discarded_body, timeout, clock::now() + timeout,
        [](std::string_view) { return std::error_code{}; }, over);
    co_return !ec && !over;
}

net::awaitable<std::optional<routing::response>> read_small_body(connection& c, header_parser& p,
                                                                 server& srv, routing::request& req,
                                                                 byte_budget::lease& held,
                                                                 bool expects_continue) {
    const config& cfg = srv.cfg();
    const std::uint64_t limit = cfg.app.max_small_body;
    const auto content_length = p.content_length();
    if (content_length && *content_length > limit) {
        co_return too_large();
    }
    // A known length is taken from the budget before a byte is read; a chunked body as it comes.
    if (content_length && !held.grow(srv.body_budget(), *content_length)) {
        co_return busy();
    }
    if (co_await send_continue(c, p.get().version(), expects_continue, cfg.header_timeout)) {
        co_return routing::message_response(400, "400 Bad request");
    }
    bool over = false;
    bool spent = false;
    auto ec = co_await read_body(
        c, p, limit, cfg.header_timeout, clock::now() + cfg.body_timeout,
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
        co_return too_large();
    }
    if (spent) {
        co_return busy();
    }
    if (ec == beast::error::timeout) {
        co_return timed_out();
    }
    if (ec) {
        co_return routing::message_response(400, "400 Bad request");
    }
    co_return std::nullopt;
}

namespace {

/// receive_upload's work: the body into the sink, then the sink finished.
net::awaitable<std::optional<routing::response>>
pump_upload(connection& c, header_parser& p, server& srv, routing::upload_sink& sink,
            byte_budget::lease& held, bool expects_continue, std::string_view request_id) {
    const config& cfg = srv.cfg();
    // The sink counts its own refusals; these are the transfer's.
    const auto failed = [&srv](routing::metrics::upload_failure why) {
        if (auto* m = srv.metrics()) {
            m->upload_failed(why);
        }
    };
    using why = routing::metrics::upload_failure;
    if (co_await send_continue(c, p.get().version(), expects_continue, cfg.header_timeout)) {
        failed(why::aborted);
        co_return routing::message_response(400, "400 Bad request");
    }
    std::optional<routing::response> refused;
    bool over = false;
    bool spent = false;
    auto ec = co_await read_body(
        c, p, sink.wire_limit(), cfg.header_timeout, clock::now() + cfg.upload_timeout,
        [&](std::string_view chunk) -> std::error_code {
            const log::request_scope in_request(request_id);
            refused = sink.write(chunk);
            if (!refused && sink.held() > held.bytes() &&
                !held.grow(srv.body_budget(), sink.held() - held.bytes())) {
                spent = true;
            }
            return refused || spent ? std::make_error_code(std::errc::operation_canceled)
                                    : std::error_code{};
        },
        over);
    if (over) {
        failed(why::too_large);
        co_return too_large();
    }
    if (spent) {
        failed(why::busy);
        co_return busy();
    }
    if (refused) {
        co_return std::move(refused);
    }
    if (ec == beast::error::timeout) {
        failed(why::timeout);
        co_return timed_out();
    }
    if (ec) {
        failed(why::aborted);
        co_return routing::message_response(400, "400 Bad request");
    }
    // fsync can take milliseconds: keep it off the I/O thread.
    co_await net::co_spawn(
        srv.blocking_pool(),
        [&]() -> net::awaitable<void> {
            const log::request_scope in_request(request_id);
            refused = sink.finish();
            co_return;
        },
        net::use_awaitable);
    co_return std::move(refused);
}

} // namespace

net::awaitable<std::optional<routing::response>>
receive_upload(connection& c, header_parser& p, server& srv, routing::upload_sink& sink,
               byte_budget::lease& held, bool expects_continue, std::string_view request_id) {
    auto refused = co_await pump_upload(c, p, srv, sink, held, expects_continue, request_id);
    if (refused) {
        // A refused or cut off upload's temp file goes before its answer is sent, not after
        // the lingering close that follows it (up to limits::linger_time later).
        sink.discard();
    }
    co_return refused;
}

net::awaitable<void> linger(connection& c) {
    // Closing a socket with unread input sends a reset, which can destroy the answer in the
    // client's buffers before it reads it (nginx's lingering close does the same).
    boost::system::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 16384> sink{};
    std::size_t dropped = 0;
    c.stream.expires_after(limits::linger_time);
    while (dropped < limits::linger_bytes) {
        auto [ec, n] = co_await c.stream.async_read_some(net::buffer(sink), use_tuple);
        if (ec) {
            break;
        }
        dropped += n;
    }
}

} // namespace packyard::server
