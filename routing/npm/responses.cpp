#include "routing/npm/responses.hpp"

#include "routing/gitlab_errors.hpp"

#include <string>

namespace packyard::routing::npm {

response error(unsigned status, std::string_view text) {
    return structured_error(status, text, text);
}

response not_found(std::string_view resource) {
    const std::string reason = std::string(resource) + " not found";
    // ActiveSupport's titleize: every word capitalised.
    std::string message = "404 " + reason;
    bool word_start = true;
    for (char& c : message) {
        if (word_start && c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
        word_start = c == ' ';
    }
    return structured_error(404, message, reason);
}

response missing_attribute(std::string_view attribute) {
    const std::string reason = "\"" + std::string(attribute) + "\" not given";
    return structured_error(400, "400 Bad request - " + reason, reason);
}

} // namespace packyard::routing::npm
