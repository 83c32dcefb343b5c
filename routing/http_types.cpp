#include "routing/http_types.hpp"

namespace packyard::routing {

std::string_view method_name(method m) noexcept {
    switch (m) {
    case method::get:
        return "GET";
    case method::head:
        return "HEAD";
    case method::post:
        return "POST";
    case method::put:
        return "PUT";
    case method::patch:
        return "PATCH";
    case method::delete_:
        return "DELETE";
    case method::options:
        return "OPTIONS";
    case method::other:
        break;
    }
    return "OTHER";
}

method parse_method(std::string_view s) noexcept {
    if (s == "GET") {
        return method::get;
    }
    if (s == "HEAD") {
        return method::head;
    }
    if (s == "POST") {
        return method::post;
    }
    if (s == "PUT") {
        return method::put;
    }
    if (s == "PATCH") {
        return method::patch;
    }
    if (s == "DELETE") {
        return method::delete_;
    }
    if (s == "OPTIONS") {
        return method::options;
    }
    return method::other;
}

std::string_view request::header(std::string_view name) const noexcept {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) {
            return v;
        }
    }
    return {};
}

bool request::has_header(std::string_view name) const noexcept {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) {
            return true;
        }
    }
    return false;
}

void append_header_lines(std::string& out,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
    for (const auto& [name, value] : headers) {
        out.append(name);
        out.append(": ", 2);
        out.append(value);
        out.append("\r\n", 2);
    }
}

} // namespace packyard::routing
