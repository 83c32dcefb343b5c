#include "routing/handlers/common.hpp"

#include <ctime>
#include <iostream>

namespace packyard::routing::handlers {

response store_failure(std::string_view what, const std::error_code& ec) {
    if (ec == store::errc::too_long) {
        // Validation keeps every field within GitLab's limits; what still cannot be a key
        // (a deep group's full path, a long name with a long version) is the client's to fix.
        return bad_request("a name, path or version is too long");
    }
    std::cerr << "packyard: " << what << ": " << ec.message() << '\n';
    return internal_error();
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

std::optional<std::int64_t> parse_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') {
        return std::nullopt;
    }
    auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (s[i] < '0' || s[i] > '9') {
                return std::nullopt;
            }
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    const auto y = num(0, 4);
    const auto m = num(5, 2);
    const auto d = num(8, 2);
    if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = *y - 1900;
    tm.tm_mon = *m - 1;
    tm.tm_mday = *d;
    const std::time_t t = timegm(&tm);
    if (tm.tm_mday != *d) {
        return std::nullopt; // normalised: e.g. 2023-02-30
    }
    return static_cast<std::int64_t>(t) * 1000;
}

} // namespace packyard::routing::handlers
