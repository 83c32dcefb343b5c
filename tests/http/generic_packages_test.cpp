// GitLab's generic packages: upload (raw and multipart), download, validation, permissions.

#include "tests/support/packyard_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

using namespace packyard::testing;

namespace {
struct generic_fixture : server_fixture {
    generic_fixture() {
        group = create_group("g", "public");
        pub = create_project("pub", group, "public");
        priv = create_project("priv", group, "private");
    }
    std::string url(std::uint64_t p, const std::string& rest) const {
        return "/api/v4/projects/" + std::to_string(p) + "/packages/generic/" + rest;
    }
    std::uint64_t group = 0;
    std::uint64_t pub = 0;
    std::uint64_t priv = 0;
};
} // namespace

BOOST_AUTO_TEST_SUITE(generic_packages)

BOOST_FIXTURE_TEST_CASE(upload_then_download_returns_the_bytes_and_headers, generic_fixture) {
    const std::string data(200000, 'x');
    auto up = http.put(url(pub, "tool/1.2.3/tool.tar.gz"), data, as_root());
    BOOST_TEST(up.status == 201u);
    BOOST_TEST(up.body == R"({"message":"201 Created"})");
    auto dl = http.get(url(pub, "tool/1.2.3/tool.tar.gz"));
    BOOST_TEST(dl.status == 200u);
    BOOST_TEST(dl.body == data);
    BOOST_TEST(dl.header("content-disposition") ==
               "attachment; filename=\"tool.tar.gz\"; filename*=UTF-8''tool.tar.gz");
    BOOST_TEST(dl.header("x-checksum-sha256").size() == 64u);
    const auto doc = http.get("/api/v4/projects/" + std::to_string(pub) + "/packages").json();
    BOOST_TEST(doc[0]["last_downloaded_at"].IsString());
}

