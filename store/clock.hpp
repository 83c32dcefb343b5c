#pragma once

// Time as packyard stores it (milliseconds since the epoch, UTC) and the date formats it reads
// and writes, on std::chrono's calendar types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace packyard::store {

/// Milliseconds since the epoch, UTC.
std::int64_t now_ms() noexcept;

/// "2026-11-24T10:00:00.000Z" (24 characters, no terminator) into buf.
void format_iso8601(char* buf, std::int64_t ms) noexcept;
void append_iso8601(std::string& out, std::int64_t ms);
std::string iso8601(std::int64_t ms);

/// "YYYY-MM-DD" (a real calendar day) to ms at 00:00 UTC that day.
std::optional<std::int64_t> parse_date(std::string_view s) noexcept;

/// An HTTP date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT") or an ISO 8601 date-time
/// ("1994-11-06T08:49:37", any fraction or zone after the seconds ignored) to ms, UTC.
std::optional<std::int64_t> parse_http_date(std::string_view s) noexcept;

} // namespace packyard::store
