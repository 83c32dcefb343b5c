// The S3 client's own rules, offline: endpoint parsing, reading S3's XML answers, the part
// hashes an upload computes while it is spooled, and the retry, timeout and keep-alive policy
// against a scripted gateway on a loopback port (the real gateway is tests/s3/).
#include "store/blobs.hpp"
#include "store/crypto.hpp"
#include "store/s3/bucket.hpp"
#include "store/s3/client.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

using namespace packyard::store;
using namespace packyard::store::s3;
namespace net = boost::asio;

namespace {

/// A gateway that answers each request with the next scripted answer ("" closes the
/// connection without answering, "stall" never answers), on its own thread.
class scripted_gateway {
public:
    explicit scripted_gateway(std::deque<std::string> answers)
        : answers_(std::move(answers))
        , acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~scripted_gateway() {
        stop_ = true;
        boost::system::error_code ec;
        // Wake the accept with a connection of our own.
        net::ip::tcp::socket s(ioc_);
        s.connect({net::ip::make_address("127.0.0.1"), port_}, ec);
        thread_.join();
    }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int connections() const { return connections_; }
    int requests() const { return requests_; }

    static std::string answer(unsigned status, std::string body = {}, std::string extra = {}) {
        return "HTTP/1.1 " + std::to_string(status) +
               " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" +
               body;
    }

private:
    void serve() {
        while (!stop_) {
            net::ip::tcp::socket s(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(s, ec);
            if (ec || stop_) {
                return;
            }
            ++connections_;
            net::streambuf in;
            for (;;) {
                const auto n = net::read_until(s, in, "\r\n\r\n", ec);
                if (ec) {
                    break;
                }
                std::string head(net::buffers_begin(in.data()),
                                 net::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(n));
                in.consume(n);
                std::size_t length = 0;
                if (auto at = head.find("content-length: "); at != std::string::npos) {
                    length = std::stoul(head.substr(at + 16));
                }
                if (in.size() < length) {
                    net::read(s, in, net::transfer_exactly(length - in.size()), ec);
                }
                in.consume(length);
                ++requests_;
                std::string next;
                {
                    const std::lock_guard lock(m_);
                    if (answers_.empty()) {
                        next = answer(200);
                    } else {
                        next = answers_.front();
                        answers_.pop_front();
                    }
                }
                if (next.empty()) {
                    break; // close without answering
                }
                if (next == "stall") {
                    while (!stop_) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    }
                    return;
                }
                net::write(s, net::buffer(next), ec);
            }
        }
    }

