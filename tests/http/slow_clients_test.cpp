// Slow clients (slowloris) against the real binary, for every route that takes a body (a
// generic PUT, an npm publish, a PyPI upload, a JSON body): a header trickled a byte at a time
// is cut at the header deadline (--header-timeout from its first byte, however steadily bytes
// come); a body trickled a byte at a time, or stalled, at the deadline of one read (a read is
// 64 KiB or the rest of the body, within --header-timeout); a body that keeps coming but never
// ends at its whole deadline (--upload-timeout, --body-timeout). Other clients are answered as
// usual meanwhile, and nothing of the cut requests is stored or left in the temp folder.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <poll.h>
#include <thread>
#include <vector>

using namespace packyard::testing;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// How a slow client sends: `start` at once, then `per_tick` bytes every tick (the `lead`,
/// then `filler` bytes), never finishing.
struct slow_kind {
    std::string name;
    std::string start;
    std::string lead;
    std::size_t per_tick = 0;
    char filler = 'x';
    double earliest = 0; ///< seconds after the start within which the server must cut it
    double latest = 0;
    bool answered = true; ///< with 408 (a header cut off has nobody to answer)
};

struct slow_client {
    const slow_kind* kind;
    std::unique_ptr<raw_connection> conn;
    std::size_t sent = 0;
    clock_type::time_point began;
    std::optional<double> cut_after; ///< seconds, when the server closed it
    std::string answer;
};

std::size_t files_in(const std::filesystem::path& dir) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        n += e.is_regular_file() ? 1U : 0U;
    }
    return n;
}

double seconds(clock_type::duration d) {
    return std::chrono::duration<double>(d).count();
}

} // namespace

BOOST_AUTO_TEST_SUITE(slow_clients)

