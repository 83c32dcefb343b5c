// Dates a client sends (store/clock.cpp): parse_date for expires_at (tokens, members) and
// parse_http_date for If-Modified-Since (package downloads), ISO 8601 or IMF-fixdate. The input
// is the text.
//
// Invariants: a date that parses renders back to the same day (YYYY-MM-DD), and a timestamp to
// the same second; what renders parses again to the same instant.

#include "fuzz_support.hpp"
#include "store/clock.hpp"

#include <string>

using namespace packyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view s = fuzz::text(data, size);
    if (const auto day = store::parse_date(s)) {
        FUZZ_CHECK(*day % 86400000 == 0);
        FUZZ_CHECK(store::iso8601(*day).substr(0, 10) == s);
    }
    if (const auto when = store::parse_http_date(s)) {
        FUZZ_CHECK(*when % 1000 == 0);
        const std::string iso = store::iso8601(*when);
        FUZZ_CHECK(store::parse_http_date(iso) == when);
        if (s.size() >= 19 && s[4] == '-') {
            // Seconds may be 60 (a leap second): it rolls into the next minute.
            FUZZ_CHECK(iso.substr(0, 10) == s.substr(0, 10) || s.substr(17, 2) == "60");
        }
    }
    return 0;
}
