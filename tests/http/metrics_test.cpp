// /-/metrics: exact counts after known requests, histograms that agree with the counters, the
// store's figures, and GitLab's answer (404) to a peer outside the allow list.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>
#include <map>
#include <sstream>
#include <thread>

using namespace packyard::testing;
using namespace std::chrono_literals;

namespace {

/// Every sample of a scrape: "name{labels}" -> value.
std::map<std::string, double> samples(const std::string& text) {
    std::map<std::string, double> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto space = line.rfind(' ');
        BOOST_REQUIRE(space != std::string::npos);
        out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return out;
}

double value(const std::map<std::string, double>& s, const std::string& key) {
    const auto it = s.find(key);
    BOOST_TEST_INFO("series " << key);
    BOOST_TEST((it != s.end()));
    return it == s.end() ? -1 : it->second;
}

std::string requests(const std::string& route, const std::string& method, unsigned status) {
    return "packyard_http_requests_total{route=\"" + route + "\",method=\"" + method +
           "\",status=\"" + std::to_string(status) + "\"}";
}

std::string failures(const std::string& reason) {
    return "packyard_upload_failures_total{reason=\"" + reason + "\"}";
}

/// The route label of a sample's labels ("" when it has none).
std::string route_of(const std::string& key) {
    const auto at = key.find("route=\"");
    if (at == std::string::npos) {
        return {};
    }
    return key.substr(at + 7, key.find('"', at + 7) - at - 7);
}

/// Every route's latency histogram: buckets cumulative, +Inf equal to _count, _count equal to
/// the route's requests summed over methods and statuses. Returns the routes seen.
std::size_t check_histograms(const std::map<std::string, double>& s) {
    std::map<std::string, double> counted;
    std::map<std::string, std::vector<double>> buckets; // in the order the scrape lists them
    for (const auto& [key, v] : s) {
        if (key.rfind("packyard_http_requests_total{", 0) == 0) {
            counted[route_of(key)] += v;
        }
    }
    for (const auto& [route, n] : counted) {
        const std::string labels = "{route=\"" + route + "\"}";
        const double count = value(s, "packyard_http_request_duration_seconds_count" + labels);
        BOOST_TEST_INFO("route " << route);
        BOOST_TEST(count == n);
        const double inf = value(s, "packyard_http_request_duration_seconds_bucket{route=\"" +
                                        route + "\",le=\"+Inf\"}");
        BOOST_TEST(inf == count);
        double previous = 0;
        for (const auto* le :
             {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
              "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60"}) {
            const double b = value(s, "packyard_http_request_duration_seconds_bucket{route=\"" +
                                          route + "\",le=\"" + le + "\"}");
            BOOST_TEST_INFO("route " << route << " le " << le);
            BOOST_TEST(b >= previous);
            previous = b;
        }
        BOOST_TEST(previous <= inf);
        BOOST_TEST(value(s, "packyard_http_request_duration_seconds_sum" + labels) >= 0);
    }
    return counted.size();
}

} // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(a_scrape_counts_exactly_the_requests_made_before_it) {
    server_fixture f({"--max-upload-size", "100"});
    auto& http = f.http;
    const auto group = f.create_group("g", "public");
    const auto project = f.create_project("p", group, "public");
    const std::string upload_path =
        "/api/v4/projects/" + std::to_string(project) + "/packages/generic/pkg/1.0.0/";
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(http.get("/-/health").status == 200u);
    }
    BOOST_TEST(http.get("/api/v4/nope").status == 404u);
    BOOST_TEST(http.get("/api/v4/nope").status == 404u);
    BOOST_TEST(http.get("/api/v4/user").status == 401u);
    BOOST_TEST(http.get("/api/v4/user").status == 401u);
    BOOST_TEST(http.get("/api/v4/user", as_root()).status == 200u);
    BOOST_TEST(http.del("/-/health").status == 405u);
    BOOST_TEST(f.upload(project, "pkg", "1.0.0", "a.txt", "hello") == 201u);
    BOOST_TEST(http.put(upload_path + "big.bin", std::string(200, 'x'), as_root()).status == 413u);
    BOOST_TEST(http.put(upload_path + "anon.txt", "x").status == 401u);
    BOOST_TEST(http.put(upload_path + "odd.txt?status=bogus", "x", as_root()).status == 400u);
    auto no_boundary = as_root();
    no_boundary.emplace_back("Content-Type", "multipart/form-data");
    BOOST_TEST(http.put(upload_path + "form.txt", "x", no_boundary).status == 400u);
    // Two requests on connections of their own, whose bytes are known exactly.
    const std::string head = "HEAD /-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    BOOST_TEST(raw_exchange(f.server.port(), head, 3s).first.rfind("HTTP/1.1 200", 0) == 0u);
    const std::string live = "GET /-/liveness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const auto [answer, closed] = raw_exchange(f.server.port(), live, 3s);
    BOOST_TEST(closed);
    const double made = 18;

    const auto scrape = http.get("/-/metrics");
    BOOST_TEST(scrape.status == 200u);
    BOOST_TEST(scrape.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    const auto s = samples(scrape.body);
    double total = 0;
    for (const auto& [key, v] : s) {
        if (key.rfind("packyard_http_requests_total{", 0) == 0) {
            total += v;
        }
    }
    BOOST_TEST(total == made); // the scrape counts itself only once it is answered
    BOOST_TEST(value(s, requests("/api/v4/groups", "POST", 201)) == 1);
    BOOST_TEST(value(s, requests("/api/v4/projects", "POST", 201)) == 1);
    BOOST_TEST(value(s, requests("/-/health", "GET", 200)) == 3);
    BOOST_TEST(value(s, requests("/-/health", "HEAD", 200)) == 1);
    BOOST_TEST(value(s, requests("unmatched", "GET", 404)) == 2);
    BOOST_TEST(value(s, requests("unmatched", "DELETE", 405)) == 1);
    BOOST_TEST(value(s, requests("/api/v4/user", "GET", 401)) == 2);
    BOOST_TEST(value(s, requests("/api/v4/user", "GET", 200)) == 1);
    const std::string generic = "/api/v4/projects/:id/packages/generic/:package_name/:rest*";
    BOOST_TEST(value(s, requests(generic, "PUT", 201)) == 1);
    BOOST_TEST(value(s, requests(generic, "PUT", 413)) == 1);
    BOOST_TEST(value(s, requests(generic, "PUT", 401)) == 1);
    BOOST_TEST(value(s, requests(generic, "PUT", 400)) == 2);
    BOOST_TEST(value(s, requests("/-/liveness", "GET", 200)) == 1);
    BOOST_TEST(!s.contains(requests("/-/metrics", "GET", 200)));

    BOOST_TEST(value(s, failures("too_large")) == 1);
    BOOST_TEST(value(s, failures("denied")) == 1);
    BOOST_TEST(value(s, failures("invalid")) == 1);
    BOOST_TEST(value(s, failures("malformed")) == 1);
    for (const auto* none : {"timeout", "aborted", "busy", "disk", "internal"}) {
        BOOST_TEST(value(s, failures(none)) == 0);
    }

    BOOST_TEST(check_histograms(s) == 7u); // the routes requested above, unmatched included
    BOOST_TEST(value(s, "packyard_http_received_bytes_total{route=\"/-/liveness\"}") ==
               static_cast<double>(live.size()));
    BOOST_TEST(value(s, "packyard_http_sent_bytes_total{route=\"/-/liveness\"}") ==
               static_cast<double>(answer.size()));
    BOOST_TEST(value(s, "packyard_http_received_bytes_total{route=\"/-/health\"}") > 4 * 30.0);

    BOOST_TEST(value(s, "packyard_http_connections_total") >= 3);
    BOOST_TEST(value(s, "packyard_http_open_connections") >= 1); // the scraping one
    BOOST_TEST(value(s, "packyard_http_open_connections") <=
               value(s, "packyard_http_connections_total"));
    BOOST_TEST(value(s, "packyard_http_connections_refused_total") == 0);

    const double batches = value(s, "packyard_writer_batches_total");
    BOOST_TEST(batches >= 3); // the root user, the group, the project, the upload
    BOOST_TEST(value(s, "packyard_writer_jobs_total") >= batches);
    BOOST_TEST(value(s, "packyard_writer_batch_jobs_count") == batches);
    BOOST_TEST(value(s, "packyard_writer_batch_jobs_sum") ==
               value(s, "packyard_writer_jobs_total"));
    BOOST_TEST(value(s, "packyard_writer_commit_duration_seconds_count") == batches);
    BOOST_TEST(value(s, "packyard_writer_failed_batches_total") == 0);
    BOOST_TEST(value(s, "packyard_writer_queued_jobs") == 0);

    const double map = value(s, "packyard_lmdb_map_size_bytes");
    BOOST_TEST(map > 0);
    BOOST_TEST(value(s, "packyard_lmdb_pages_used") * value(s, "packyard_lmdb_page_size_bytes") <=
               map);
    BOOST_TEST(value(s, "packyard_lmdb_pages_used") > 2);
    BOOST_TEST(value(s, "packyard_lmdb_active_readers") >= 1); // the scrape's own snapshot
    BOOST_TEST(value(s, "packyard_lmdb_readers") >= value(s, "packyard_lmdb_active_readers"));
    BOOST_TEST(value(s, "packyard_lmdb_max_readers") >= value(s, "packyard_lmdb_readers"));
    BOOST_TEST(value(s, "packyard_blobs") == 1);
    BOOST_TEST(value(s, "packyard_blobs_bytes") == 5);

    // The scrape itself is counted once it is answered.
    const auto again = samples(http.get("/-/metrics").body);
    BOOST_TEST(value(again, requests("/-/metrics", "GET", 200)) == 1);

    // A delete queues the package for the cleanup, which then takes its blob.
    const auto list =
        http.get("/api/v4/projects/" + std::to_string(project) + "/packages", as_root());
    const auto package = static_cast<std::uint64_t>(int_field(list.json()[0], "id"));
    BOOST_TEST(http.del("/api/v4/projects/" + std::to_string(project) + "/packages/" +
                            std::to_string(package),
                        as_root())
                   .status == 204u);
    std::map<std::string, double> after;
    for (int i = 0; i < 50; ++i) {
        after = samples(http.get("/-/metrics").body);
        if (value(after, "packyard_blobs") == 0) {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    BOOST_TEST(value(after, "packyard_blobs") == 0);
    BOOST_TEST(value(after, "packyard_blobs_bytes") == 0);
    BOOST_TEST(value(after, "packyard_cleanup_backlog") == 0);
}

BOOST_AUTO_TEST_CASE(a_peer_outside_the_allow_list_sees_no_such_path) {
    const auto unknown = [](server_fixture& f) { return f.http.get("/-/nothing-here"); };
    {
        // PACKYARD_METRICS_ALLOW, as every option: a network that leaves 127.0.0.1 out.
        server_fixture f({}, {{"PACKYARD_METRICS_ALLOW", "10.0.0.0/8, ::1/128"}});
        const auto r = f.http.get("/-/metrics");
        BOOST_TEST(r.status == 404u);
        BOOST_TEST(r.body == unknown(f).body);
        BOOST_TEST(r.body.find("packyard_") == std::string::npos);
    }
    {
        server_fixture f({"--metrics-allow", "127.0.0.1"});
        BOOST_TEST(f.http.get("/-/metrics").status == 200u);
    }
    {
        server_fixture f({"--metrics", "false"});
        const auto r = f.http.get("/-/metrics");
        BOOST_TEST(r.status == 404u);
        BOOST_TEST(r.body == unknown(f).body);
    }
}

BOOST_AUTO_TEST_SUITE_END()
