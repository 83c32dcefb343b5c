// Hostile input against the real binary: request smuggling, unbounded buffers, parameter floods,
// shutdown with busy connections, secrets in logs, oversized names, and the connection and
// memory limits. Each case is an attack that once worked.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <filesystem>
#include <thread>

using namespace packyard::testing;
using namespace std::chrono_literals;

namespace {

struct project_fixture : server_fixture {
    project_fixture()
        : project_fixture(std::vector<std::string>{}) {}
    explicit project_fixture(std::vector<std::string> extra)
        : server_fixture(std::move(extra)) {
        group = create_group("g", "public");
        project = create_project("p", group, "public");
    }
    std::string upload_path(const std::string& rest) const {
        return "/api/v4/projects/" + std::to_string(project) + "/packages/generic/" + rest;
    }
    std::string upload_header(const std::string& rest, const std::string& framing) const {
        return "PUT " + upload_path(rest) + " HTTP/1.1\r\nHost: x\r\nPRIVATE-TOKEN: " + root_token +
               "\r\n" + framing + "\r\n";
    }
    std::uint64_t group = 0;
    std::uint64_t project = 0;
};

std::size_t count_of(const std::string& s, std::string_view what) {
    std::size_t n = 0;
    for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) {
        ++n;
    }
    return n;
}

/// The server's log after the lines of the requests so far have been written.
std::string settled_log(const server_process& s) {
    std::this_thread::sleep_for(150ms);
    return s.log();
}

} // namespace

BOOST_AUTO_TEST_SUITE(hardening)

// 1. Request smuggling (RFC 9112 §6.1, §6.3)

