// The small-file cache: a kept file reads back as kept, the least recently used leave first,
// the budget holds, and a file larger than the whole budget is not kept.

#include "server/small_files.hpp"

#include <boost/test/unit_test.hpp>

using packyard::server::small_files;

namespace {
std::shared_ptr<const std::string> bytes(std::size_t n, char c) {
    return std::make_shared<const std::string>(n, c);
}
} // namespace

BOOST_AUTO_TEST_SUITE(small_files_suite)

BOOST_AUTO_TEST_CASE(kept_files_read_back_and_the_least_recently_used_leave_first) {
    small_files f(100);
    BOOST_TEST(f.find("/b/aa") == nullptr);
    f.insert("/b/aa", bytes(25, 'a')); // 25 + 5 bytes of path
    f.insert("/b/bb", bytes(25, 'b'));
    f.insert("/b/cc", bytes(25, 'c'));
    BOOST_TEST_REQUIRE(f.find("/b/aa") != nullptr); // aa is now the most recent
    BOOST_TEST(*f.find("/b/aa") == std::string(25, 'a'));
    f.insert("/b/dd", bytes(25, 'd'));
    BOOST_TEST(f.find("/b/bb") == nullptr);
    BOOST_TEST(f.find("/b/cc") != nullptr);
    BOOST_TEST(f.find("/b/dd") != nullptr);
    BOOST_TEST(f.bytes() == 90u);
    f.insert("/b/dd", bytes(1, 'x')); // the same path holds the same bytes: first one stays
    BOOST_TEST(*f.find("/b/dd") == std::string(25, 'd'));
    f.insert("/b/huge", bytes(200, 'h'));
    BOOST_TEST(f.find("/b/huge") == nullptr);
    BOOST_TEST(f.bytes() <= 100u);
}

BOOST_AUTO_TEST_SUITE_END()
