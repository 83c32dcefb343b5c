#pragma once

// The bytes of every response header the server writes.

#include "routing/http_types.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace packyard::server {

/// Appends the header of r: the status line, Content-Type, the handler's headers in order
/// (then r.header_lines, which never hold the two safety headers, and X-Request-Id), GitLab's two
/// safety headers on JSON responses (replacing a handler's own, at the end), Content-Length unless
/// content_length is empty (204, 304), then Connection as keep_alive and the HTTP version decide.
/// Byte for byte what Beast's serializer writes for the same message
/// (tests/unit/server/response_header_test.cpp); written directly because building Beast's field
/// list costs an allocation per field, on every response.
void serialize_header(std::string& out, const routing::response& r, bool keep_alive,
                      unsigned version, std::optional<std::uint64_t> content_length);

} // namespace packyard::server
