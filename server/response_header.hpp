#pragma once

// The bytes of a response header, written without building Beast's field list.

#include "routing/http_types.hpp"

#include <cstdint>
#include <string>

namespace packyard::server {

/// The header of a response with a body, byte for byte what Beast's serializer writes for the
/// message session.cpp would build with copy_headers, content_length and keep_alive (status
/// line, fields in insertion order, set() moving a field to the end, Content-Length, then
/// Connection as keep_alive decides).
/// Written directly because building Beast's field list costs an allocation per field, on
/// every response (tests/unit/server/response_header_test.cpp compares it with Beast's output).
void serialize_header(std::string& out, const routing::response& r, bool keep_alive,
                      unsigned version, std::uint64_t content_length);

} // namespace packyard::server
