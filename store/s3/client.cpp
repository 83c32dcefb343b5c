#include "store/s3/client.hpp"

#include "store/text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <random>
#include <unistd.h>

namespace packyard::store::s3 {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
/// Bytes of a spool file read per write: what one upload holds in memory while it is sent.
constexpr std::size_t send_chunk = 256 * 1024;
/// The largest answer read whole: a ListObjectsV2 page of 1,000 keys is about 300 KB.
constexpr std::uint64_t reply_limit = 8ULL * 1024 * 1024;
/// Idle connections kept per thread and endpoint.
constexpr std::size_t max_idle = 16;

bool retriable_status(unsigned s) noexcept {
    return s == 500 || s == 502 || s == 503 || s == 504;
}

} // namespace

std::string_view op_name(op o) noexcept {
    switch (o) {
    case op::head_bucket:
        return "head_bucket";
    case op::put_object:
        return "put_object";
    case op::get_object:
        return "get_object";
    case op::head_object:
        return "head_object";
    case op::delete_object:
        return "delete_object";
    case op::list_objects:
        return "list_objects";
    case op::create_multipart:
        return "create_multipart_upload";
    case op::upload_part:
        return "upload_part";
    case op::complete_multipart:
        return "complete_multipart_upload";
    case op::abort_multipart:
        return "abort_multipart_upload";
    case op::count_:
        break;
    }
    return "unknown";
}

call call::of(op what, std::string key) {
    call c;
    c.what = what;
    c.key = std::move(key);
    switch (what) {
    case op::head_bucket:
    case op::head_object:
        c.method = "HEAD";
        c.head = true;
        break;
    case op::put_object:
    case op::upload_part:
        c.method = "PUT";
        break;
    case op::delete_object:
    case op::abort_multipart:
        c.method = "DELETE";
        break;
    case op::create_multipart:
    case op::complete_multipart:
        c.method = "POST";
        break;
    case op::get_object:
    case op::list_objects:
    case op::count_:
        c.method = "GET";
        break;
    }
    return c;
}

std::string_view reply::header(std::string_view lower_name) const noexcept {
    for (const auto& [n, v] : headers) {
        if (n == lower_name) {
            return v;
        }
    }
    return {};
}

std::string failure::describe() const {
    if (status != 0) {
        return "HTTP " + std::to_string(status) + (code.empty() ? std::string() : " " + code);
    }
    return ec ? ec.message() : std::string("no answer");
}

std::optional<client::parsed_endpoint> parse_endpoint(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme) {
        return std::nullopt;
    }
    std::string_view rest = url.substr(scheme.size());
    while (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
        return std::nullopt;
    }
    client::parsed_endpoint ep;
    ep.host_header = std::string(rest);
    std::string_view host = rest;
    std::string_view port = "80";
    if (rest.front() == '[') { // [v6]:port
        const auto close = rest.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') {
                return std::nullopt;
            }
            port = rest.substr(close + 2);
        }
    } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.empty() || port.empty() ||
        port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5) {
        return std::nullopt;
    }
    ep.host = std::string(host);
    ep.port = std::string(port);
    return ep;
}

namespace {

std::string decode_entities(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        static constexpr std::pair<std::string_view, char> entities[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (const auto& [name, c] : entities) {
            if (s.substr(i, name.size()) == name) {
                out += c;
                i += name.size() - 1;
                done = true;
                break;
            }
        }
        if (!done) {
            out += '&';
        }
    }
    return out;
}

} // namespace

std::vector<std::string> xml_texts(std::string_view xml, std::string_view name) {
    std::vector<std::string> out;
    const std::string open = "<" + std::string(name) + ">";
    const std::string close = "</" + std::string(name) + ">";
    std::size_t at = 0;
    while ((at = xml.find(open, at)) != std::string_view::npos) {
        const auto begin = at + open.size();
        const auto end = xml.find(close, begin);
        if (end == std::string_view::npos) {
            break;
        }
        out.push_back(decode_entities(xml.substr(begin, end - begin)));
        at = end + close.size();
    }
    return out;
}

std::string xml_text(std::string_view xml, std::string_view name) {
    auto all = xml_texts(xml, name);
    return all.empty() ? std::string() : std::move(all.front());
}

