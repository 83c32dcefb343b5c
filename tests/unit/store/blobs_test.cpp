// Blob files: an upload hashes what it writes, moves into place once, and leaves nothing behind
// when it is dropped.

#include "store/blobs.hpp"
#include "temp_env.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace packyard::store;

namespace {

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::size_t files_in(const std::filesystem::path& dir) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        n += e.is_regular_file() ? 1U : 0U;
    }
    return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(blobs)

BOOST_FIXTURE_TEST_CASE(an_upload_hashes_every_byte_it_writes, testing::temp_env) {
    blob_store store(dir);
    auto u = blob_upload::create(store.tmp_dir());
    BOOST_REQUIRE(u);
    BOOST_REQUIRE(!u->write("hello "));
    BOOST_REQUIRE(!u->write("world"));
    auto d = u->finish();
    BOOST_REQUIRE(d);
    // Known digests of "hello world".
    BOOST_TEST(d->md5 == "5eb63bbbe01eeed093cb22bb8f5acdc3");
    BOOST_TEST(d->sha1 == "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed");
    BOOST_TEST(d->sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    BOOST_TEST(d->size == 11u);
    BOOST_REQUIRE(!store.link(*u, d->sha256));
    BOOST_TEST(read_all(store.path_of(d->sha256)) == "hello world");
    BOOST_TEST(files_in(store.tmp_dir()) == 0u);
    // Linking again (a job run twice) finds the bytes in place.
    BOOST_TEST(!store.link(*u, d->sha256));
}

BOOST_FIXTURE_TEST_CASE(the_same_bytes_are_kept_once, testing::temp_env) {
    blob_store store(dir);
    std::string sha;
    for (int i = 0; i < 2; ++i) {
        auto u = blob_upload::create(store.tmp_dir());
        BOOST_REQUIRE(!u->write("same"));
        auto d = u->finish();
        sha = d->sha256;
        BOOST_REQUIRE(!store.link(*u, sha));
    }
    BOOST_TEST(files_in(dir / "blobs") == 1u);
    BOOST_TEST(files_in(store.tmp_dir()) == 0u);
    BOOST_TEST(store.list_blobs() == std::vector<std::string>{sha},
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_dropped_upload_leaves_no_temp_file, testing::temp_env) {
    blob_store store(dir);
    {
        auto u = blob_upload::create(store.tmp_dir());
        BOOST_REQUIRE(!u->write("half"));
        BOOST_TEST(files_in(store.tmp_dir()) == 1u);
    }
    BOOST_TEST(files_in(store.tmp_dir()) == 0u);
    { std::ofstream(store.tmp_dir() / "upload-from-a-killed-process") << "x"; }
    BOOST_TEST(store.sweep_tmp() == 1u);
    BOOST_TEST(files_in(store.tmp_dir()) == 0u);
}

BOOST_FIXTURE_TEST_CASE(only_sha256_names_are_linked_or_removed, testing::temp_env) {
    blob_store store(dir);
    auto u = blob_upload::create(store.tmp_dir());
    BOOST_REQUIRE(!u->write("x"));
    BOOST_REQUIRE(u->finish());
    BOOST_TEST((store.link(*u, "../../etc/passwd") == make_error_code(errc::invalid_argument)));
    { std::ofstream(dir / "blobs" / "keep.txt") << "not a blob"; }
    store.remove("keep.txt");
    BOOST_TEST(std::filesystem::exists(dir / "blobs" / "keep.txt"));
    BOOST_TEST(is_sha256_hex(std::string(64, 'a')));
    BOOST_TEST(!is_sha256_hex(std::string(64, 'A')));
    BOOST_TEST(!is_sha256_hex(std::string(63, 'a')));
}

BOOST_AUTO_TEST_SUITE_END()
