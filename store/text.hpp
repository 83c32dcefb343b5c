#pragma once

// ASCII text helpers every floor uses: HTTP header names, case-insensitive path and name
// indexes, hex digests. One home so that "case-insensitive" means one thing everywhere.

#include <string>
#include <string_view>

namespace packyard::store {

constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII lower-case copy (bytes outside A-Z unchanged).
std::string lower(std::string_view s);

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// True when s starts with prefix, ignoring ASCII case.
inline bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

/// s without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_ows(std::string_view s) noexcept;

/// Lower-case hex of bytes.
std::string to_hex(std::string_view bytes);

/// The value of a hex digit, or -1.
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace packyard::store
