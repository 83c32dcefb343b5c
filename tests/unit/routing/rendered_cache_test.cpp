// The rendered-page cache (packuments, simple pages): an entry serves only the generation it was
// rendered at, an older rendering never replaces a newer one, and bytes stay under the budget
// (least recently used out first). Large bodies live in sealed memory files that read back byte for
// byte.

#include "routing/npm/packument.hpp"
#include "routing/rendered_cache.hpp"
#include "routing/shared_body.hpp"

#include <boost/test/unit_test.hpp>
#include <fcntl.h>
#include <unistd.h>

using packyard::routing::rendered_cache;
using packyard::routing::shared_body;
using packyard::routing::npm::packument_key;

namespace {
std::shared_ptr<const shared_body> body(std::string s) {
    return std::make_shared<const shared_body>(std::move(s));
}
} // namespace

BOOST_AUTO_TEST_SUITE(rendered_cache_suite)

BOOST_AUTO_TEST_CASE(an_entry_serves_only_its_own_generation) {
    rendered_cache c(1 << 20);
    c.insert("k", 5, body("five"));
    BOOST_TEST(c.find("k", 4) == nullptr);
    BOOST_TEST(c.find("k", 6) == nullptr);
    BOOST_TEST_REQUIRE(c.find("k", 5) != nullptr);
    BOOST_TEST(c.find("k", 5)->read() == "five");
    c.insert("k", 3, body("three")); // a slow reader's older rendering
    BOOST_TEST(c.find("k", 3) == nullptr);
    BOOST_TEST(c.find("k", 5)->read() == "five");
    c.insert("k", 7, body("seven"));
    BOOST_TEST(c.find("k", 5) == nullptr);
    BOOST_TEST(c.find("k", 7)->read() == "seven");
    BOOST_TEST(c.bytes() == std::string("seven").size() + 1);
}

BOOST_AUTO_TEST_CASE(the_least_recently_used_leave_first_and_the_budget_holds) {
    rendered_cache c(100);
    c.insert("a", 1, body(std::string(30, 'a')));
    c.insert("b", 1, body(std::string(30, 'b')));
    c.insert("c", 1, body(std::string(30, 'c')));
    BOOST_TEST(c.find("a", 1) != nullptr); // a is now the most recent
    c.insert("d", 1, body(std::string(30, 'd')));
    BOOST_TEST(c.find("b", 1) == nullptr);
    BOOST_TEST(c.find("a", 1) != nullptr);
    BOOST_TEST(c.find("c", 1) != nullptr);
    BOOST_TEST(c.find("d", 1) != nullptr);
    BOOST_TEST(c.bytes() <= 100u);
    c.insert("huge", 1, body(std::string(200, 'h'))); // larger than the whole budget: not kept
    BOOST_TEST(c.find("huge", 1) == nullptr);
    BOOST_TEST(c.find("d", 1) != nullptr);
}

BOOST_AUTO_TEST_CASE(keys_differ_by_project_form_prefix_and_name) {
    const auto k = packument_key(1, "@a/b", false, "http://h/api/v4/projects/1");
    BOOST_TEST(k != packument_key(2, "@a/b", false, "http://h/api/v4/projects/1"));
    BOOST_TEST(k != packument_key(1, "@a/b", true, "http://h/api/v4/projects/1"));
    BOOST_TEST(k != packument_key(1, "@a/b", false, "http://g/api/v4/projects/1"));
    BOOST_TEST(k != packument_key(1, "@a/c", false, "http://h/api/v4/projects/1"));
}

BOOST_AUTO_TEST_CASE(large_bodies_live_in_sealed_memory_files) {
    for (const std::size_t size : {std::size_t{0}, shared_body::file_threshold - 1,
                                   shared_body::file_threshold, std::size_t{300000}}) {
        std::string bytes(size, '\0');
        for (std::size_t i = 0; i < size; ++i) {
            bytes[i] = static_cast<char>(i * 31 + i / 997);
        }
        const shared_body b(bytes);
        BOOST_TEST(b.size() == size);
        BOOST_TEST(b.read() == bytes, "size " << size);
        if (size >= shared_body::file_threshold) {
            BOOST_TEST_REQUIRE(b.file() >= 0);
            BOOST_TEST(b.bytes().empty());                   // not kept twice
            BOOST_TEST(::pwrite(b.file(), "x", 1, 0) == -1); // sealed: shared bytes never change
            BOOST_TEST((::fcntl(b.file(), F_GET_SEALS) & F_SEAL_WRITE) != 0);
        } else {
            BOOST_TEST(b.file() == -1);
            BOOST_TEST(b.bytes() == bytes);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
