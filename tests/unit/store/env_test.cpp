#include "store/txn.hpp"
#include "temp_env.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace packyard::store;

BOOST_AUTO_TEST_SUITE(env)

// A full disk must fail a commit, never fault a page: with MDB_WRITEMAP LMDB writes through a
// shared writable map, and a page the file system cannot back (a full tmpfs) ends the process
// with SIGBUS. Without it LMDB writes with pwrite(2), which returns ENOSPC to the commit.
BOOST_AUTO_TEST_CASE(the_map_is_never_written_through_so_a_full_disk_fails_a_commit) {
    testing::temp_env e;
    unsigned flags = 0;
    BOOST_REQUIRE(mdb_env_get_flags(e.env->handle(), &flags) == 0);
    BOOST_TEST((flags & MDB_WRITEMAP) == 0u);
}

BOOST_AUTO_TEST_CASE(out_of_space_is_a_full_disk_or_a_full_map) {
    BOOST_TEST(out_of_space(std::make_error_code(std::errc::no_space_on_device)));
    BOOST_TEST(out_of_space(std::error_code(ENOSPC, std::system_category())));
    BOOST_TEST(out_of_space(std::error_code(EDQUOT, std::generic_category())));
    BOOST_TEST(out_of_space(lmdb_error(ENOSPC))); // a commit's pwrite
    BOOST_TEST(out_of_space(lmdb_error(MDB_MAP_FULL)));
    BOOST_TEST(!out_of_space(lmdb_error(EIO)));
    BOOST_TEST(!out_of_space(std::make_error_code(std::errc::io_error)));
    BOOST_TEST(!out_of_space(std::error_code(MDB_MAP_FULL, std::generic_category())));
    BOOST_TEST(!out_of_space(make_error_code(errc::conflict)));
    BOOST_TEST(!out_of_space(std::error_code{}));
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