struct client::connection {
    explicit connection(const net::any_io_executor& ex)
        : stream(ex) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    const client* owner = nullptr;
    net::execution_context* context = nullptr;
};

namespace {
/// Idle keep-alive connections of this thread (each io_context runs on one thread, so a
/// connection taken from here is used on the context it was made on).
std::vector<std::unique_ptr<client::connection>>& pool() {
    thread_local std::vector<std::unique_ptr<client::connection>> p;
    return p;
}
} // namespace

client::client(client_options o)
    : opts_(std::move(o)) {
    if (auto ep = parse_endpoint(opts_.endpoint)) {
        ep_ = std::move(*ep);
    } else {
        throw std::invalid_argument("S3 endpoint is not http://host[:port]: " + opts_.endpoint);
    }
}

client::~client() {
    release_connections();
}

void client::release_connections() noexcept {
    auto& p = pool();
    std::erase_if(p, [this](const auto& c) { return c->owner == this; });
}

std::unique_ptr<client::connection> client::take_idle(const net::any_io_executor& ex) {
    auto& p = pool();
    net::execution_context* ctx = &net::query(ex, net::execution::context);
    for (auto it = p.rbegin(); it != p.rend(); ++it) {
        if ((*it)->owner == this && (*it)->context == ctx) {
            auto conn = std::move(*it);
            p.erase(std::next(it).base());
            return conn;
        }
    }
    return nullptr;
}

void client::put_back(std::unique_ptr<connection> conn) {
    auto& p = pool();
    if (std::count_if(p.begin(), p.end(), [this](const auto& c) { return c->owner == this; }) <
        static_cast<std::ptrdiff_t>(max_idle)) {
        p.push_back(std::move(conn));
    }
}

std::chrono::milliseconds client::backoff(unsigned attempt) const {
    // 100 ms, 400 ms, 1.6 s, ... each scaled by a random factor in [0.5, 1.5) so that servers
    // failing together do not retry together.
    thread_local std::minstd_rand rng{std::random_device{}()};
    auto base = opts_.first_backoff;
    for (unsigned i = 1; i < attempt; ++i) {
        base *= 4;
    }
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(base.count()) * jitter(rng)));
}

void client::record(op o, std::chrono::steady_clock::duration took, bool failed) noexcept {
    auto& s = stats_[static_cast<std::size_t>(o)];
    const auto us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(took).count());
    s.calls.fetch_add(1, std::memory_order_relaxed);
    if (failed) {
        s.failures.fetch_add(1, std::memory_order_relaxed);
    }
    s.latency[histogram::bucket_of(histogram::latency_bounds_us, us)].fetch_add(
        1, std::memory_order_relaxed);
    s.latency_sum_us.fetch_add(us, std::memory_order_relaxed);
}

net::awaitable<std::unique_ptr<client::connection>> client::connect() {
    auto ex = co_await net::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(
        ep_.host, ep_.port, tcp::resolver::numeric_service, use_tuple);
    if (rec) {
        co_return nullptr;
    }
    auto conn = std::make_unique<connection>(ex);
    conn->owner = this;
    conn->context = &net::query(ex, net::execution::context);
    conn->stream.expires_after(opts_.connect_timeout);
    auto [cec, ep] = co_await conn->stream.async_connect(endpoints, use_tuple);
    if (cec) {
        co_return nullptr;
    }
    boost::system::error_code ignored;
    conn->stream.socket().set_option(tcp::no_delay(true), ignored);
    co_return conn;
}

std::string client::request_head(const call& c) const {
    request r;
    r.method = c.method;
    r.path = "/" + opts_.bucket + (c.key.empty() ? std::string() : "/" + c.key);
    r.query = c.query;
    const auto now = std::chrono::system_clock::now();
    const signing_scope scope{amz_date(now), opts_.region, "s3"};
    r.headers = c.headers;
    r.headers.emplace_back("host", ep_.host_header);
    r.headers.emplace_back("x-amz-date", scope.amz_date);
    r.headers.emplace_back("x-amz-content-sha256", c.payload.payload_sha256);
    if (!opts_.session_token.empty()) {
        r.headers.emplace_back("x-amz-security-token", opts_.session_token);
    }
    r.payload_hash = c.payload.payload_sha256;
    const auto s = sign(r, opts_.creds, scope);
    std::string head = c.method + ' ' + canonical_uri(r.path);
    if (!r.query.empty()) {
        head += '?';
        head += canonical_query(r.query);
    }
    head += " HTTP/1.1\r\n";
    for (const auto& [n, v] : r.headers) {
        head += n;
        head += ": ";
        head += v;
        head += "\r\n";
    }
    head += "authorization: " + authorization(s, opts_.creds, scope) + "\r\n";
    if (c.payload.size() > 0 || c.method == "PUT" || c.method == "POST") {
        head += "content-length: " + std::to_string(c.payload.size()) + "\r\n";
    }
    head += "\r\n";
    return head;
}

