#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/writer.hpp"
#include "temp_env.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>
#include <future>
#include <thread>
#include <vector>

using namespace packyard::store;

BOOST_AUTO_TEST_SUITE(writer_thread)

BOOST_AUTO_TEST_CASE(queued_jobs_share_one_commit_and_a_failing_one_rolls_back_alone) {
    testing::temp_env e;
    writer w(*e.env);
    // The first job holds the writer until the other 200 are queued, so they form one batch.
    std::promise<void> all_queued;
    std::promise<void> entered;
    auto gate = w.async_run(
        [released = all_queued.get_future().share(), &entered](write_txn&) {
            entered.set_value();
            released.wait();
            return std::error_code{};
        },
        boost::asio::use_future);
    entered.get_future().wait(); // the gate's batch holds it alone
    std::vector<std::future<std::error_code>> results;
    for (int n = 0; n < 200; ++n) {
        results.push_back(w.async_run(
            [n](write_txn& t) -> std::error_code {
                if (auto ec = put(t, t.db().meta, "k" + std::to_string(n), "v")) {
                    return ec;
                }
                // Job 7 writes, then fails: its write must vanish.
                return n == 7 ? make_error_code(errc::invalid_argument) : std::error_code{};
            },
            boost::asio::use_future));
    }
    all_queued.set_value();
    BOOST_TEST(!gate.get());
    int failed = 0;
    for (auto& r : results) {
        failed += r.get() ? 1 : 0;
    }
    BOOST_TEST(failed == 1);
    BOOST_TEST(w.commits() == 2u); // the gate's batch, then everything queued behind it
    auto r = read_txn::begin(*e.env);
    BOOST_TEST(!get(*r, r->db().meta, "k7").has_value());
    BOOST_TEST(get(*r, r->db().meta, "k8").has_value());
}

BOOST_AUTO_TEST_CASE(stats_count_batches_their_jobs_and_commit_times) {
    testing::temp_env e;
    writer w(*e.env);
    std::promise<void> all_queued;
    std::promise<void> entered;
    auto gate = w.async_run(
        [released = all_queued.get_future().share(), &entered](write_txn&) {
            entered.set_value();
            released.wait();
            return std::error_code{};
        },
        boost::asio::use_future);
    entered.get_future().wait();
    std::vector<std::future<std::error_code>> results;
    for (int n = 0; n < 5; ++n) {
        results.push_back(w.async_run(
            [n](write_txn& t) { return put(t, t.db().meta, "k" + std::to_string(n), "v"); },
            boost::asio::use_future));
    }
    BOOST_TEST(w.stats().queued == 5u);
    all_queued.set_value();
    BOOST_TEST(!gate.get());
    for (auto& r : results) {
        BOOST_TEST(!r.get());
    }
    const auto s = w.stats();
    BOOST_TEST(s.batches == 2u);
    BOOST_TEST(s.failed_batches == 0u);
    BOOST_TEST(s.jobs == 6u);
    BOOST_TEST(s.queued == 0u);
    BOOST_TEST(s.jobs_per_batch[0] == 1u); // the gate alone (bucket <= 1)
    BOOST_TEST(s.jobs_per_batch[3] == 1u); // the five behind it (bucket <= 8)
    std::uint64_t commits = 0;
    for (auto n : s.commit_us) {
        commits += n;
    }
    BOOST_TEST(commits == 2u);
    BOOST_TEST(s.commit_us_sum > 0u); // two fsyncs take time
}

