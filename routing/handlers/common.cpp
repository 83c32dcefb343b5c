#include "routing/handlers/common.hpp"

#include "store/error.hpp"
#include "store/log.hpp"

namespace packyard::routing::handlers {

response store_failure(std::string_view what, const std::error_code& ec) {
    if (ec == store::errc::too_long) {
        // Validation keeps every field within GitLab's limits; what still cannot be a key
        // (a deep group's full path, a long name with a long version) is the client's to fix.
        return bad_request("a name, path or version is too long");
    }
    log::error(what, ec);
    return store::out_of_space(ec) ? insufficient_storage() : internal_error();
}

response field_error(std::string_view field, std::string_view text) {
    json_writer w;
    w.begin_object()
        .key("message")
        .begin_object()
        .key(field)
        .begin_array()
        .str(text)
        .end_array()
        .end_object()
        .end_object();
    return json_response(400, w.take());
}

std::size_t char_count(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0; // skip continuation bytes
    }
    return n;
}

std::optional<std::pair<std::string_view, std::string>>
too_long(std::initializer_list<length_rule> fields) {
    for (const auto& f : fields) {
        if (char_count(f.value) > f.max) {
            return std::pair{f.field,
                             "is too long (maximum is " + std::to_string(f.max) + " characters)"};
        }
    }
    return std::nullopt;
}

bool valid_path(std::string_view s) {
    if (s.empty() || s.size() > 255 || s.front() == '-' || s.front() == '.' || s.back() == '.' ||
        s.ends_with(".git") || s.ends_with(".atom")) {
        return false;
    }
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace packyard::routing::handlers