BOOST_FIXTURE_TEST_CASE(
    a_transfer_encoding_not_ending_in_chunked_is_refused_and_its_body_never_runs, server_fixture) {
    const std::string smuggled =
        "GET /api/v4/user HTTP/1.1\r\nHost: x\r\nPRIVATE-TOKEN: " + root_token + "\r\n\r\n";
    for (const std::string te : {"gzip", "identity", "chunked, gzip", "xchunked",
                                 "chunked, chunked", "chunked,chunked", ""}) {
        auto [out, closed] =
            raw_exchange(server.port(),
                         "POST /-/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te +
                             "\r\n\r\n" + smuggled,
                         3s);
        BOOST_TEST_INFO("Transfer-Encoding: " << te);
        BOOST_TEST(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0u);
        BOOST_TEST(out.find(R"({"message":"400 Bad request"})") != std::string::npos);
        BOOST_TEST(count_of(out, "HTTP/1.1 ") == 1u);
        BOOST_TEST(out.find("username") == std::string::npos);
        BOOST_TEST(closed);
    }
    // Split over two fields the codings still form one list.
    auto [split, closed] = raw_exchange(server.port(),
                                        "POST /-/health HTTP/1.1\r\nHost: x\r\n"
                                        "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip"
                                        "\r\n\r\n" +
                                            smuggled,
                                        3s);
    BOOST_TEST(split.rfind("HTTP/1.1 400", 0) == 0u);
    BOOST_TEST(count_of(split, "HTTP/1.1 ") == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_coding_before_chunked_is_not_implemented, server_fixture) {
    auto [out, closed] = raw_exchange(server.port(),
                                      "POST /api/v4/groups HTTP/1.1\r\nHost: x\r\n"
                                      "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                                      3s);
    BOOST_TEST(out.rfind("HTTP/1.1 501 Not Implemented\r\n", 0) == 0u);
    BOOST_TEST(out.find(R"({"message":"501 Not Implemented"})") != std::string::npos);
    BOOST_TEST(closed);
}

BOOST_FIXTURE_TEST_CASE(repeated_lengths_te_with_a_length_and_te_in_http_1_0_are_refused,
                        project_fixture) {
    const std::string next = "GET /-/liveness HTTP/1.1\r\nHost: x\r\n\r\n";
    for (const std::string framing :
         {"Content-Length: 5\r\nContent-Length: 5\r\n", "Content-Length: 5, 5\r\n",
          "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"}) {
        BOOST_TEST_INFO(framing);
        auto [out, closed] =
            raw_exchange(server.port(), upload_header("r/1.0/f", framing) + "hello" + next, 3s);
        BOOST_TEST(out.rfind("HTTP/1.1 400", 0) == 0u);
        BOOST_TEST(count_of(out, "HTTP/1.1 ") == 1u);
        BOOST_TEST(closed);
    }
    auto [old, closed] =
        raw_exchange(server.port(),
                     "POST /-/health HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "0\r\n\r\n" +
                         next,
                     3s);
    BOOST_TEST(old.rfind("HTTP/1.1 400", 0) == 0u);
    BOOST_TEST(count_of(old, "HTTP/1.") == 1u);
    // Nothing of the refused uploads was stored.
    BOOST_TEST(http.get(upload_path("r/1.0/f"), as_root()).status == 404u);
}

BOOST_FIXTURE_TEST_CASE(http_1_1_needs_exactly_one_host, server_fixture) {
    auto [none, c1] = raw_exchange(server.port(), "GET /-/liveness HTTP/1.1\r\n\r\n", 3s);
    BOOST_TEST(none.rfind("HTTP/1.1 400", 0) == 0u);
    auto [two, c2] =
        raw_exchange(server.port(), "GET /-/liveness HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 3s);
    BOOST_TEST(two.rfind("HTTP/1.1 400", 0) == 0u);
    auto [old, c3] = raw_exchange(server.port(), "GET /-/liveness HTTP/1.0\r\n\r\n", 3s);
    BOOST_TEST(old.rfind("HTTP/1.0 200", 0) == 0u); // HTTP/1.0 may leave Host out
}

// 2. Every buffer is bounded

BOOST_FIXTURE_TEST_CASE(chunk_extensions_zero_padded_sizes_and_trailers_cannot_grow_memory,
                        project_fixture) {
    const std::uint64_t before = server.rss_kib();
    const std::string mib(1 << 20, 'x');
    const std::string zeros(1 << 20, '0');
    struct attack {
        std::string name;
        std::string start;
        const std::string* filler;
    };
    const attack attacks[] = {
        {"chunk extension", "5;", &mib},
        {"zero-padded chunk size", "", &zeros},
        {"trailer", "5\r\nhello\r\n0\r\nX-T: ", &mib},
    };
    for (const auto& a : attacks) {
        BOOST_TEST_INFO(a.name);
        raw_connection c(server.port());
        BOOST_REQUIRE(c.send(upload_header("big/1.0/" + std::to_string(a.name.size()),
                                           "Transfer-Encoding: chunked\r\n") +
                             a.start));
        // 64 MiB is far more than the loopback socket buffers can absorb unread.
        bool sent_all = true;
        for (int i = 0; i < 64 && sent_all; ++i) {
            sent_all = c.send(*a.filler);
        }
        BOOST_TEST(!sent_all);
        auto [out, closed] = c.read(3s);
        if (!out.empty()) { // the answer may be lost to the reset of a connection closed unread
            BOOST_TEST(out.rfind("HTTP/1.1 400", 0) == 0u);
        }
    }
    const std::uint64_t after = server.rss_kib();
    BOOST_TEST(after < before + 16 * 1024, "RSS " << before << " -> " << after << " KiB");
    BOOST_TEST(http.get(upload_path("big/1.0/15"), as_root()).status == 404u);
    BOOST_TEST(http.get("/-/health").status == 200u);
}

BOOST_FIXTURE_TEST_CASE(a_header_block_is_counted_whole_however_it_arrives, server_fixture) {
    // 35 bytes of request line and Host, n fields of 20 bytes, 2 for the blank line.
    auto header_of = [&](std::size_t fields, bool in_pieces) {
        std::string h = "GET /-/liveness HTTP/1.1\r\nHost: x\r\n";
        raw_connection c(server.port());
        for (std::size_t i = 0; i < fields; ++i) {
            std::string f = "a" + std::to_string(i) + ": ";
            f += std::string(18 - f.size(), 'b') + "\r\n";
            h += f;
            if (in_pieces && h.size() > 1000) {
                c.send(h);
                h.clear();
                std::this_thread::sleep_for(2ms);
            }
        }
        c.send(h + "\r\n");
        return c.read(3s).first;
    };
    for (const bool in_pieces : {false, true}) {
        BOOST_TEST_INFO((in_pieces ? "in pieces" : "at once"));
        BOOST_TEST(header_of(817, in_pieces).rfind("HTTP/1.1 200", 0) == 0u); // 16,377 bytes
        BOOST_TEST(header_of(818, in_pieces).rfind("HTTP/1.1 431", 0) == 0u); // 16,397 bytes
        BOOST_TEST(header_of(1200, in_pieces).rfind("HTTP/1.1 431", 0) == 0u);
    }
}

// 3. Parameters: authentication first, bounded count and depth, linear parsing

BOOST_FIXTURE_TEST_CASE(anonymous_writes_are_refused_before_their_body_is_read, server_fixture) {
    // An unparseable body would be a 400 if it were read: the 401 says it was not.
    auto r =
        http.request("POST", "/api/v4/groups", "{not json", {{"Content-Type", "application/json"}});
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(r.body == R"({"message":"401 Unauthorized"})");
    // A client that waits for 100 Continue gets the 401 without sending its megabyte.
    raw_connection c(server.port());
    c.send("POST /api/v4/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: 1048576\r\nExpect: 100-continue\r\n\r\n");
    auto [out, closed] = c.read(3s);
    BOOST_TEST(out.rfind("HTTP/1.1 401 Unauthorized\r\n", 0) == 0u);
    BOOST_TEST(closed);
    // The same for a streamed upload, with GitLab's Basic realm.
    auto up = http.put("/api/v4/projects/1/packages/generic/a/1/f", "x");
    BOOST_TEST(up.status == 401u);
    BOOST_TEST(up.header("www-authenticate") == "Basic realm=\"GitLab Packages Registry\"");
}

BOOST_FIXTURE_TEST_CASE(parameter_floods_and_deep_nesting_get_400, server_fixture) {
    std::string json = "{";
    std::string form;
    for (int i = 0; i < 5000; ++i) {
        json += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":1";
        form += "k" + std::to_string(i) + "=1&";
    }
    json += "}";
    const std::string too_many = R"({"message":"400 Bad request - too many parameters"})";
    auto r = http.post_json("/api/v4/groups", json, as_root());
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.body == too_many);
    r = http.request(
        "POST", "/api/v4/groups", form,
        {{"PRIVATE-TOKEN", root_token}, {"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_TEST(r.body == too_many);
    std::string query; // within the 16 KiB header: the same key, no value, 4,100 times
    for (int i = 0; i < 4100; ++i) {
        query += "k&";
    }
    r = http.get("/api/v4/groups?" + query, as_root());
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.body == too_many);
    // Half a million levels would overflow a recursive parser's stack.
    const std::string deep = "{\"a\":" + std::string(500000, '[') + std::string(500000, ']') + "}";
    r = http.post_json("/api/v4/groups", deep, as_root());
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.body == R"({"message":"400 Bad request - parameters nested too deeply"})");
    BOOST_TEST(http.get("/-/health").status == 200u);
}

// 4. Shutdown with connections still busy at the deadline

BOOST_AUTO_TEST_CASE(sigterm_with_busy_connections_at_the_deadline_exits_0) {
    project_fixture f({"--shutdown-timeout", "1"});
    BOOST_TEST(f.upload(f.project, "dl", "1.0", "big.bin", std::string(32 << 20, 'd')) == 201u);
    raw_connection half(f.server.port());
    half.send("GET /api/v4/user HTTP/1.1\r\nHo");
    raw_connection upload(f.server.port());
    upload.send(f.upload_header("slow/1.0/f", "Content-Length: 1000000\r\n") + "abc");
    raw_connection download(f.server.port()); // never reads the 32 MiB it asks for
    download.send("GET " + f.upload_path("dl/1.0/big.bin") +
                  " HTTP/1.1\r\nHost: x\r\n"
                  "PRIVATE-TOKEN: " +
                  root_token + "\r\n\r\n");
    std::this_thread::sleep_for(300ms);
    const auto started = std::chrono::steady_clock::now();
    f.server.signal(SIGTERM);
    BOOST_TEST(f.server.wait_exit(10s) == 0);
    const bool prompt = std::chrono::steady_clock::now() - started < 5s;
    BOOST_TEST(prompt);
}

// 5. Secrets never reach a log line

BOOST_AUTO_TEST_CASE(credentials_in_encoded_query_keys_are_redacted_in_both_log_formats) {
    for (const std::string format : {"text", "json"}) {
        server_fixture f({"--log-format", format});
        for (const std::string key :
             {"private_token", "private%5Ftoken", "%70rivate_token", "PRIVATE_TOKEN", "job%5Ftoken",
              "private_token[]", "token", "password", "client_secret"}) {
            f.http.get("/api/v4/user?" + key + "=" + root_token + "&x=1");
        }
        f.http.get("/api/v4/user?private_token=" + root_token + "&bad=%zz"); // 400, still logged
        const auto log = settled_log(f.server);
        BOOST_TEST_INFO(format);
        BOOST_TEST(log.find(root_token) == std::string::npos);
        BOOST_TEST(count_of(log, "[FILTERED]") == 10u);
        BOOST_TEST(log.find("x=1") != std::string::npos);
    }
}

// 6. Long names: GitLab's limits, never a 500

BOOST_FIXTURE_TEST_CASE(names_past_gitlabs_limits_get_400_and_key_sizes_never_500,
                        project_fixture) {
    auto r = http.put(upload_path(std::string(256, 'n') + "/1.0/f"), "x", as_root());
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.body ==
               R"({"error":"package_name is expected to have length less than or equal to 255"})");
    r = http.put(upload_path("n/" + std::string(256, '1') + "/f"), "x", as_root());
    BOOST_TEST(
        r.body ==
        R"({"error":"package_version is expected to have length less than or equal to 255"})");
    r = http.put(upload_path("n/1.0/" + std::string(256, 'f')), "x", as_root());
    BOOST_TEST(r.body ==
               R"({"error":"file_name is expected to have length less than or equal to 255"})");
    // Within each limit but too long together for one LMDB key (511 bytes).
    r = http.put(upload_path(std::string(255, 'n') + "/" + std::string(255, '1') + "/f"), "x",
                 as_root());
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.body == R"({"message":"400 Bad request - a name, path or version is too long"})");
    BOOST_TEST(http.put(upload_path(std::string(255, 'n') + "/1.0/f"), "x", as_root()).status ==
               201u);

    r = http.post_json(
        "/api/v4/users",
        R"({"email":")" + std::string(3000, 'a') + R"(@x","name":"n","username":"u"})", as_root());
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.body == R"j({"message":{"email":["is too long (maximum is 255 characters)"]}})j");
    r = http.post_json(
        "/api/v4/users",
        R"({"email":"e@x","name":")" + std::string(256, 'n') + R"(","username":"u"})", as_root());
    BOOST_TEST(r.body == R"j({"message":{"name":["is too long (maximum is 255 characters)"]}})j");
    // 255 characters of four bytes each: valid for GitLab, too long for a key here.
    std::string wide;
    for (int i = 0; i < 250; ++i) {
        wide += "\xF0\x9F\x93\xA6";
    }
    r = http.post_json("/api/v4/users",
                       R"({"email":")" + wide + R"(@x","name":"n","username":"u"})", as_root());
    BOOST_TEST(r.status == 400u);
    r = http.post_json(
        "/api/v4/groups",
        R"({"name":"g2","path":"g2","description":")" + std::string(256, 'd') + R"("})", as_root());
    BOOST_TEST(
        r.body ==
        R"j({"message":"Failed to save group {:description=>[\"is too long (maximum is 255 characters)\"]}"})j");
    r = http.post_json("/api/v4/projects",
                       R"({"name":")" + std::string(256, 'p') + R"(","namespace_id":)" +
                           std::to_string(group) + "}",
                       as_root());
    BOOST_TEST(r.body == R"j({"message":{"name":["is too long (maximum is 255 characters)"]}})j");
    // Nested groups whose full path outgrows a key.
    std::uint64_t parent = group;
    unsigned last = 0;
    for (int depth = 0; depth < 4 && last != 400; ++depth) {
        auto g = http.post_json("/api/v4/groups",
                                R"({"name":"n","path":")" +
                                    std::string(200, static_cast<char>('a' + depth)) +
                                    R"(","parent_id":)" + std::to_string(parent) + "}",
                                as_root());
        last = g.status;
        if (g.status == 201u) {
            parent = static_cast<std::uint64_t>(int_field(g.json(), "id"));
        }
    }
    BOOST_TEST(last == 400u);
}

