// The network core: limits, timeouts, keep-alive, shutdown, restart, bootstrap.

#include "tests/support/packyard_server.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <sys/stat.h>
#include <thread>
#include <vector>

using namespace packyard::testing;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(server_core)

BOOST_FIXTURE_TEST_CASE(header_block_over_16_kib_gets_431, server_fixture) {
    const std::string req =
        "GET /api/v4/user HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17 * 1024, 'a') +
        "\r\n\r\n";
    auto [out, closed] = raw_exchange(server.port(), req, 3s);
    BOOST_TEST(out.rfind("HTTP/1.1 431", 0) == 0u);
    BOOST_TEST(http.get("/-/health").status == 200u);
}

BOOST_FIXTURE_TEST_CASE(malformed_request_gets_400_and_the_server_keeps_serving, server_fixture) {
    auto [out, closed] = raw_exchange(server.port(), "NOT HTTP AT ALL\r\n\r\n", 3s);
    BOOST_TEST(out.rfind("HTTP/1.1 400", 0) == 0u);
    BOOST_TEST(closed);
    BOOST_TEST(http.get("/-/health").status == 200u);
}

BOOST_AUTO_TEST_CASE(a_slow_header_is_cut_off) {
    server_fixture f({"--header-timeout", "1"});
    const auto started = std::chrono::steady_clock::now();
    auto [out, closed] = raw_exchange(f.server.port(), "GET /api/v4/user HTTP/1.1\r\nHo", 5s);
    BOOST_TEST(closed);
    const bool prompt = std::chrono::steady_clock::now() - started < 4s;
    BOOST_TEST(prompt);
}

BOOST_FIXTURE_TEST_CASE(several_requests_share_one_connection, server_fixture) {
    const std::string two = "GET /-/health HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /-/liveness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    auto [out, closed] = raw_exchange(server.port(), two, 3s);
    BOOST_TEST(out.find("packyard OK") != std::string::npos);
    BOOST_TEST(out.find(R"({"status":"ok"})") != std::string::npos);
    BOOST_TEST(closed);
}

