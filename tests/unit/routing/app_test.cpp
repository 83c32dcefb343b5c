// routing::app owns every snapshot of a request: one is open while a handler decides and while
// a write plan renders, none between the phases (while the server reads a body, awaits the
// writer or writes the answer). Checked against LMDB's own reader table.

#include "routing/app.hpp"
#include "store/identity.hpp"
#include "temp_services.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <vector>

using namespace packyard;
using namespace packyard::routing;

namespace {

// What each handler saw of the reader table, in call order.
std::vector<std::size_t> seen;
store::environment* observed = nullptr;

std::size_t readers() {
    return observed->active_readers();
}

outcome read_only(request_context&, const store::read_txn&) {
    seen.push_back(readers());
    response r;
    r.body = "read";
    return r;
}

outcome with_write(request_context&, const store::read_txn&) {
    seen.push_back(readers());
    return then_render(
        [](store::write_txn& t) {
            seen.push_back(observed->active_readers()); // the writer thread holds no snapshot
            return store::put(t, t.db().meta, "app-test", "1");
        },
        [](const store::read_txn& after, std::error_code ec) {
            seen.push_back(readers());
            response r;
            r.body = !ec && store::get(after, after.db().meta, "app-test") ? "written" : "not";
            return r;
        });
}

outcome failing(request_context&, const store::read_txn&) {
    throw std::runtime_error("boom");
}

constexpr route rows[] = {
    {method::get, "/read", read_only, scope_need::read, no_auth},
    {method::post, "/write", with_write, scope_need::write, no_auth, body_kind::none},
    {method::get, "/fail", failing, scope_need::read, no_auth},
};

struct app_fixture : testing::temp_services {
    app_fixture()
        : a(*svc, rows) {
        observed = env.get();
        seen.clear();
    }
    /// Runs both phases of a request the way the server does, checking between them.
    response run(method m, std::string_view path) {
        request req;
        req.verb = m;
        req.path = path;
        req.target = path;
        auto begun = a.begin(req, std::nullopt);
        BOOST_TEST(readers() == 0u); // while the server would read the body
        if (begun.early) {
            return std::move(*begun.early);
        }
        response out;
        boost::asio::io_context ioc;
        boost::asio::co_spawn(
            ioc, [&]() -> boost::asio::awaitable<void> { out = co_await a.finish(*begun.ctx); },
            boost::asio::detached);
        ioc.run();
        BOOST_TEST(readers() == 0u); // while the server would write the answer
        return out;
    }
    app a;
};

} // namespace

BOOST_AUTO_TEST_SUITE(routing_app)

BOOST_FIXTURE_TEST_CASE(a_read_holds_one_snapshot_only_while_it_decides, app_fixture) {
    BOOST_TEST(run(method::get, "/read").body == "read");
    BOOST_TEST(seen == (std::vector<std::size_t>{1}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_write_plan_decides_writes_and_renders_in_three_steps, app_fixture) {
    BOOST_TEST(run(method::post, "/write").body == "written");
    // decide: one snapshot; the job: none; the render: one, opened after the commit.
    BOOST_TEST(seen == (std::vector<std::size_t>{1, 0, 1}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_throwing_handler_is_a_500_that_leaves_no_snapshot, app_fixture) {
    const auto r = run(method::get, "/fail");
    BOOST_TEST(r.status == 500u);
    BOOST_TEST(r.body == R"({"message":"500 Internal Server Error"})");
}

BOOST_FIXTURE_TEST_CASE(unknown_paths_and_methods_are_answered_in_begin, app_fixture) {
    BOOST_TEST(run(method::get, "/nope").status == 404u);
    const auto r = run(method::delete_, "/read");
    BOOST_TEST(r.status == 405u);
    BOOST_TEST(r.headers.at(0).second == "OPTIONS, GET, HEAD");
    BOOST_TEST(run(method::options, "/read").status == 204u);
}

BOOST_AUTO_TEST_SUITE_END()