// 8. A download whose blob cannot be opened

BOOST_FIXTURE_TEST_CASE(a_download_whose_blob_is_gone_answers_404_and_logs_404, project_fixture) {
    BOOST_TEST(upload(project, "b", "1.0", "f", "hello") == 201u);
    for (const auto& e : std::filesystem::directory_iterator(dir.path() / "data" / "blobs")) {
        std::filesystem::remove(e.path());
    }
    auto r = http.get(upload_path("b/1.0/f"), as_root());
    BOOST_TEST(r.status == 404u);
    BOOST_TEST(r.body == R"({"message":"404 Not Found"})");
    BOOST_TEST(http.request("HEAD", upload_path("b/1.0/f"), {}, as_root()).status == 404u);
    BOOST_TEST(settled_log(server).find("/b/1.0/f\" 404") != std::string::npos);
}

// 9. A multipart body packyard cannot unwrap

BOOST_FIXTURE_TEST_CASE(multipart_bodies_without_a_usable_boundary_are_refused, project_fixture) {
    const std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
                             "PAYLOAD\r\n--XyZ--\r\n";
    for (const std::string& ct : std::vector<std::string>{
             "multipart/form-data",
             "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
             "multipart/form-data; boundary=" + std::string(71, 'b'),
             "multipart/mixed; boundary=XyZ"}) {
        BOOST_TEST_INFO(ct);
        auto r = http.put(upload_path("mp/1.0/f"), body,
                          {{"PRIVATE-TOKEN", root_token}, {"Content-Type", ct}});
        BOOST_TEST(r.status == 400u);
        BOOST_TEST(r.body == R"({"error":"file is missing"})");
    }
    BOOST_TEST(http.get(upload_path("mp/1.0/f"), as_root()).status == 404u);
}

