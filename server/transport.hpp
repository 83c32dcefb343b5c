#pragma once

// The pieces of one HTTP/1.1 exchange below the session loop (server/session.cpp): reading a
// header and a body within their limits and deadlines (request_reader.cpp), and writing a
// response or a file (response_writer.cpp). Nothing here knows a route or a handler.

#include "routing/http_types.hpp"
#include "routing/upload_sink.hpp"
#include "server/byte_budget.hpp"
#include "server/small_files.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream> // before Beast's http headers (GCC 12 + Boost 1.81)
#include <system_error>

namespace packyard::server {

class server;

/// The completion token of every socket operation here: errors come back as values, and a
/// session unwinds through its own error paths instead of exceptions.
inline constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

/// One connection's socket and the bytes read from it but not yet parsed.
struct connection {
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
    /// Request bytes the parser took (header and body as framed on the wire), for the
    /// metrics; the session zeroes it before each request.
    std::uint64_t received = 0;
};

using header_parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

// ---- reading (request_reader.cpp)

/// Reads a request header, counting the whole block against limit (431 past it).
boost::asio::awaitable<boost::beast::error_code> read_header(connection& c, header_parser& p,
                                                             std::size_t limit);
/// The status a failed header read is answered with, or nothing when there is nobody to answer
/// (slow, gone, shutting down).
std::optional<unsigned> header_failure_status(const boost::beast::error_code& ec);
/// "100 Continue" when an HTTP/1.1 client waits for it (RFC 9110 §10.1.1: never to HTTP/1.0).
boost::asio::awaitable<boost::beast::error_code>
send_continue(connection& c, unsigned version, bool expects_continue, std::chrono::seconds timeout);
/// Reads and drops a body of at most limits::discarded_body bytes; false when the connection
/// must close instead (too large, unknown length, or the read failed).
boost::asio::awaitable<bool> discard_body(connection& c, header_parser& p,
                                          std::chrono::seconds timeout);
/// Reads a small body into req.body within its own limit and the process-wide budget.
/// Returns the answer to send instead (413, 503, 408, 400).
boost::asio::awaitable<std::optional<routing::response>>
read_small_body(connection& c, header_parser& p, server& srv, routing::request& req,
                byte_budget::lease& held, bool expects_continue);
/// Pumps a stream route's body into its upload sink and finishes the sink off the I/O thread;
/// what the sink holds in memory (an npm body's metadata) is taken from the process-wide
/// budget. What the sink logs carries request_id. Returns the answer to send instead, the temp
/// file then already removed.
boost::asio::awaitable<std::optional<routing::response>>
receive_upload(connection& c, header_parser& p, server& srv, routing::upload_sink& sink,
               byte_budget::lease& held, bool expects_continue, std::string_view request_id);
/// After an answer that left request bytes unread: half-close, read and drop for a while.
boost::asio::awaitable<void> linger(connection& c);

// ---- writing (response_writer.cpp)

/// What writing a response did: the error that ended it, the body bytes sent, and the status
/// actually answered (a file that cannot be opened answers 404 or 503 instead).
struct written {
    boost::beast::error_code ec;
    std::uint64_t bytes = 0;
    unsigned status = 0;
    std::uint64_t header_bytes = 0; ///< the status line and fields (for the metrics)
};
/// Writes the response: header and body, header alone (HEAD, 204, 304), or a file (a small
/// one from `files` or read whole, a larger one with sendfile(2)), opened before its status
/// goes out.
boost::asio::awaitable<written> write_response(connection& c, routing::response&& r, bool head,
                                               bool keep_alive, unsigned version,
                                               small_files& files);

} // namespace packyard::server
