#include "server/response_header.hpp"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <ostream> // before status.hpp, which needs the complete std::ostream (GCC 12 with Boost 1.81)
#include <string_view>

namespace packyard::server {
namespace http = boost::beast::http;

void serialize_header(std::string& out, const routing::response& r, bool keep_alive,
                      unsigned version, std::optional<std::uint64_t> content_length) {
    auto field = [&out](std::string_view name, std::string_view value) {
        out.append(name);
        out.append(": ", 2);
        out.append(value);
        out.append("\r\n", 2);
    };
    const auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    char digits[24];
    out.reserve(320 + r.headers.size() * 48);
    out.append("HTTP/", 5);
    out.push_back(static_cast<char>('0' + version / 10));
    out.push_back('.');
    out.push_back(static_cast<char>('0' + version % 10));
    out.push_back(' ');
    out.append(digits, std::to_chars(digits, digits + sizeof digits, r.status).ptr);
    out.push_back(' ');
    out.append(reason.data(), reason.size());
    out.append("\r\n", 2);
    const bool json = r.content_type == "application/json";
    if (!r.content_type.empty()) {
        field("Content-Type", r.content_type);
    }
    for (const auto& [k, v] : r.headers) {
        if (json && (routing::iequals(k, "X-Content-Type-Options") ||
                     routing::iequals(k, "X-Frame-Options"))) {
            continue; // set() below replaces them
        }
        field(k, v);
    }
    if (r.header_lines) {
        out.append(*r.header_lines);
    }
    if (!r.request_id.empty()) {
        field("X-Request-Id", r.request_id);
    }
    if (json) {
        field("X-Content-Type-Options", "nosniff");
        field("X-Frame-Options", "SAMEORIGIN");
    }
    if (content_length) {
        field("Content-Length",
              {digits, std::to_chars(digits, digits + sizeof digits, *content_length).ptr});
    }
    if (version >= 11 && !keep_alive) {
        field("Connection", "close");
    } else if (version < 11 && keep_alive) {
        field("Connection", "keep-alive");
    }
    out.append("\r\n", 2);
}

} // namespace packyard::server