BOOST_AUTO_TEST_CASE(after_commit_actions_run_once_and_only_for_what_committed) {
    testing::temp_env e;
    writer w(*e.env);
    std::vector<std::string> ran;
    auto job = [&ran](std::string name, bool fail) {
        return [&ran, name, fail](write_txn& t) -> std::error_code {
            t.after_commit([&ran, name] { ran.push_back(name); });
            if (auto child = write_txn::begin_child(t)) { // a nested scope that aborts
                child->after_commit([&ran] { ran.push_back("aborted child"); });
            }
            return fail ? make_error_code(errc::conflict) : std::error_code{};
        };
    };
    BOOST_TEST(!w.async_run(job("a", false), boost::asio::use_future).get());
    BOOST_TEST(!!w.async_run(job("b", true), boost::asio::use_future).get());
    // A batch whose commit fails (here: the pre-commit hook) runs none of its actions.
    w.set_pre_commit([] { return std::make_error_code(std::errc::io_error); });
    BOOST_TEST(!!w.async_run(job("c", false), boost::asio::use_future).get());
    w.set_pre_commit({});
    BOOST_TEST(!w.async_run(job("d", false), boost::asio::use_future).get());
    BOOST_TEST(ran == (std::vector<std::string>{"a", "d"}), boost::test_tools::per_element());
}

// The undo of a file effect made before the commit (an upload's bytes moved into place) runs
// exactly when nothing of its job became durable: its job or scope aborted, or the batch's
// commit failed (a full disk), even after its child committed into the batch.
BOOST_AUTO_TEST_CASE(abort_actions_run_once_and_only_for_what_did_not_commit) {
    testing::temp_env e;
    writer w(*e.env);
    std::vector<std::string> undone;
    auto job = [&undone](std::string name, bool fail) {
        return [&undone, name, fail](write_txn& t) -> std::error_code {
            if (auto child = write_txn::begin_child(t)) { // a scope that commits into the job
                child->on_abort([&undone, name] { undone.push_back(name); });
                if (auto ec = child->commit()) {
                    return ec;
                }
            }
            if (auto child = write_txn::begin_child(t)) { // a scope that aborts
                child->on_abort([&undone, name] { undone.push_back(name + " scope"); });
            }
            return fail ? make_error_code(errc::conflict) : std::error_code{};
        };
    };
    BOOST_TEST(!w.async_run(job("a", false), boost::asio::use_future).get());
    BOOST_TEST(!!w.async_run(job("b", true), boost::asio::use_future).get());
    w.set_pre_commit([] { return std::make_error_code(std::errc::no_space_on_device); });
    BOOST_TEST(!!w.async_run(job("c", false), boost::asio::use_future).get());
    w.set_pre_commit({});
    BOOST_TEST(!w.async_run(job("d", false), boost::asio::use_future).get());
    BOOST_TEST(undone ==
                   (std::vector<std::string>{"a scope", "b scope", "b", "c scope", "c", "d scope"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_full_map_fails_the_write_and_keeps_what_was_committed) {
    testing::temp_env e(1ULL << 20); // 1 MiB: fills after a few hundred KiB
    writer w(*e.env);
    const std::string value(1024, 'v');
    std::error_code ec;
    int written = 0;
    for (; written < 3000 && !ec; ++written) {
        ec = w.async_run(
                  [&, written](write_txn& t) {
                      return put(t, t.db().meta, "big" + std::to_string(written), value);
                  },
                  boost::asio::use_future)
                 .get();
    }
    BOOST_TEST((ec == lmdb_error(MDB_MAP_FULL)));
    auto r = read_txn::begin(*e.env);
    BOOST_TEST(get(*r, r->db().meta, "big0").has_value());
    BOOST_TEST(get(*r, r->db().meta, "big" + std::to_string(written - 2)).has_value());
}

BOOST_AUTO_TEST_CASE(async_run_resumes_the_coroutine_on_its_executor_after_the_commit) {
    testing::temp_env e;
    writer w(*e.env);
    boost::asio::io_context ioc;
    std::error_code result = make_error_code(errc::corrupted);
    std::thread::id resumed_on;
    bool visible = false;
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
            result =
                co_await w.async_run([](write_txn& t) { return put(t, t.db().meta, "x", "y"); },
                                     boost::asio::use_awaitable);
            resumed_on = std::this_thread::get_id();
            auto r = read_txn::begin(*e.env);
            visible = get(*r, r->db().meta, "x").has_value();
        },
        boost::asio::detached);
    ioc.run();
    BOOST_TEST(!result);
    BOOST_TEST((resumed_on == std::this_thread::get_id()));
    BOOST_TEST(visible);
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
