#pragma once

// The fields of a response header: into a Beast message (HEAD, 204/304, file downloads), or
// as bytes written directly (every other response).

#include "routing/http_types.hpp"

#include <boost/beast/http/message.hpp>
#include <cstdint>
#include <ostream> // status.hpp alone needs the complete std::ostream (GCC 12, style.md §4.3)
#include <string>

namespace packyard::server {

/// Puts r's content type and headers into a Beast message, JSON responses with GitLab's two
/// safety headers (set(): they replace a handler's own, at the end).
template <class Body>
void copy_headers(boost::beast::http::response<Body>& res, const routing::response& r) {
    if (!r.content_type.empty()) {
        res.set(boost::beast::http::field::content_type, r.content_type);
    }
    for (const auto& [k, v] : r.headers) {
        res.insert(k, v);
    }
    if (r.content_type == "application/json") {
        res.set("X-Content-Type-Options", "nosniff");
        res.set("X-Frame-Options", "SAMEORIGIN");
    }
}

/// The header of a response with a body, byte for byte what Beast's serializer writes for a
/// message built with copy_headers, content_length and keep_alive (status line, fields in
/// insertion order, set() moving a field to the end, Content-Length, then Connection as
/// keep_alive decides).
/// Written directly because building Beast's field list costs an allocation per field, on
/// every response (tests/unit/server/response_header_test.cpp compares it with Beast's output).
void serialize_header(std::string& out, const routing::response& r, bool keep_alive,
                      unsigned version, std::uint64_t content_length);

} // namespace packyard::server