// 10. HTTP details

BOOST_FIXTURE_TEST_CASE(expect_100_continue_on_small_bodies_and_never_to_http_1_0,
                        project_fixture) {
    const std::string json = R"({"name":"c","path":"c"})";
    raw_connection c(server.port());
    c.send("POST /api/v4/groups HTTP/1.1\r\nHost: x\r\nPRIVATE-TOKEN: " + root_token +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
           "\r\nExpect: 100-continue\r\n\r\n");
    BOOST_TEST(c.read_until("\r\n\r\n", 2s) == "HTTP/1.1 100 Continue\r\n\r\n");
    c.send(json);
    BOOST_TEST(c.read_until("\r\n\r\n", 2s).rfind("HTTP/1.1 201", 0) == 0u);

    raw_connection old(server.port());
    old.send("PUT " + upload_path("e/1.0/f") + " HTTP/1.0\r\nHost: x\r\nPRIVATE-TOKEN: " +
             root_token + "\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    auto [nothing, closed] = old.read(500ms);
    BOOST_TEST(nothing.empty()); // waits for the body: no interim response to HTTP/1.0
    old.send("abc");
    BOOST_TEST(old.read_until("\r\n\r\n", 2s).rfind("HTTP/1.0 201", 0) == 0u);
}

BOOST_FIXTURE_TEST_CASE(options_answers_204_with_allow, server_fixture) {
    auto [out, closed] =
        raw_exchange(server.port(),
                     "OPTIONS /api/v4/groups HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3s);
    BOOST_TEST(without_request_id(out) ==
               "HTTP/1.1 204 No Content\r\nAllow: OPTIONS, GET, HEAD, POST\r\n"
               "Connection: close\r\n\r\n");
    BOOST_TEST(http.request("OPTIONS", "/api/v4/nope").status == 404u);
}

BOOST_AUTO_TEST_CASE(refused_headers_are_logged_with_their_status_and_logs_stay_utf8) {
    server_fixture f({"--log-format", "json"});
    raw_exchange(f.server.port(),
                 "GET /x HTTP/1.1\r\nHost: x\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", 3s);
    raw_exchange(f.server.port(), "GET /api/v4/\xff\xfe\xc3 HTTP/1.1\r\nHost: x\r\n\r\n", 3s);
    const auto log = settled_log(f.server);
    BOOST_TEST(log.find(R"("status":431)") != std::string::npos);
    BOOST_TEST(log.find(R"("path":"/api/v4/\\xff\\xfe\\xc3")") != std::string::npos);
    BOOST_TEST(log.find('\xff') == std::string::npos);
}

// 11. Connection and memory limits

BOOST_AUTO_TEST_CASE(connections_past_the_limit_get_503_and_are_closed) {
    server_fixture f({"--max-connections", "3"});
    f.http.get("/-/health"); // the fixture's own keep-alive connection is one of the three
    raw_connection a(f.server.port());
    raw_connection b(f.server.port());
    a.send("GET /-/liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    b.send("GET /-/liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(a.read_until("ok\"}", 2s).rfind("HTTP/1.1 200", 0) == 0u);
    BOOST_TEST(b.read_until("ok\"}", 2s).rfind("HTTP/1.1 200", 0) == 0u);
    raw_connection over(f.server.port());
    auto [out, closed] = over.read(2s);
    BOOST_TEST(out.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0) == 0u);
    BOOST_TEST(out.find(R"({"message":"503 Service Unavailable"})") != std::string::npos);
    BOOST_TEST(closed);
    a.close();
    std::this_thread::sleep_for(100ms);
    auto [again, c2] =
        raw_exchange(f.server.port(), "GET /-/liveness HTTP/1.1\r\nHost: x\r\n\r\n", 1s);
    BOOST_TEST(again.rfind("HTTP/1.1 200", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(small_bodies_share_one_memory_budget) {
    server_fixture f({"--max-buffered-bodies", "2500000"});
    const std::string head =
        "POST /api/v4/groups HTTP/1.1\r\nHost: x\r\nPRIVATE-TOKEN: " + root_token +
        "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
    raw_connection a(f.server.port());
    raw_connection b(f.server.port());
    a.send(head + "{");
    b.send(head + "{");
    std::this_thread::sleep_for(200ms);
    raw_connection c(f.server.port());
    c.send(head + "{");
    auto [out, closed] = c.read(2s);
    BOOST_TEST(out.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0) == 0u);
    BOOST_TEST(out.find("Retry-After: 1\r\n") != std::string::npos);
    BOOST_TEST(closed);
    a.close();
    b.close();
    std::this_thread::sleep_for(200ms);
    // Their bytes are given back: a new body fits again.
    auto r = f.http.post_json("/api/v4/groups", R"({"name":"ok","path":"ok"})", as_root());
    BOOST_TEST(r.status == 201u);
}

BOOST_AUTO_TEST_SUITE_END()