BOOST_AUTO_TEST_CASE(trickled_stalled_and_endless_requests_are_cut_at_their_deadlines) {
    // The header and each read of a body: 2 s; a whole body: 5 s. Slow clients send every
    // 400 ms, so only the deadlines end them, never the client.
    server_fixture f({"--header-timeout", "2", "--upload-timeout", "5", "--body-timeout", "5"});
    const auto group = f.create_group("g", "public");
    const auto project = f.create_project("p", group, "public");
    const std::string packages = "/api/v4/projects/" + std::to_string(project) + "/packages";
    BOOST_REQUIRE(f.upload(project, "kept", "1.0", "k.bin", "kept bytes") == 201u);

    auto header = [](const std::string& method, const std::string& path, const std::string& type,
                     std::uint64_t length) {
        return method + " " + path + " HTTP/1.1\r\nHost: x\r\nPRIVATE-TOKEN: " + root_token +
               "\r\n" + (type.empty() ? "" : "Content-Type: " + type + "\r\n") +
               "Content-Length: " + std::to_string(length) + "\r\n\r\n";
    };
    struct route {
        std::string name, method, path, type, lead;
        char filler;
        std::uint64_t endless; ///< a Content-Length the steady client never reaches
    };
    const std::vector<route> routes = {
        {"generic PUT", "PUT", packages + "/generic/slow/1.0/f.bin", "", "", 'g', 100ULL << 20},
        {"npm publish", "PUT", packages + "/npm/@acme%2fslow", "application/json",
         R"({"_id":"@acme/slow","name":"@acme/slow","versions":{"1.0.0":{"name":"@acme/slow",)"
         R"("version":"1.0.0"}},"_attachments":{"@acme/slow-1.0.0.tgz":{"data":")",
         'A', 100ULL << 20},
        {"PyPI upload", "POST", packages + "/pypi", "multipart/form-data; boundary=B",
         "--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nslow\r\n--B\r\n"
         "Content-Disposition: form-data; name=\"content\"; filename=\"slow-1.0.tar.gz\"\r\n\r\n",
         's', 100ULL << 20},
        {"JSON body", "POST", "/api/v4/groups", "application/json", R"({"name":")", 'n',
         1000000}, // within the 1 MiB of a small body
    };
    std::vector<slow_kind> kinds;
    kinds.push_back({"trickled header", "", "GET " + packages + " HTTP/1.1\r\nHost: x\r\nX-Slow: ",
                     1, 'a', 1.5, 4.5, false});
    for (const auto& r : routes) {
        const auto h = header(r.method, r.path, r.type, 100000);
        kinds.push_back({r.name + ", trickled", h, r.lead, 1, r.filler, 1.5, 4.5});
        kinds.push_back({r.name + ", stalled", h + r.lead, "", 0, r.filler, 1.5, 4.5});
        kinds.push_back({r.name + ", endless", header(r.method, r.path, r.type, r.endless), r.lead,
                         24 * 1024, r.filler, 4.5, 7.5});
    }
    std::vector<slow_client> clients;
    for (int i = 0; i < 12; ++i) {
        for (const auto& k : kinds) {
            clients.push_back({&k,
                               std::make_unique<raw_connection>(f.server.port()),
                               0,
                               clock_type::now(),
                               {},
                               {}});
        }
    }
    for (auto& c : clients) {
        c.began = clock_type::now();
        BOOST_REQUIRE(c.conn->send(c.kind->start));
    }

    // Every 100 ms another client asks for the package list; every 400 ms each slow client
    // sends its bytes.
    std::size_t lists = 0;
    std::size_t lists_ok = 0;
    clock_type::duration slowest_list{};
    const auto give_up = clock_type::now() + 15s;
    for (int tick = 0; clock_type::now() < give_up; ++tick) {
        std::vector<pollfd> fds;
        std::vector<slow_client*> open;
        for (auto& c : clients) {
            if (!c.cut_after) {
                fds.push_back({c.conn->fd(), POLLIN, 0});
                open.push_back(&c);
            }
        }
        if (open.empty()) {
            break;
        }
        ::poll(fds.data(), fds.size(), 0);
        for (std::size_t i = 0; i < open.size(); ++i) {
            auto& c = *open[i];
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                auto [got, closed] = c.conn->read(20ms);
                c.answer += got;
                if (closed) {
                    c.cut_after = seconds(clock_type::now() - c.began);
                    continue;
                }
            }
            if (tick % 4 == 0 && c.kind->per_tick > 0) {
                std::string bytes;
                for (std::size_t n = 0; n < c.kind->per_tick; ++n, ++c.sent) {
                    bytes += c.sent < c.kind->lead.size() ? c.kind->lead[c.sent] : c.kind->filler;
                }
                c.conn->send(bytes);
            }
        }
        const auto asked = clock_type::now();
        const auto r = f.http.get(packages, as_root());
        slowest_list = std::max(slowest_list, clock_type::now() - asked);
        ++lists;
        lists_ok += r.status == 200u && r.body.find("\"kept\"") != std::string::npos ? 1U : 0U;
        std::this_thread::sleep_for(100ms);
    }

    for (const auto& c : clients) {
        const auto& k = *c.kind;
        BOOST_TEST_INFO(k.name << ": cut after " << c.cut_after.value_or(-1) << " s, answer '"
                               << c.answer.substr(0, 32) << "'");
        BOOST_TEST(c.cut_after.has_value());
        BOOST_TEST(c.cut_after.value_or(0) >= k.earliest);
        BOOST_TEST(c.cut_after.value_or(99) <= k.latest);
        if (k.answered) {
            BOOST_TEST(c.answer.rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0u);
            BOOST_TEST(c.answer.find(R"({"message":"408 Request Timeout"})") != std::string::npos);
        } else {
            BOOST_TEST(c.answer.empty());
        }
    }
    BOOST_TEST_MESSAGE(clients.size() << " slow clients; " << lists
                                      << " list requests meanwhile, the slowest took "
                                      << seconds(slowest_list) * 1000 << " ms");
    BOOST_TEST(lists >= 20u);
    BOOST_TEST(lists_ok == lists);
    BOOST_TEST(seconds(slowest_list) < 2.0);
    // Nothing of the cut requests was stored or left behind.
    const auto list = f.http.get(packages, as_root()).json();
    BOOST_TEST((list.IsArray() && list.Size() == 1u));
    BOOST_TEST(files_in(f.dir.path() / "data" / "tmp") == 0u);
    BOOST_TEST(f.http.get("/api/v4/groups?search=nnn", as_root()).body == "[]");
}

BOOST_AUTO_TEST_SUITE_END()