    std::mutex m_;
    std::deque<std::string> answers_;
    net::io_context ioc_;
    net::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::atomic<int> requests_{0};
};

bucket_options options_for(const std::string& endpoint) {
    bucket_options o;
    o.client.endpoint = endpoint;
    o.client.bucket = "b";
    o.client.creds = {"AKID", "secret"};
    o.client.first_backoff = std::chrono::milliseconds(5);
    o.client.io_timeout = std::chrono::seconds(1);
    o.client.connect_timeout = std::chrono::seconds(1);
    return o;
}

call delete_call() {
    call c;
    c.what = op::delete_object;
    c.method = "DELETE";
    c.key = "k";
    return c;
}

std::string sha256_hex_of(std::string_view s) {
    const auto d = sha256(s);
    return to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

} // namespace

BOOST_AUTO_TEST_SUITE(s3_client)

BOOST_AUTO_TEST_CASE(endpoints_are_plain_http_host_and_port) {
    auto ep = parse_endpoint("http://127.0.0.1:7480");
    BOOST_REQUIRE(ep);
    BOOST_TEST(ep->host == "127.0.0.1");
    BOOST_TEST(ep->port == "7480");
    BOOST_TEST(ep->host_header == "127.0.0.1:7480");
    ep = parse_endpoint("http://minio.internal/");
    BOOST_REQUIRE(ep);
    BOOST_TEST(ep->port == "80");
    BOOST_TEST(ep->host_header == "minio.internal");
    ep = parse_endpoint("http://[::1]:9000");
    BOOST_REQUIRE(ep);
    BOOST_TEST(ep->host == "::1");
    BOOST_TEST(ep->port == "9000");
    for (const char* bad : {"https://s3.amazonaws.com", "http://h:p", "http://h/path", "ftp://h",
                            "http://user@h", "http://", "http://h:123456"}) {
        BOOST_TEST(!parse_endpoint(bad), bad);
    }
}

BOOST_AUTO_TEST_CASE(xml_answers_are_read_by_element) {
    const std::string initiate =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult><Bucket>b"
        "</Bucket><Key>k</Key><UploadId>2~a&amp;b</UploadId></InitiateMultipartUploadResult>";
    BOOST_TEST(xml_text(initiate, "UploadId") == "2~a&b");
    BOOST_TEST(xml_text(initiate, "Missing").empty());
    const std::string list =
        "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/a</Key><Size>3</Size>"
        "</Contents><Contents><Key>p/&lt;b&gt;</Key><Size>40</Size></Contents>"
        "<NextContinuationToken>t&quot;1</NextContinuationToken></ListBucketResult>";
    const auto entries = xml_texts(list, "Contents");
    BOOST_REQUIRE(entries.size() == 2U);
    BOOST_TEST(xml_text(entries[1], "Key") == "p/<b>");
    BOOST_TEST(xml_text(entries[1], "Size") == "40");
    BOOST_TEST(xml_text(list, "NextContinuationToken") == "t\"1");
    BOOST_TEST(xml_texts("<A>x</A><A>unterminated", "A").size() == 1U);
}

BOOST_AUTO_TEST_CASE(uploads_hash_each_part_as_they_are_spooled) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("packyard-parts-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string bytes = "0123456789ab"; // parts of 5: "01234", "56789", "ab"
    {
        auto up = blob_upload::create(dir, 5);
        BOOST_REQUIRE(up);
        // Chunks that straddle the boundaries.
        for (auto chunk :
             {std::string_view("012"), std::string_view("3456789a"), std::string_view("b")}) {
            BOOST_REQUIRE(!up->write(chunk));
        }
        auto d = up->finish();
        BOOST_REQUIRE(d);
        BOOST_TEST(d->sha256 == sha256_hex_of(bytes));
        const std::vector<std::string> want{sha256_hex_of("01234"), sha256_hex_of("56789"),
                                            sha256_hex_of("ab")};
        BOOST_TEST(up->part_sha256() == want);
    }
    {
        auto up = blob_upload::create(dir, 5);
        BOOST_REQUIRE(up);
        BOOST_REQUIRE(!up->write("junk!junk"));
        BOOST_REQUIRE(!up->restart()); // a retried body starts its parts again
        BOOST_REQUIRE(!up->write("0123456789"));
        BOOST_REQUIRE(up->finish());
        const std::vector<std::string> want{sha256_hex_of("01234"), sha256_hex_of("56789")};
        BOOST_TEST(up->part_sha256() == want); // an exact multiple has no empty last part
    }
    {
        auto up = blob_upload::create(dir);
        BOOST_REQUIRE(up);
        BOOST_REQUIRE(!up->write(bytes));
        BOOST_REQUIRE(up->finish());
        BOOST_TEST(up->part_sha256().empty()); // no bucket: no part hashes
    }
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(server_errors_are_retried_with_backoff_then_answered) {
    scripted_gateway gw({scripted_gateway::answer(503), scripted_gateway::answer(500),
                         scripted_gateway::answer(204)});
    bucket b(options_for(gw.endpoint()));
    auto r = b.run(b.http().send(delete_call()));
    BOOST_REQUIRE(std::holds_alternative<reply>(r));
    BOOST_TEST(std::get<reply>(r).status == 204U);
    const auto& s = b.http().stats(op::delete_object);
    BOOST_TEST(s.calls.load() == 1U);
    BOOST_TEST(s.retries.load() == 2U);
    BOOST_TEST(s.failures.load() == 0U);
    BOOST_TEST(gw.requests() == 3);
}

BOOST_AUTO_TEST_CASE(a_server_error_after_the_last_attempt_is_a_failure) {
    const std::string slow_down =
        "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message></Message></Error>";
    scripted_gateway gw({scripted_gateway::answer(503, slow_down),
                         scripted_gateway::answer(503, slow_down),
                         scripted_gateway::answer(503, slow_down)});
    bucket b(options_for(gw.endpoint()));
    auto r = b.run(b.http().send(delete_call()));
    BOOST_REQUIRE(std::holds_alternative<s3::failure>(r));
    BOOST_TEST(std::get<s3::failure>(r).status == 503U);
    BOOST_TEST(std::get<s3::failure>(r).code == "SlowDown");
    BOOST_TEST(b.http().stats(op::delete_object).failures.load() == 1U);
}

BOOST_AUTO_TEST_CASE(client_errors_are_answers_and_not_retried) {
    scripted_gateway gw(
        {scripted_gateway::answer(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>")});
    bucket b(options_for(gw.endpoint()));
    auto r = b.run(b.http().send(delete_call()));
    BOOST_REQUIRE(std::holds_alternative<reply>(r));
    BOOST_TEST(std::get<reply>(r).status == 403U);
    BOOST_TEST(gw.requests() == 1);
    // The bucket's own calls turn such an answer into a failure naming S3's code.
    scripted_gateway gw2(
        {scripted_gateway::answer(403, "<Error><Code>AccessDenied</Code></Error>")});
    bucket b2(options_for(gw2.endpoint()));
    const auto f = b2.run(b2.erase(std::string(64, 'a')));
    BOOST_TEST(f.failed());
    BOOST_TEST(f.status == 403U);
    BOOST_TEST(f.code == "AccessDenied");
}

BOOST_AUTO_TEST_CASE(a_silent_gateway_times_out) {
    scripted_gateway gw({"stall"});
    auto o = options_for(gw.endpoint());
    o.client.attempts = 1;
    bucket b(o);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = b.run(b.http().send(delete_call()));
    const auto took = std::chrono::steady_clock::now() - t0;
    BOOST_REQUIRE(std::holds_alternative<s3::failure>(r));
    BOOST_TEST(static_cast<bool>(std::get<s3::failure>(r).ec));
    BOOST_TEST(took >= std::chrono::milliseconds(900));
    BOOST_TEST(took < std::chrono::seconds(5));
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_retried_then_a_failure) {
    unsigned short port = 0;
    {
        net::io_context ioc;
        net::ip::tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    } // closed: nothing listens there now
    bucket b(options_for("http://127.0.0.1:" + std::to_string(port)));
    auto r = b.run(b.http().send(delete_call()));
    BOOST_REQUIRE(std::holds_alternative<s3::failure>(r));
    BOOST_TEST(b.http().stats(op::delete_object).retries.load() == 2U);
}

BOOST_AUTO_TEST_CASE(connections_are_kept_alive_and_a_dropped_one_is_replaced) {
    // The second answer is a close without a word: the client reconnects and asks again.
    scripted_gateway gw({scripted_gateway::answer(204), "", scripted_gateway::answer(204),
                         scripted_gateway::answer(204)});
    bucket b(options_for(gw.endpoint()));
    auto many = [&]() -> net::awaitable<int> {
        int ok = 0;
        for (int i = 0; i < 3; ++i) {
            auto r = co_await b.http().send(delete_call());
            ok += std::holds_alternative<reply>(r) ? 1 : 0;
        }
        co_return ok;
    };
    BOOST_TEST(b.run(many()) == 3);
    BOOST_TEST(gw.requests() == 4);
    BOOST_TEST(gw.connections() == 2);
}

BOOST_AUTO_TEST_CASE(a_pinned_blob_is_not_deleted_until_unpinned) {
    scripted_gateway gw({});
    net::io_context ioc; // outlives the bucket, whose idle connection was made on it
    bucket b(options_for(gw.endpoint()));
    const std::string sha(64, 'c');
    std::atomic<int> asked{0};
    b.run(b.pin(sha));
    b.start_deleter(ioc.get_executor(), [&](std::string_view) {
        ++asked;
        return true;
    });
    b.queue_delete(sha);
    ioc.run_for(std::chrono::milliseconds(200));
    BOOST_TEST(asked.load() == 0); // held by the upload in flight
    BOOST_TEST(b.queued_deletes() == 1U);
    b.unpin(sha);
    ioc.run_for(std::chrono::milliseconds(1500));
    BOOST_TEST(asked.load() == 1);
    BOOST_TEST(b.queued_deletes() == 0U);
    BOOST_TEST(gw.requests() == 1);
    b.stop_deleter();
    ioc.run_for(std::chrono::milliseconds(50));
}

BOOST_AUTO_TEST_SUITE_END()
