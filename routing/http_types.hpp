#pragma once

// The request and response as routing sees them: plain data, no sockets, no Beast. The server
// fills a request from the parsed header (views into its buffers) and writes the response.

#include "routing/shared_body.hpp"
#include "store/text.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace packyard::store::s3 {
class bucket;
}

namespace packyard::routing {

enum class method : std::uint8_t { get, head, post, put, patch, delete_, options, other };

std::string_view method_name(method m) noexcept;
method parse_method(std::string_view s) noexcept;

using store::iequals; // HTTP header names are compared ASCII case-insensitively

struct request {
    method verb = method::get;
    std::string_view target; ///< as received: encoded path plus "?query"
    std::string_view path;   ///< encoded path
    std::string_view query;  ///< encoded query, without '?'
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::string body;        ///< small bodies only; uploads stream elsewhere
    std::string_view remote; ///< peer address, for logs
    std::string_view id;     ///< the request id (X-Request-Id; server/request_id.hpp)

    /// First header with that name (case-insensitive), or empty.
    std::string_view header(std::string_view name) const noexcept;
    bool has_header(std::string_view name) const noexcept;
};

/// A file to send as the response body (downloads).
struct file_body {
    std::filesystem::path path;
    std::uint64_t size = 0;
};

/// An object in the blob store's bucket to stream as the response body (--blob-store s3
/// without --blob-direct-download): the server fetches it as it sends it.
struct remote_body {
    store::s3::bucket* bucket = nullptr;
    std::string sha256;
    std::uint64_t size = 0;
};

struct response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    /// Header lines serialized ahead of time (append_header_lines), written right after
    /// headers: a kept answer's, shared with the cache instead of copied field by field.
    std::shared_ptr<const std::string> header_lines;
    /// X-Request-Id, written after the header lines (set by the server on every response).
    std::string_view request_id;
    std::string body;
    /// A body shared with a cache (written as it is, never copied); replaces body when set.
    std::shared_ptr<const shared_body> shared;
    std::optional<file_body> file;
    std::optional<remote_body> remote;
    /// Close the connection after this response (e.g. an unread upload body).
    bool close = false;

    void set_header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
    }
};

/// Appends each header as HTTP/1.1 writes it, "Name: value\r\n", in order.
void append_header_lines(std::string& out,
                         const std::vector<std::pair<std::string, std::string>>& headers);

} // namespace packyard::routing
