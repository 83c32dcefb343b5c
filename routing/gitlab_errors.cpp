#include "routing/gitlab_errors.hpp"

#include "routing/json.hpp"

#include <string>

namespace packyard::routing {
namespace {

response keyed(unsigned status, std::string_view key, std::string_view text) {
    response r;
    r.status = status;
    r.body.reserve(text.size() + key.size() + 8);
    r.body += "{\"";
    r.body += key;
    r.body += "\":";
    r.body += json_quote(text);
    r.body += '}';
    return r;
}

} // namespace

response message_response(unsigned status, std::string_view text) {
    return keyed(status, "message", text);
}

response error_response(unsigned status, std::string_view text) {
    return keyed(status, "error", text);
}

response structured_error(unsigned status, std::string_view message, std::string_view error) {
    response r;
    r.status = status;
    r.body = "{\"message\":" + json_quote(message) + ",\"error\":" + json_quote(error) + "}";
    return r;
}

response not_found(std::string_view what) {
    if (what.empty()) {
        return message_response(404, "404 Not Found");
    }
    std::string text = "404 ";
    text += what;
    text += " Not Found";
    return message_response(404, text);
}

response forbidden(std::string_view reason) {
    std::string text = "403 Forbidden - ";
    text += reason;
    return message_response(403, text);
}

response bad_request(std::string_view reason) {
    std::string text = "400 Bad request - ";
    text += reason;
    return message_response(400, text);
}

response no_content() {
    response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

response internal_error() {
    return message_response(500, "500 Internal Server Error");
}

response insufficient_storage() {
    return message_response(507, "507 Insufficient Storage");
}

} // namespace packyard::routing
