#include "store/codec.hpp"
#include "store/txn.hpp"
#include "temp_env.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
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

BOOST_FIXTURE_TEST_CASE(a_reader_slot_left_by_a_killed_process_is_freed, testing::temp_env) {
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
        // A second process with a snapshot open, gone without closing it (a killed backup).
        MDB_env* e = nullptr;
        MDB_txn* t = nullptr;
        if (mdb_env_create(&e) != 0 ||
            mdb_env_open(e, dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0640) != 0 ||
            mdb_txn_begin(e, nullptr, MDB_RDONLY, &t) != 0) {
            ::_exit(1);
        }
        ::_exit(0);
    }
    int status = 0;
    BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
    BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    BOOST_TEST(env->active_readers() == 1u);
    BOOST_TEST(env->clear_stale_readers() == 1u);
    BOOST_TEST(env->active_readers() == 0u);
    BOOST_TEST(env->clear_stale_readers() == 0u);
}

BOOST_AUTO_TEST_CASE(a_read_only_open_writes_nothing) {
    testing::temp_env e;
    e.env.reset(); // one environment per folder and process
    env_options o;
    o.dir = e.dir / "nothing-here";
    o.read_only = true;
    BOOST_TEST(!environment::open(o));
    BOOST_TEST(!std::filesystem::exists(o.dir));
    o.dir = e.dir;
    auto ro = environment::open(o);
    BOOST_REQUIRE(ro);
    auto t = read_txn::begin(**ro);
    BOOST_REQUIRE(t);
    BOOST_TEST(!get(*t, t->db().users, u64_key(1)).has_value());
}

BOOST_AUTO_TEST_CASE(a_read_only_open_refuses_an_older_layout) {
    testing::temp_env e;
    {
        auto t = write_txn::begin(*e.env);
        value_writer w;
        w.u32(schema_version - 1);
        BOOST_REQUIRE(!put(*t, t->db().meta, "schema_version", w.view()));
        BOOST_REQUIRE(!t->commit());
    }
    e.env.reset();
    env_options o;
    o.dir = e.dir;
    o.read_only = true;
    auto ro = environment::open(o);
    BOOST_REQUIRE(!ro);
    BOOST_TEST((ro.error() == errc::schema_too_old));
}

BOOST_AUTO_TEST_SUITE_END()
