#include "server/request_id.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <thread>

using packyard::server::next_request_id;

namespace {

constexpr std::string_view digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The 48-bit time part of a ULID: its first 10 digits (50 bits, the top 2 zero).
std::uint64_t ulid_ms(std::string_view id) {
    std::uint64_t v = 0;
    for (char c : id.substr(0, 10)) {
        v = v << 5 | digits.find(c);
    }
    return v;
}

std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

} // namespace

BOOST_AUTO_TEST_SUITE(request_id)

// ULIDs as labkit's correlation ids: Crockford's base32, time first, so that ids sort by time;
// within a thread they also sort by issue and never repeat (the monotonic mode).
BOOST_AUTO_TEST_CASE(ids_are_ulids_of_now_that_sort_by_issue) {
    const auto before = now_ms();
    std::string last;
    for (int i = 0; i < 200000; ++i) {
        const auto a = next_request_id();
        const std::string id(a.data(), a.size());
        BOOST_TEST_REQUIRE(id.find_first_not_of(digits) == std::string::npos, id);
        BOOST_TEST_REQUIRE(id[0] <= '7'); // 128 bits in 130
        BOOST_TEST_REQUIRE(id > last, last << " then " << id);
        last = id;
    }
    const auto after = now_ms();
    const auto first = next_request_id();
    const auto ms = ulid_ms({first.data(), first.size()});
    BOOST_TEST(ms >= before);
    BOOST_TEST(ms <= after + 1);
}

BOOST_AUTO_TEST_CASE(the_random_part_differs_between_threads) {
    const auto here = next_request_id();
    std::array<char, 26> there{};
    std::thread([&] { there = next_request_id(); }).join();
    // The same millisecond or not, the 80 random bits (the last 16 digits) are drawn per thread.
    BOOST_TEST(std::string_view(here.data() + 10, 16) != std::string_view(there.data() + 10, 16));
}

// The random bits are drawn in batches (server/request_id.cpp): each new millisecond still
// takes bits of its own, past the end of a batch too.
BOOST_AUTO_TEST_CASE(each_millisecond_takes_fresh_random_bits) {
    std::set<std::string> randoms;
    std::uint64_t last_ms = 0;
    while (randoms.size() < 200) {
        const auto a = next_request_id();
        const auto ms = ulid_ms({a.data(), a.size()});
        if (ms != last_ms) {
            last_ms = ms;
            const auto fresh = randoms.emplace(a.data() + 10, 16).second;
            BOOST_TEST_REQUIRE(fresh, "the random part repeats: " << std::string(a.data(), 26));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
