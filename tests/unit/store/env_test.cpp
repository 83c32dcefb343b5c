#include "store/txn.hpp"
#include "temp_env.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace packyard::store;

BOOST_AUTO_TEST_SUITE(env)

BOOST_AUTO_TEST_CASE(stats_report_the_map_pages_and_reader_slots) {
    testing::temp_env e(1ULL << 26);
    const auto before = e.env->stats();
    BOOST_TEST(before.map_size == 1ULL << 26);
    BOOST_TEST(before.page_size >= 4096u);
    BOOST_TEST(before.max_readers == 510u);
    {
        auto t = write_txn::begin(*e.env);
        BOOST_REQUIRE(t);
        const std::string value(64 * 1024, 'x'); // overflow pages: the file grows
        BOOST_REQUIRE(!put(*t, t->db().meta, "big", value));
        BOOST_REQUIRE(!t->commit());
    }
    BOOST_TEST(e.env->stats().pages_used >= before.pages_used + 16);
    auto r = read_txn::begin(*e.env);
    BOOST_REQUIRE(r);
    const auto during = e.env->stats();
    BOOST_TEST(during.readers >= 1u);
    BOOST_TEST(during.active_readers == 1u);
}

// Id-keyed databases use a faster comparator; it must order keys exactly as LMDB's default
// (memcmp, shorter first), or a folder written by one build would be corrupt for another.
BOOST_AUTO_TEST_CASE(id_key_order_is_memcmp_order) {
    testing::temp_env e;
    std::mt19937_64 rng(11);
    std::vector<std::string> keys;
    for (int i = 0; i < 3000; ++i) {
        const std::size_t len =
            std::vector<std::size_t>{8, 16, 24, 8, 16, 3, 12, 32, 40}[rng() % 9];
        std::string k(len, '\0');
        for (auto& c : k) {
            // Few distinct bytes so that long common prefixes and 0x80+ bytes both occur.
            const unsigned char pick[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
            c = static_cast<char>(pick[rng() % 6]);
        }
        if (len % 8 == 0 && i % 2 == 0) {
            // Half the whole-word keys are made of three possible words, so keys of different
            // lengths share whole-word prefixes (a prefix seek against longer keys).
            const char* words[] = {"\x00\x00\x00\x00\x00\x00\x00\x07",
                                   "\x00\x00\x00\x00\x00\x00\x01\x00",
                                   "\x80\x00\x00\x00\x00\x00\x00\x00"};
            for (std::size_t w = 0; w < len; w += 8) {
                k.replace(w, 8, words[rng() % 3], 8);
            }
        }
        keys.push_back(k);
    }
    {
        auto t = write_txn::begin(*e.env);
        for (const auto& k : keys) {
            BOOST_REQUIRE(!put(*t, t->db().build_infos, k, "v"));
        }
        BOOST_REQUIRE(!t->commit());
    }
    std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
        const int d = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
        return d != 0 ? d < 0 : a.size() < b.size();
    });
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    auto t = read_txn::begin(*e.env);
    cursor c(*t, t->db().build_infos);
    std::vector<std::string> stored;
    for (bool ok = c.first(); ok; ok = c.next()) {
        stored.emplace_back(c.key());
    }
    BOOST_TEST(stored.size() == keys.size());
    BOOST_TEST((stored == keys));
}

BOOST_AUTO_TEST_SUITE_END()
