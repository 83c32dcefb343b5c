// One process at a time holds a data folder; the kernel releases it with its holder.

#include "store/data_lock.hpp"
#include "temp_env.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace packyard::store;

BOOST_AUTO_TEST_SUITE(data_folder_lock)

BOOST_AUTO_TEST_CASE(one_holder_at_a_time_and_released_with_it) {
    testing::temp_env e;
    BOOST_TEST(!data_lock::held(e.dir));
    {
        auto first = data_lock::take(e.dir);
        BOOST_REQUIRE(first);
        BOOST_TEST(data_lock::held(e.dir));
        BOOST_TEST(data_lock::holder(e.dir).value_or(0) == ::getpid());
        auto second = data_lock::take(e.dir);
        BOOST_TEST(!second);
        BOOST_TEST((second.error() == std::errc::resource_unavailable_try_again));
    }
    BOOST_TEST(!data_lock::held(e.dir));
    BOOST_TEST(data_lock::take(e.dir).has_value());
}

BOOST_AUTO_TEST_CASE(a_child_process_sees_it_held_and_free_once_the_holder_is_killed) {
    testing::temp_env e;
    int ready[2];
    BOOST_REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
        auto l = data_lock::take(e.dir);
        const char c = l ? 'y' : 'n';
        [[maybe_unused]] auto n = ::write(ready[1], &c, 1);
        ::pause(); // until killed
        ::_exit(0);
    }
    char c = 0;
    BOOST_REQUIRE(::read(ready[0], &c, 1) == 1);
    BOOST_TEST(c == 'y');
    BOOST_TEST(data_lock::held(e.dir));
    BOOST_TEST(data_lock::holder(e.dir).value_or(0) == child);
    BOOST_TEST(!data_lock::take(e.dir));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    BOOST_TEST(!data_lock::held(e.dir));
    BOOST_TEST(data_lock::take(e.dir).has_value());
    ::close(ready[0]);
    ::close(ready[1]);
}

BOOST_AUTO_TEST_SUITE_END()
