#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/writer.hpp"
#include "temp_env.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

using namespace packyard::store;

BOOST_AUTO_TEST_SUITE(writer_thread)

BOOST_AUTO_TEST_CASE(a_failing_job_rolls_back_alone_while_its_batch_commits) {
    testing::temp_env e;
    writer w(*e.env);
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::atomic<int> done{0};
    std::vector<std::thread> threads;
    for (int th = 0; th < 4; ++th) {
        threads.emplace_back([&, th] {
            for (int i = 0; i < 50; ++i) {
                const int n = th * 100 + i;
                w.submit(
                    [n](write_txn& t) -> std::error_code {
                        if (auto ec = put(t, t.db().meta, "k" + std::to_string(n), "v")) {
                            return ec;
                        }
                        // Job 7 writes, then fails: its write must vanish.
                        return n == 7 ? make_error_code(errc::invalid_argument) : std::error_code{};
                    },
                    [&](std::error_code ec) {
                        (ec ? failed : ok)++;
                        done++;
                    });
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    while (done < 200) {
        std::this_thread::yield();
    }
    BOOST_TEST(ok == 199);
    BOOST_TEST(failed == 1);
    auto r = read_txn::begin(*e.env);
    BOOST_TEST(!get(*r, r->db().meta, "k7").has_value());
    BOOST_TEST(get(*r, r->db().meta, "k8").has_value());
    BOOST_TEST(w.commits() <= 200u);
}

BOOST_AUTO_TEST_CASE(a_full_map_grows_and_the_batch_runs_again) {
    testing::temp_env e(1ULL << 20); // 1 MiB: fills after a few hundred KiB
    const auto before = e.env->map_size();
    writer w(*e.env);
    const std::string value(1024, 'v');
    for (int i = 0; i < 3000; ++i) {
        auto ec = w.run_sync(
            [&, i](write_txn& t) { return put(t, t.db().meta, "big" + std::to_string(i), value); });
        BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    }
    BOOST_TEST(e.env->map_size() > before);
    auto r = read_txn::begin(*e.env);
    BOOST_TEST(get(*r, r->db().meta, "big2999").has_value());
}

BOOST_AUTO_TEST_CASE(run_resumes_the_coroutine_after_the_commit) {
    testing::temp_env e;
    writer w(*e.env);
    boost::asio::io_context ioc;
    std::error_code result = make_error_code(errc::corrupted);
    std::thread::id resumed_on;
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
            result = co_await w.run([](write_txn& t) { return put(t, t.db().meta, "x", "y"); });
            resumed_on = std::this_thread::get_id();
        },
        boost::asio::detached);
    ioc.run();
    BOOST_TEST(!result);
    BOOST_TEST((resumed_on == std::this_thread::get_id()));
}

BOOST_AUTO_TEST_CASE(data_survives_reopening_and_a_newer_schema_is_refused) {
    testing::temp_env e;
    {
        auto t = write_txn::begin(*e.env);
        user u;
        u.username = "persist";
        u.email = "p@x.io";
        BOOST_REQUIRE(!create_user(*t, u));
        BOOST_REQUIRE(!t->commit());
    }
    e.open();
    {
        auto r = read_txn::begin(*e.env);
        BOOST_TEST(find_user_by_username(*r, "PERSIST").has_value());
    }
    {
        auto t = write_txn::begin(*e.env);
        value_writer v;
        v.u32(schema_version + 1);
        BOOST_REQUIRE(!put(*t, t->db().meta, "schema_version", v.view()));
        BOOST_REQUIRE(!t->commit());
    }
    e.env.reset();
    env_options o;
    o.dir = e.dir;
    auto again = environment::open(o);
    BOOST_TEST(!again.has_value());
    BOOST_TEST((again.error() == make_error_code(errc::schema_too_new)));
}

BOOST_AUTO_TEST_SUITE_END()
