#include "store/clock.hpp"

#include <algorithm>
#include <array>
#include <chrono>

namespace packyard::store {
namespace {

namespace chr = std::chrono;

void put_digits(char* at, unsigned value, int width) noexcept {
    for (int i = width - 1; i >= 0; --i) {
        at[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

/// The decimal number in s[pos, pos + len), or nullopt if any of it is not a digit.
std::optional<unsigned> digits(std::string_view s, std::size_t pos, std::size_t len) noexcept {
    if (pos + len > s.size()) {
        return std::nullopt;
    }
    unsigned v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return std::nullopt;
        }
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return v;
}

std::optional<std::int64_t> to_ms(unsigned y, unsigned m, unsigned d, unsigned hh = 0,
                                  unsigned mm = 0, unsigned ss = 0) noexcept {
    const chr::year_month_day day{chr::year{static_cast<int>(y)}, chr::month{m}, chr::day{d}};
    if (!day.ok() || hh > 23 || mm > 59 || ss > 60) {
        return std::nullopt;
    }
    const auto t = chr::sys_days{day} + chr::hours{hh} + chr::minutes{mm} + chr::seconds{ss};
    return chr::duration_cast<chr::milliseconds>(t.time_since_epoch()).count();
}

} // namespace

std::int64_t now_ms() noexcept {
    return chr::duration_cast<chr::milliseconds>(chr::system_clock::now().time_since_epoch())
        .count();
}

void format_iso8601(char* buf, std::int64_t ms) noexcept {
    const chr::sys_time<chr::milliseconds> t{chr::milliseconds{ms}};
    const auto day = chr::floor<chr::days>(t);
    const chr::year_month_day ymd{day};
    const chr::hh_mm_ss<chr::milliseconds> time{t - day};
    constexpr std::string_view shape = "0000-00-00T00:00:00.000Z"; // 24 characters, no NUL
    std::copy(shape.begin(), shape.end(), buf);
    put_digits(buf, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
    put_digits(buf + 5, static_cast<unsigned>(ymd.month()), 2);
    put_digits(buf + 8, static_cast<unsigned>(ymd.day()), 2);
    put_digits(buf + 11, static_cast<unsigned>(time.hours().count()), 2);
    put_digits(buf + 14, static_cast<unsigned>(time.minutes().count()), 2);
    put_digits(buf + 17, static_cast<unsigned>(time.seconds().count()), 2);
    put_digits(buf + 20, static_cast<unsigned>(time.subseconds().count()), 3);
}

void append_iso8601(std::string& out, std::int64_t ms) {
    char buf[24];
    format_iso8601(buf, ms);
    out.append(buf, 24);
}

std::string iso8601(std::int64_t ms) {
    std::string s;
    append_iso8601(s, ms);
    return s;
}

std::optional<std::int64_t> parse_date(std::string_view s) noexcept {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') {
        return std::nullopt;
    }
    const auto y = digits(s, 0, 4);
    const auto m = digits(s, 5, 2);
    const auto d = digits(s, 8, 2);
    if (!y || !m || !d) {
        return std::nullopt;
    }
    return to_ms(*y, *m, *d);
}

std::optional<std::int64_t> parse_http_date(std::string_view s) noexcept {
    // ISO 8601: YYYY-MM-DDTHH:MM:SS...
    if (s.size() >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') &&
        s[13] == ':' && s[16] == ':') {
        const auto y = digits(s, 0, 4);
        const auto mo = digits(s, 5, 2);
        const auto d = digits(s, 8, 2);
        const auto h = digits(s, 11, 2);
        const auto mi = digits(s, 14, 2);
        const auto se = digits(s, 17, 2);
        if (!y || !mo || !d || !h || !mi || !se) {
            return std::nullopt;
        }
        return to_ms(*y, *mo, *d, *h, *mi, *se);
    }
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
    static constexpr std::array<std::string_view, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
        return std::nullopt;
    }
    unsigned month = 0;
    for (unsigned i = 0; i < months.size(); ++i) {
        if (s.substr(8, 3) == months[i]) {
            month = i + 1;
        }
    }
    const auto d = digits(s, 5, 2);
    const auto y = digits(s, 12, 4);
    const auto h = digits(s, 17, 2);
    const auto mi = digits(s, 20, 2);
    const auto se = digits(s, 23, 2);
    if (month == 0 || !d || !y || !h || !mi || !se) {
        return std::nullopt;
    }
    return to_ms(*y, month, *d, *h, *mi, *se);
}

} // namespace packyard::store
