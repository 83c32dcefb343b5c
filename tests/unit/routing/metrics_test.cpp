// The registry's counts and their text: per-thread shards summed at scrape, histograms
// cumulative in exact decimal seconds, labels from the route table.

#include "routing/metrics.hpp"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>
#include <vector>

using namespace packyard::routing;

namespace {

outcome nothing(request_context&, const packyard::store::read_txn&) {
    return {};
}

const route table[] = {
    plain_route(method::get, "/a/:id", nothing),
    plain_route(method::post, "/with \"quote\"", nothing),
};

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(metrics_registry)

BOOST_AUTO_TEST_CASE(counts_from_several_threads_add_up_at_scrape) {
    metrics::registry reg(table);
    std::atomic<bool> counting{true};
    // Scrapes while the others count: a shard is read by another thread than its writer (the
    // thread sanitizer holds this to no data race).
    std::atomic<std::size_t> scrapes{0};
    std::thread scraper([&reg, &counting, &scrapes] {
        do {
            scrapes += reg.render({}).empty() ? 0 : 1;
        } while (counting.load());
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&reg, &scrapes] {
            reg.connection_closed(); // attach this thread's shard, then count while scraped
            reg.connection_accepted();
            while (scrapes.load() == 0) {
                std::this_thread::yield();
            }
            for (int i = 0; i < 1000; ++i) {
                reg.request(0, method::get, 200, 50, 10, 20);
            }
            reg.request(0, method::head, 404, 3'000'000, 1, 2);
            reg.upload_failed(metrics::upload_failure::disk);
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    counting = false;
    scraper.join();
    BOOST_TEST(scrapes > 0u);
    reg.request(-1, method::patch, 299, 250, 0, 0); // no row; a status packyard never answers
    reg.request(1, method::post, 201, 1, 0, 0);
    reg.connection_accepted();
    reg.connection_accepted();
    reg.connection_closed();
    reg.connection_refused(); // with the four threads': 6 accepted, 5 closed
    const auto text = reg.render({});
    BOOST_TEST(has_line(
        text, R"(packyard_http_requests_total{route="/a/:id",method="GET",status="200"} 4000)"));
    BOOST_TEST(has_line(
        text, R"(packyard_http_requests_total{route="/a/:id",method="HEAD",status="404"} 4)"));
    BOOST_TEST(has_line(
        text,
        R"(packyard_http_requests_total{route="unmatched",method="PATCH",status="other"} 1)"));
    BOOST_TEST(has_line(
        text,
        R"(packyard_http_requests_total{route="/with \"quote\"",method="POST",status="201"} 1)"));
    // 4000 requests of 50 us, 4 of 3 s: cumulative buckets, sums in exact decimal seconds.
    BOOST_TEST(has_line(
        text, R"(packyard_http_request_duration_seconds_bucket{route="/a/:id",le="0.0001"} 4000)"));
    BOOST_TEST(has_line(
        text, R"(packyard_http_request_duration_seconds_bucket{route="/a/:id",le="2.5"} 4000)"));
    BOOST_TEST(has_line(
        text, R"(packyard_http_request_duration_seconds_bucket{route="/a/:id",le="5"} 4004)"));
    BOOST_TEST(has_line(
        text, R"(packyard_http_request_duration_seconds_bucket{route="/a/:id",le="+Inf"} 4004)"));
    BOOST_TEST(
        has_line(text, R"(packyard_http_request_duration_seconds_sum{route="/a/:id"} 12.2)"));
    BOOST_TEST(
        has_line(text, R"(packyard_http_request_duration_seconds_count{route="/a/:id"} 4004)"));
    BOOST_TEST(has_line(
        text, R"(packyard_http_request_duration_seconds_bucket{route="unmatched",le="0.0001"} 0)"));
    BOOST_TEST(has_line(
        text,
        R"(packyard_http_request_duration_seconds_bucket{route="unmatched",le="0.00025"} 1)"));
    BOOST_TEST(
        has_line(text, R"(packyard_http_request_duration_seconds_sum{route="unmatched"} 0.00025)"));
    BOOST_TEST(has_line(text, R"(packyard_http_received_bytes_total{route="/a/:id"} 40004)"));
    BOOST_TEST(has_line(text, R"(packyard_http_sent_bytes_total{route="/a/:id"} 80008)"));
    BOOST_TEST(has_line(text, R"(packyard_upload_failures_total{reason="disk"} 4)"));
    BOOST_TEST(has_line(text, R"(packyard_upload_failures_total{reason="timeout"} 0)"));
    BOOST_TEST(has_line(text, "packyard_http_connections_total 6"));
    BOOST_TEST(has_line(text, "packyard_http_open_connections 1"));
    BOOST_TEST(has_line(text, "packyard_http_connections_refused_total 1"));
    // Every family has its HELP and TYPE lines, in that order.
    BOOST_TEST(has_line(text, "# TYPE packyard_http_requests_total counter"));
    BOOST_TEST(text.find("# HELP packyard_http_request_duration_seconds ") <
               text.find("# TYPE packyard_http_request_duration_seconds histogram"));
}

BOOST_AUTO_TEST_CASE(statuses_and_refusals_map_to_their_slots_and_reasons) {
    BOOST_TEST(metrics::registry::status_slot(200) != metrics::registry::status_slot(201));
    BOOST_TEST(metrics::registry::status_slot(299) == metrics::registry::status_slot(999));
    BOOST_TEST(metrics::registry::status_slot(0) == metrics::registry::status_slot(999));
    using why = metrics::upload_failure;
    BOOST_TEST((metrics::reason_of(401) == why::denied));
    BOOST_TEST((metrics::reason_of(404) == why::denied));
    BOOST_TEST((metrics::reason_of(409) == why::invalid));
    BOOST_TEST((metrics::reason_of(400) == why::invalid));
    BOOST_TEST((metrics::reason_of(413) == why::too_large));
    BOOST_TEST((metrics::reason_of(503) == why::busy));
    BOOST_TEST((metrics::reason_of(500) == why::internal));
}

BOOST_AUTO_TEST_SUITE_END()
