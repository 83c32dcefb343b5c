// One connection, as a Beast loop: read a header (bounded in size and time), refuse ambiguous
// framing, let routing route and authenticate it, read or pump the body as the route says,
// let routing finish it, write the answer, log one line, loop on keep-alive. The pieces live
// in request_reader.cpp and response_writer.cpp; routing decides everything about meaning.

#include "routing/gitlab_errors.hpp"
#include "routing/limits.hpp"
#include "routing/metrics.hpp"
#include "server/access_log.hpp"
#include "server/request_framing.hpp"
#include "server/request_id.hpp"
#include "server/server.hpp"
#include "server/transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <limits>

namespace packyard::server {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

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

/// True once the server asked this session to stop (server::drain emits on its slot).
net::awaitable<bool> stop_requested() {
    auto state = co_await net::this_coro::cancellation_state;
    co_return state.cancelled() != net::cancellation_type::none;
}

} // namespace

net::awaitable<void> run_session(tcp::socket socket, server& srv, worker& w,
                                 std::shared_ptr<session_slot> slot) {
    // Stopping cancels the operation in progress (every socket wait supports it); the session
    // then unwinds through its own error paths instead of an exception.
    co_await net::this_coro::throw_if_cancelled(false);
    const config& cfg = srv.cfg();
    connection c{beast::tcp_stream(std::move(socket)), {}};
    std::string remote;
    {
        boost::system::error_code ec;
        const auto ep = c.stream.socket().remote_endpoint(ec);
        remote = ec ? "-" : ep.address().to_string();
    }
    const server::session_registration registered(srv, w, *slot);
    routing::metrics::registry* const meter = srv.metrics();
    // One answered request: its access line and its counts share one clock read.
    auto log_line = [&](routing::method verb, int route, std::string_view method,
                        std::string_view target, const written& out,
                        std::chrono::steady_clock::time_point started, std::string_view id) {
        if (!cfg.access_log && meter == nullptr) {
            return;
        }
        const auto micros =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                           std::chrono::steady_clock::now() - started)
                                           .count());
        if (meter != nullptr) {
            meter->request(route, verb, out.status, micros, c.received,
                           out.header_bytes + out.bytes);
        }
        if (cfg.access_log) {
            write_access_log({remote, method, target, out.status, out.bytes, micros, id});
        }
    };

    for (;;) {
        if (srv.stopping() || co_await stop_requested()) {
            break;
        }
        // Wait for the next request with the idle timeout; the header timeout starts with its
        // first byte.
        if (c.buffer.size() == 0) {
            if (c.buffer.capacity() > limits::idle_read_buffer) {
                c.buffer.shrink_to_fit();
            }
            c.buffer.max_size(cfg.header_limit);
            c.stream.expires_after(cfg.idle_timeout);
            auto [ec, n] = co_await c.stream.async_read_some(c.buffer.prepare(4096), use_tuple);
            if (ec) {
                break;
            }
            c.buffer.commit(n);
        }
        slot->busy = true;
        const auto started = std::chrono::steady_clock::now();
        const auto id_chars = next_request_id();
        const std::string_view id(id_chars.data(), id_chars.size());
        c.received = 0;
        header_parser parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        c.stream.expires_after(cfg.header_timeout);
        const auto hec = co_await read_header(c, parser, cfg.header_limit);
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
            auto refusal = status_response(*refused);
            refusal.request_id = id;
            const auto out = co_await write_response(c, std::move(refusal), false, false, 11,
                                                     srv.small_file_cache());
            log_line(hec ? routing::method::other
                         : routing::parse_method(parser.get().method_string()),
                     -1, hec ? "-" : parser.get().method_string(),
                     hec ? "-" : parser.get().target(), out, started, id);
            if (!out.ec) {
                co_await linger(c);
            }
            break;
        }
        auto& header = parser.get();
        routing::request req;
        fill_request(req, header);
        req.remote = remote;
        req.id = id;
        const bool head = req.verb == routing::method::head;
        const auto length = parser.content_length();
        auto begun =
            srv.app().begin(req, length ? std::optional<std::uint64_t>(*length) : std::nullopt);
        const int route = begun.route;
        routing::response res;
        bool close_after = false;
        byte_budget::lease body_memory;
        const bool has_body = !parser.is_done();
        const bool expects_continue = routing::iequals(req.header("Expect"), "100-continue");
        if (begun.early) {
            res = std::move(*begun.early);
            // A client waiting for 100 Continue never sends the body: close instead of waiting.
            if (has_body &&
                (expects_continue || !(co_await discard_body(c, parser, cfg.header_timeout)))) {
                close_after = true;
            }
        } else {
            auto& ctx = *begun.ctx;
            std::optional<routing::response> refused_body;
            switch (begun.body) {
            case routing::body_kind::none:
                if (has_body && !(co_await discard_body(c, parser, cfg.header_timeout))) {
                    close_after = true;
                }
                break;
            case routing::body_kind::small:
                refused_body =
                    co_await read_small_body(c, parser, srv, req, body_memory, expects_continue);
                break;
            case routing::body_kind::stream:
                refused_body = co_await receive_upload(c, parser, srv, *ctx.upload, body_memory,
                                                       expects_continue, id);
                break;
            }
            if (refused_body) {
                res = std::move(*refused_body);
                close_after = true;
            } else {
                res = co_await srv.app().finish(ctx);
            }
        }
        if (co_await stop_requested()) {
            break; // cut off at the drain deadline while the handler ran
        }
        const bool keep_alive =
            header.keep_alive() && !close_after && !res.close && !srv.stopping();
        res.request_id = id;
        const auto out = co_await write_response(c, std::move(res), head, keep_alive,
                                                 header.version(), srv.small_file_cache());
        log_line(req.verb, route, header.method_string(), header.target(), out, started, id);
        slot->busy = false;
        if (!out.ec && close_after) {
            co_await linger(c);
        }
        if (out.ec || !keep_alive) {
            break;
        }
    }
    boost::system::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    c.stream.socket().close(ignored);
}

} // namespace packyard::server