net::awaitable<s3_result<reply>> client::attempt(const call& c, connection& conn, bool& reusable) {
    reusable = false;
    const std::string head = request_head(c);
    conn.stream.expires_after(opts_.io_timeout);
    if (auto [ec, n] = co_await net::async_write(conn.stream, net::buffer(head), use_tuple); ec) {
        co_return failure{ec, 0, {}};
    }
    if (c.payload.fd >= 0) {
        std::vector<char> chunk(send_chunk);
        std::uint64_t sent = 0;
        while (sent < c.payload.length) {
            const auto want = static_cast<std::size_t>(
                std::min<std::uint64_t>(chunk.size(), c.payload.length - sent));
            const ssize_t got = ::pread(c.payload.fd, chunk.data(), want,
                                        static_cast<off_t>(c.payload.offset + sent));
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got <= 0) {
                co_return failure{got < 0 ? std::error_code(errno, std::generic_category())
                                          : make_error_code(std::errc::io_error),
                                  0,
                                  {}};
            }
            conn.stream.expires_after(opts_.io_timeout);
            auto [ec, n] = co_await net::async_write(
                conn.stream, net::buffer(chunk.data(), static_cast<std::size_t>(got)), use_tuple);
            if (ec) {
                co_return failure{ec, 0, {}};
            }
            sent += static_cast<std::uint64_t>(got);
        }
    } else if (!c.payload.bytes.empty()) {
        auto [ec, n] =
            co_await net::async_write(conn.stream, net::buffer(c.payload.bytes), use_tuple);
        if (ec) {
            co_return failure{ec, 0, {}};
        }
    }
    http::response_parser<http::string_body> p;
    p.body_limit(reply_limit);
    p.skip(c.head);
    conn.stream.expires_after(opts_.io_timeout);
    if (auto [ec, n] = co_await http::async_read(conn.stream, conn.buffer, p, use_tuple); ec) {
        co_return failure{ec, 0, {}};
    }
    auto& res = p.get();
    reply out;
    out.status = res.result_int();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (char& ch : name) {
            ch = ascii_lower(ch);
        }
        out.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    out.body = std::move(res.body());
    reusable = res.keep_alive();
    co_return out;
}

net::awaitable<std::unique_ptr<client::connection>> client::connection_for(op what,
                                                                           unsigned attempt) {
    auto ex = co_await net::this_coro::executor;
    if (attempt > 0) {
        stats_[static_cast<std::size_t>(what)].retries.fetch_add(1, std::memory_order_relaxed);
        net::steady_timer wait(ex, backoff(attempt));
        co_await wait.async_wait(use_tuple);
    }
    if (auto idle = take_idle(ex)) {
        co_return idle;
    }
    co_return co_await connect();
}

net::awaitable<s3_result<reply>> client::send(call c) {
    const auto started = std::chrono::steady_clock::now();
    failure last{make_error_code(std::errc::connection_refused), 0, {}};
    const unsigned attempts = c.idempotent ? std::max(1U, opts_.attempts) : 1U;
    for (unsigned i = 0; i < attempts; ++i) {
        auto conn = co_await connection_for(c.what, i);
        if (!conn) {
            last = failure{make_error_code(std::errc::connection_refused), 0, {}};
            continue;
        }
        bool reusable = false;
        auto r = co_await attempt(c, *conn, reusable);
        if (auto* f = std::get_if<failure>(&r)) {
            last = std::move(*f);
            continue;
        }
        auto& rep = std::get<reply>(r);
        if (reusable) {
            put_back(std::move(conn));
        }
        if (retriable_status(rep.status)) {
            last = failure{{}, rep.status, xml_text(rep.body, "Code")};
            continue;
        }
        record(c.what, std::chrono::steady_clock::now() - started, false);
        co_return std::move(rep);
    }
    record(c.what, std::chrono::steady_clock::now() - started, true);
    co_return last;
}