BOOST_FIXTURE_TEST_CASE(downloads_around_the_inline_size_are_exact, generic_fixture) {
    // Files up to 16 KiB leave with their header in one write, larger ones by sendfile(2):
    // each size around the switch comes back byte for byte, with its length.
    for (const std::size_t size : {0UL, 1UL, 16383UL, 16384UL, 16385UL, 70000UL}) {
        std::string data(size, '\0');
        for (std::size_t i = 0; i < size; ++i) {
            data[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
        }
        const auto path = url(pub, "sizes/1.0/f" + std::to_string(size));
        BOOST_TEST_REQUIRE(http.put(path, data, as_root()).status == 201u);
        auto dl = http.get(path);
        BOOST_TEST(dl.status == 200u);
        BOOST_TEST(dl.header("content-length") == std::to_string(size));
        BOOST_TEST(dl.body == data, "size " << size);
        auto again = http.get(path); // the same keep-alive connection stays in step
        BOOST_TEST(again.body == data, "size " << size);
    }
}

BOOST_FIXTURE_TEST_CASE(path_segments_and_select_package_file, generic_fixture) {
    auto up = http.put(url(pub, "tool/1.0/linux/amd64/tool?select=package_file"), "bin", as_root());
    BOOST_TEST(up.status == 200u);
    BOOST_TEST(str_field(up.json(), "file_name") == "linux%2Famd64%2Ftool");
    BOOST_TEST(int_field(up.json(), "package_id") > 0);
    BOOST_TEST(http.get(url(pub, "tool/1.0/linux/amd64/tool")).body == "bin");
    BOOST_TEST(http.get(url(pub, "tool/1.0/tool")).status == 404u);
    BOOST_TEST(http.put(url(pub, "tool/1.0/x?select=nope"), "x", as_root()).body ==
               R"({"error":"select does not have a valid value"})");
}

BOOST_FIXTURE_TEST_CASE(multipart_upload_stores_only_the_file_part, generic_fixture) {
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\nPAYLOAD\r\n--XyZ--\r\n";
    auto up = http.request(
        "PUT", url(pub, "mp/1.0/f.bin"), body,
        {{"PRIVATE-TOKEN", root_token}, {"Content-Type", "multipart/form-data; boundary=XyZ"}});
    BOOST_TEST(up.status == 201u);
    BOOST_TEST(http.get(url(pub, "mp/1.0/f.bin")).body == "PAYLOAD");
}

BOOST_FIXTURE_TEST_CASE(names_versions_and_traversal_are_validated, generic_fixture) {
    BOOST_TEST(http.put(url(pub, "my%20pkg/1.0/f"), "x", as_root()).body ==
               R"({"error":"package_name is invalid"})");
    BOOST_TEST(http.put(url(pub, "pkg/..1.2.3/f"), "x", as_root()).body ==
               R"({"error":"package_version is invalid"})");
    BOOST_TEST(http.put(url(pub, "my-package%2f%2e%2e%2f/1.0/f"), "x", as_root()).status == 400u);
    BOOST_TEST(
        http.put(url(pub, "pkg/1.0/%2e%2e%2f.ssh%2fauthorized_keys"), "x", as_root()).status ==
        400u);
    BOOST_TEST(http.put(url(pub, "pkg/1.0/my~file@1.1.tar.gz"), "x", as_root()).status == 201u);
    BOOST_TEST(http.put(url(pub, "pkg/1.0/@myfile"), "x", as_root()).status == 400u);
    BOOST_TEST(http.put(url(pub, "pkg/v1.2.4-build/f"), "x", as_root()).status == 201u);
    BOOST_TEST(http.put(url(pub, "pkg/1.0/f?status=processing"), "x", as_root()).body ==
               R"({"error":"status does not have a valid value"})");
}

BOOST_FIXTURE_TEST_CASE(upload_permissions_follow_gitlab, generic_fixture) {
    auto anon = http.put(url(pub, "p/1.0/f"), "x");
    BOOST_TEST(anon.status == 401u);
    BOOST_TEST(anon.header("www-authenticate") == "Basic realm=\"GitLab Packages Registry\"");
    auto [uid, token] = create_user("someone");
    BOOST_TEST(http.put(url(pub, "p/1.0/f"), "x", with_token(token)).status == 403u);
    BOOST_TEST(http.put(url(priv, "p/1.0/f"), "x", with_token(token)).body ==
               R"({"message":"404 Not Found"})");
    add_member("projects", priv, uid, 10);
    BOOST_TEST(http.put(url(priv, "p/1.0/f"), "x", with_token(token)).status == 403u);
    auto [did, dev] = create_user("dev");
    add_member("projects", priv, did, 30);
    BOOST_TEST(http.put(url(priv, "p/1.0/f"), "x", with_token(dev)).status == 201u);
    // The connection stays usable after a refused upload.
    BOOST_TEST(http.get("/-/health").status == 200u);
}

BOOST_FIXTURE_TEST_CASE(download_permissions_and_basic_auth, generic_fixture) {
    BOOST_TEST(http.put(url(priv, "p/1.0/f"), "secret", as_root()).status == 201u);
    auto anon = http.get(url(priv, "p/1.0/f"));
    BOOST_TEST(anon.status == 401u);
    auto [uid, token] = create_user("outsider");
    BOOST_TEST(http.get(url(priv, "p/1.0/f"), with_token(token)).status == 404u);
    add_member("projects", priv, uid, 10);
    BOOST_TEST(http.get(url(priv, "p/1.0/f"), with_token(token)).body == "secret");
    // Basic with any user name and a token as password; a wrong pair counts as anonymous.
    BOOST_TEST(http.put(url(pub, "p/1.0/f"), "open", as_root()).status == 201u);
    BOOST_TEST(
        http.get(url(pub, "p/1.0/f"), {{"Authorization", "Basic d3Jvbmc6d3Jvbmc="}}).status ==
        200u);
    BOOST_TEST(http.get(url(pub, "p/1.0/f"), {{"PRIVATE-TOKEN", "glpat-wrong"}}).status == 401u);
    BOOST_TEST(http.get(url(pub, "p/1.0/missing")).body == R"({"message":"404 Not found"})");
    // A hidden package is not listed but stays downloadable.
    BOOST_TEST(http.put(url(pub, "h/1.0/f?status=hidden"), "h", as_root()).status == 201u);
    BOOST_TEST(http.get(url(pub, "h/1.0/f")).body == "h");
}

BOOST_FIXTURE_TEST_CASE(upload_over_the_limit_gets_413_and_stores_nothing, server_fixture) {
    // A dedicated server with a small limit.
    server_fixture small({"--max-upload-size", "1000"});
    const auto g = small.create_group("g", "public");
    const auto p = small.create_project("p", g, "public");
    auto r = small.http.put("/api/v4/projects/" + std::to_string(p) + "/packages/generic/big/1.0/f",
                            std::string(2000, 'x'), as_root());
    BOOST_TEST(r.status == 413u);
    BOOST_TEST(small.http.get("/api/v4/projects/" + std::to_string(p) + "/packages").body == "[]");
}

// Downloads, HEAD and 204 share the header writer of every other response: a HEAD carries the
// GET's header without the body, a 204 no Content-Length.
BOOST_FIXTURE_TEST_CASE(head_download_and_delete_write_exact_headers, generic_fixture) {
    using namespace std::chrono_literals;
    BOOST_TEST(http.put(url(pub, "t/1.0/f.txt"), "hello", as_root()).status == 201u);
    const std::string header =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        "Content-Disposition: attachment; filename=\"f.txt\"; filename*=UTF-8''f.txt\r\n"
        "X-Checksum-SHA256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\r\n"
        "Content-Length: 5\r\n"
        "Connection: close\r\n\r\n";
    const auto request = [&](const std::string& method, const std::string& target,
                             const std::string& extra) {
        return raw_exchange(server.port(),
                            method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + extra +
                                "Connection: close\r\n\r\n",
                            3s);
    };
    auto [head, head_closed] = request("HEAD", url(pub, "t/1.0/f.txt"), "");
    BOOST_TEST(without_request_id(head) == header);
    BOOST_TEST(head_closed);
    auto [get, get_closed] = request("GET", url(pub, "t/1.0/f.txt"), "");
    BOOST_TEST(without_request_id(get) == header + "hello");
    BOOST_TEST(get_closed);
    const auto list = http.get("/api/v4/projects/" + std::to_string(pub) + "/packages").json();
    BOOST_TEST_REQUIRE(list.Size() == 1u);
    auto [del, del_closed] = request("DELETE",
                                     "/api/v4/projects/" + std::to_string(pub) + "/packages/" +
                                         std::to_string(int_field(list[0], "id")),
                                     "PRIVATE-TOKEN: " + root_token + "\r\n");
    BOOST_TEST(without_request_id(del) == "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    BOOST_TEST(del_closed);
}

BOOST_FIXTURE_TEST_CASE(a_client_dropping_a_download_midway_leaves_the_server_serving,
                        generic_fixture) {
    // 8 MiB is more than the loopback socket buffers hold, so the server is still sending when
    // the client resets the connection (SO_LINGER 0) or closes it with bytes unread.
    const std::string data(std::size_t{8} << 20, 'd');
    BOOST_TEST(http.put(url(pub, "big/1.0/big.bin"), data, as_root()).status == 201u);
    namespace net = boost::asio;
    using net::ip::tcp;
    for (int i = 0; i < 6; ++i) {
        net::io_context ioc;
        tcp::socket s(ioc);
        s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
        net::write(
            s, net::buffer("GET " + url(pub, "big/1.0/big.bin") + " HTTP/1.1\r\nHost: t\r\n\r\n"));
        char first[4096];
        net::read(s, net::buffer(first));
        if (i % 2 == 0) {
            s.set_option(tcp::socket::linger(true, 0));
        }
        s.close();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        BOOST_TEST_REQUIRE(server.running());
    }
    BOOST_TEST(http.get(url(pub, "big/1.0/big.bin")).body == data);
}

BOOST_AUTO_TEST_SUITE_END()
