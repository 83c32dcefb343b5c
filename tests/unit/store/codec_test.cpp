#include "store/codec.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <vector>

using namespace packyard::store;

namespace {
/// LMDB's default order: memcmp over unsigned bytes, shorter first on a common prefix
/// (std::string's operator< compares signed chars, which is not what LMDB does).
bool lmdb_less(std::string_view a, std::string_view b) {
    const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
    return c < 0 || (c == 0 && a.size() < b.size());
}
} // namespace

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(big_endian_keys_sort_numerically_under_memcmp) {
    const std::vector<std::uint64_t> values = {0, 1, 255, 256, 65535, 1ULL << 40, ~0ULL};
    for (std::size_t i = 1; i < values.size(); ++i) {
        BOOST_TEST(lmdb_less(u64_key(values[i - 1]), u64_key(values[i])));
    }
    std::vector<std::int64_t> signed_values = {-5000, -1, 0, 1, 1700000000000};
    for (std::size_t i = 1; i < signed_values.size(); ++i) {
        key_builder a;
        key_builder b;
        a.i64(signed_values[i - 1]);
        b.i64(signed_values[i]);
        BOOST_TEST(lmdb_less(a.str(), b.str()));
        BOOST_TEST(key_i64(b.view(), 0) == signed_values[i]);
    }
}

BOOST_AUTO_TEST_CASE(str0_keeps_prefixes_before_longer_names) {
    key_builder a;
    key_builder b;
    a.str0("ab").u64(99);
    b.str0("abc").u64(1);
    BOOST_TEST(lmdb_less(a.str(), b.str()));
}

BOOST_AUTO_TEST_CASE(values_round_trip_and_truncation_is_detected) {
    value_writer w;
    w.u8(7).u32(70000).u64(1ULL << 50).i64(-3).str("hello").opt_str(std::nullopt).opt_str("x");
    const std::string bytes = w.take();
    value_reader r(bytes);
    BOOST_TEST(r.u8() == 7);
    BOOST_TEST(r.u32() == 70000u);
    BOOST_TEST(r.u64() == (1ULL << 50));
    BOOST_TEST(r.i64() == -3);
    BOOST_TEST(r.str() == "hello");
    BOOST_TEST(!r.opt_str().has_value());
    BOOST_TEST(*r.opt_str() == "x");
    BOOST_TEST(r.ok());
    BOOST_TEST(r.at_end());
    value_reader cut(std::string_view(bytes).substr(0, 10));
    (void)cut.u8();
    (void)cut.u32();
    (void)cut.u64();
    BOOST_TEST(!cut.ok());
}

BOOST_AUTO_TEST_SUITE_END()