// The response header is written by packyard itself (server/response_header.cpp): the status
// line follows the request's version, Connection follows keep-alive as Beast would say it,
// Content-Length matches the body and JSON carries GitLab's safety headers.
BOOST_FIXTURE_TEST_CASE(response_header_bytes_follow_version_and_keep_alive, server_fixture) {
    // The request id differs on every response (request_ids_... below): taken out.
    auto header_of = [](const std::string& out) { return out.substr(0, out.find("\r\n\r\n") + 4); };
    {
        auto [raw, closed] = raw_exchange(
            server.port(), "GET /-/liveness HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
            1s);
        BOOST_TEST(raw.find("\r\nX-Request-Id: ") != std::string::npos);
        const auto out = without_request_id(raw);
        const auto head = header_of(out);
        BOOST_TEST(head == "HTTP/1.0 200 OK\r\n"
                           "Content-Type: application/json\r\n"
                           "X-Content-Type-Options: nosniff\r\n"
                           "X-Frame-Options: SAMEORIGIN\r\n"
                           "Content-Length: 15\r\n"
                           "Connection: keep-alive\r\n\r\n");
        BOOST_TEST(out.substr(head.size()) == R"({"status":"ok"})");
        BOOST_TEST(!closed); // kept open until the exchange's timeout
    }
    {
        auto [raw, closed] = raw_exchange(
            server.port(), "GET /api/v4/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3s);
        const auto out = without_request_id(raw);
        const auto head = header_of(out);
        BOOST_TEST(head.rfind("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n", 0) ==
                   0u);
        const auto body = out.substr(head.size());
        BOOST_TEST(head.find("\r\nContent-Length: " + std::to_string(body.size()) +
                             "\r\nConnection: close\r\n\r\n") != std::string::npos);
        BOOST_TEST(closed);
    }
    {
        auto [out, closed] =
            raw_exchange(server.port(), "GET /-/liveness HTTP/1.0\r\nHost: x\r\n\r\n", 3s);
        BOOST_TEST(header_of(out).find("Connection") == std::string::npos);
        BOOST_TEST(closed);
    }
}

namespace {

bool is_ulid(const std::string& s) {
    return s.size() == 26 && s[0] <= '7' &&
           s.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ") == std::string::npos;
}

} // namespace

// Every response carries the request id GitLab would send (X-Request-Id: a ULID, generated here
// whatever the client sent, as labkit does without propagation), and every log line written for
// that request carries it too, in --log-format json as every other line.
BOOST_AUTO_TEST_CASE(request_ids_are_on_every_response_and_its_log_lines) {
    server_fixture f({"--log-format", "json"}, {{"PACKYARD_FAULTS", "blob_write=1"}});
    const auto project = f.create_project("p", f.create_group("g", "public"), "public");
    std::vector<std::string> ids;
    auto id_of = [&](const http_response& r, unsigned status) {
        BOOST_TEST(r.status == status);
        const auto id = r.header("x-request-id");
        BOOST_TEST(is_ulid(id), id);
        ids.push_back(id);
        return id;
    };
    id_of(f.http.get("/-/health"), 200u);
    id_of(f.http.get("/api/v4/nope", {{"X-Request-Id", "chosen-by-the-client"}}), 404u);
    id_of(f.http.get("/api/v4/user"), 401u);
    // The first blob write fails (PACKYARD_FAULTS): a 500 whose cause is logged.
    const auto failed = id_of(
        f.http.put("/api/v4/projects/" + std::to_string(project) + "/packages/generic/a/1.0/f.bin",
                   "bytes", as_root()),
        500u);
    {
        auto [out, closed] = raw_exchange(f.server.port(), "GET / HTTP/1.1\r\n\r\n", 3s);
        BOOST_TEST(out.rfind("HTTP/1.1 400", 0) == 0u); // no Host: refused before routing
        const auto at = out.find("X-Request-Id: ");
        BOOST_TEST_REQUIRE(at != std::string::npos);
        ids.push_back(out.substr(at + 14, 26));
        BOOST_TEST(is_ulid(ids.back()));
    }
    std::vector<std::string> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    BOOST_TEST((std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()));
    std::this_thread::sleep_for(200ms);
    const auto log = f.server.log();
    std::size_t lines = 0;
    std::map<std::string, int> per_id;
    std::size_t start = 0;
    while (start < log.size()) {
        const auto end = log.find('\n', start);
        const auto line = log.substr(start, end - start);
        start = end == std::string::npos ? log.size() : end + 1;
        if (line.empty()) {
            continue;
        }
        ++lines;
        rapidjson::Document d;
        // With its length: RapidJSON's SSE2 scan of a NUL-ended string reads whole 16-byte blocks
        // past the end of the buffer, which ASan reports.
        d.Parse(line.data(), line.size());
        BOOST_TEST_REQUIRE(d.IsObject(), line);
        BOOST_TEST(d.HasMember("time"));
        if (d.HasMember("correlation_id")) {
            ++per_id[d["correlation_id"].GetString()];
        }
    }
    BOOST_TEST(lines > 4u);
    for (const auto& id : ids) {
        BOOST_TEST(per_id[id] >= 1, id); // its access line
    }
    BOOST_TEST(per_id[failed] >= 2); // and the cause of its 500
    BOOST_TEST(log.find("chosen-by-the-client") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(small_body_over_the_limit_gets_413, server_fixture) {
    auto r = http.request("POST", "/api/v4/groups", std::string((1 << 20) + 10, ' '),
                          {{"PRIVATE-TOKEN", root_token}, {"Content-Type", "application/json"}});
    BOOST_TEST(r.status == 413u);
}

BOOST_AUTO_TEST_CASE(sigterm_stops_promptly_with_status_0_and_data_survives_a_restart) {
    temp_folder dir;
    {
        server_process s(dir.path() / "data", root_token);
        http_client c(s.port());
        BOOST_TEST(
            c.post_json("/api/v4/groups", R"({"name":"keep","path":"keep"})", as_root()).status ==
            201u);
        s.signal(SIGTERM);
        BOOST_TEST(s.wait_exit(5s) == 0);
    }
    server_process again(dir.path() / "data", "");
    http_client c(again.port());
    auto r = c.get("/api/v4/groups/keep", as_root());
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(str_field(r.json(), "full_path") == "keep");
    again.signal(SIGINT);
    BOOST_TEST(again.wait_exit(5s) == 0);
}

BOOST_AUTO_TEST_CASE(a_second_server_on_the_same_folder_is_refused_until_the_first_is_gone) {
    temp_folder dir;
    auto first = std::make_unique<server_process>(dir.path() / "data", root_token);
    try {
        server_process second(dir.path() / "data", root_token);
        BOOST_FAIL("a second server started on a folder the first one serves");
    } catch (const std::runtime_error& e) {
        const std::string why = e.what();
        BOOST_TEST(why.find("is in use by another packyard process (pid " +
                            std::to_string(first->pid()) + ")") != std::string::npos,
                   why);
    }
    first->signal(SIGKILL); // the kernel releases the lock with its holder
    first->wait_exit(5s);
    first.reset();
    server_process again(dir.path() / "data", root_token);
    http_client c(again.port());
    BOOST_TEST(c.get("/-/health").status == 200u);
}

BOOST_AUTO_TEST_CASE(first_start_without_env_writes_a_0600_root_token_file) {
    temp_folder dir;
    server_process s(dir.path() / "data", "");
    const auto file = dir.path() / "data" / "initial_root_token";
    struct stat st {};
    BOOST_TEST(::stat(file.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    std::ifstream in(file);
    std::string token;
    in >> token;
    BOOST_TEST(token.rfind("glpat-", 0) == 0u);
    http_client c(s.port());
    BOOST_TEST(c.get("/api/v4/user", with_token(token)).status == 200u);
    BOOST_TEST(s.log().find(token) == std::string::npos); // named, never printed
}

BOOST_FIXTURE_TEST_CASE(access_log_redacts_tokens_in_the_query, server_fixture) {
    http.get("/api/v4/user?private_token=" + root_token);
    std::this_thread::sleep_for(100ms);
    const auto log = server.log();
    BOOST_TEST(log.find("private_token=[FILTERED]") != std::string::npos);
    BOOST_TEST(log.find(root_token) == std::string::npos);
}

// Reading a body holds no store snapshot (routing::app opens one only after the body is in), so
// clients trickling bodies cannot take LMDB's reader slots (126 here) from everyone else; and a
// body has a deadline as a whole, not only per read.
BOOST_AUTO_TEST_CASE(slow_bodies_hold_no_snapshot_and_end_at_their_deadline) {
    server_fixture f({"--body-timeout", "2"});
    const auto group = f.create_group("g", "public");
    const auto project = f.create_project("p", group, "private");
    BOOST_TEST(f.upload(project, "a", "1.0", "f", "bytes") == 201u);
    const std::string header =
        "POST /api/v4/groups HTTP/1.1\r\nHost: x\r\nPRIVATE-TOKEN: " + root_token +
        "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    std::vector<std::unique_ptr<raw_connection>> slow;
    for (int i = 0; i < 200; ++i) {
        slow.push_back(std::make_unique<raw_connection>(f.server.port()));
        BOOST_REQUIRE(slow.back()->send(header + "{\"a\":"));
    }
    std::this_thread::sleep_for(300ms);
    const auto list = "/api/v4/projects/" + std::to_string(project) + "/packages";
    for (int i = 0; i < 5; ++i) {
        auto r = f.http.get(list, as_root());
        BOOST_TEST(r.status == 200u);
        BOOST_TEST(r.body.find("\"name\":\"a\"") != std::string::npos);
    }
    std::size_t timed_out = 0;
    for (auto& c : slow) {
        auto [out, closed] = c->read(5s);
        timed_out += out.rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0 && closed ? 1U : 0U;
    }
    BOOST_TEST(timed_out == 200u);
    BOOST_TEST(f.http.get(list, as_root()).status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