net::awaitable<failure> client::get(std::string key, std::string range, get_sink sink) {
    const auto started = std::chrono::steady_clock::now();
    auto c = call::of(op::get_object, std::move(key));
    if (!range.empty()) {
        c.headers.emplace_back("range", std::move(range));
    }
    failure last{make_error_code(std::errc::connection_refused), 0, {}};
    auto done = [&](failure f) {
        record(op::get_object, std::chrono::steady_clock::now() - started, f.failed());
        return f;
    };
    for (unsigned i = 0; i < std::max(1U, opts_.attempts); ++i) {
        auto conn = co_await connection_for(op::get_object, i);
        if (!conn) {
            last = failure{make_error_code(std::errc::connection_refused), 0, {}};
            continue;
        }
        const std::string head = request_head(c);
        conn->stream.expires_after(opts_.io_timeout);
        if (auto [ec, n] = co_await net::async_write(conn->stream, net::buffer(head), use_tuple);
            ec) {
            last = failure{ec, 0, {}};
            continue;
        }
        http::response_parser<http::buffer_body> p;
        p.body_limit(boost::none);
        conn->stream.expires_after(opts_.io_timeout);
        if (auto [ec, n] =
                co_await http::async_read_header(conn->stream, conn->buffer, p, use_tuple);
            ec) {
            last = failure{ec, 0, {}};
            continue;
        }
        const unsigned status = p.get().result_int();
        if (status != 200 && status != 206) {
            // Read the (small) error body so the code can be named, then decide.
            std::string err;
            std::array<char, 4096> buf{};
            while (!p.is_done()) {
                p.get().body().data = buf.data();
                p.get().body().size = buf.size();
                auto [ec, n] = co_await http::async_read(conn->stream, conn->buffer, p, use_tuple);
                if (ec && ec != http::error::need_buffer) {
                    break;
                }
                err.append(buf.data(), buf.size() - p.get().body().size);
                if (err.size() > 64 * 1024) {
                    break;
                }
            }
            last = failure{{}, status, xml_text(err, "Code")};
            if (retriable_status(status)) {
                continue;
            }
            co_return done(std::move(last));
        }
        const auto length = p.content_length().value_or(0);
        if (auto ec = co_await sink.on_open(length)) {
            co_return done(failure{ec, 0, {}});
        }
        // From here the consumer has seen bytes: no retry can continue its body.
        std::vector<char> buf(send_chunk);
        while (!p.is_done()) {
            p.get().body().data = buf.data();
            p.get().body().size = buf.size();
            conn->stream.expires_after(opts_.io_timeout);
            auto [ec, n] = co_await http::async_read(conn->stream, conn->buffer, p, use_tuple);
            if (ec && ec != http::error::need_buffer) {
                co_return done(failure{ec, 0, {}});
            }
            const std::size_t got = buf.size() - p.get().body().size;
            if (got > 0) {
                if (auto sec = co_await sink.on_chunk(std::span<const char>(buf.data(), got))) {
                    co_return done(failure{sec, 0, {}});
                }
            }
        }
        if (p.get().keep_alive()) {
            put_back(std::move(conn));
        }
        co_return done(failure{});
    }
    co_return done(std::move(last));
}

std::string client::presigned_get(std::string_view key, std::vector<field> query,
                                  std::chrono::seconds expires) const {
    request r;
    r.method = "GET";
    r.path = "/" + opts_.bucket + "/" + std::string(key);
    r.query = std::move(query);
    if (!opts_.session_token.empty()) {
        r.query.emplace_back("X-Amz-Security-Token", opts_.session_token);
    }
    r.headers.emplace_back("host", ep_.host_header);
    r.payload_hash = std::string(unsigned_payload);
    const signing_scope scope{amz_date(std::chrono::system_clock::now()), opts_.region, "s3"};
    const auto signed_query = presign(std::move(r), opts_.creds, scope, expires);
    return "http://" + ep_.host_header +
           canonical_uri("/" + opts_.bucket + "/" + std::string(key)) + "?" + signed_query.query;
}

} // namespace packyard::store::s3
