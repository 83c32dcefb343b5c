// The bytes of a request as the server reads them (server/request_reader.cpp, session.cpp):
// Beast's request parser fed by hand with the header block counted against its limit, the
// framing rules Beast leaves to packyard (server/request_framing.cpp: check_framing), then the
// body through a buffer_body as read_body pumps it, and the target split into path and query
// as fill_request does. The input is the byte stream, arriving whole, a byte at a time or in
// drawn pieces.
//
// Invariants: however the bytes arrive, the header reads the same (fields, version, target,
// or refused) and so does the body; a header check_framing accepts is framed the way
// Beast will read it (Transfer-Encoding: chunked; one Content-Length: that many bytes;
// neither: no body), so no byte of one request can run as the next.

#include "fuzz_support.hpp"
#include "routing/params.hpp"
#include "server/request_framing.hpp"

#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <ostream> // before Beast's http headers (GCC 12 + Boost 1.81)
#include <string>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
using namespace packyard;

namespace {

using header_parser = http::request_parser<http::buffer_body>;

/// A small header limit (the server's is --header-limit, 16 KiB) so short inputs reach it.
constexpr std::size_t header_limit = 2048;
constexpr std::size_t body_read_buffer = 4096;
constexpr std::size_t body_chunk = 1000;

/// The bytes still to arrive, in the pieces of one split.
class wire {
public:
    wire(std::string_view bytes, fuzz::split how)
        : pieces_(fuzz::chunks(bytes, how)) {}
    bool empty() const noexcept { return next_ == pieces_.size(); }
    /// Up to room bytes of what arrives next (one read_some).
    std::string_view read_some(std::size_t room) {
        auto& p = pieces_[next_];
        const auto got = p.substr(0, room);
        p.remove_prefix(got.size());
        if (p.empty()) {
            ++next_;
        }
        return got;
    }

private:
    std::vector<std::string_view> pieces_;
    std::size_t next_ = 0;
};

void receive(beast::flat_buffer& buffer, wire& w) {
    const std::size_t room = buffer.max_size() - buffer.size();
    const auto got = w.read_some(std::min<std::size_t>(room, 8192));
    if (!got.empty()) {
        auto into = buffer.prepare(got.size());
        std::memcpy(into.data(), got.data(), got.size());
        buffer.commit(got.size());
    }
}

struct reading {
    std::string header_error; ///< empty when the header was read
    std::string head;         ///< version, method, target and fields, one per line
    bool chunked = false;
    std::optional<std::uint64_t> length;
    bool done_after_header = false;
    std::optional<server::framing_error> framing;
    std::string body_error;
    std::string body;

    bool operator==(const reading& o) const {
        return header_error == o.header_error && head == o.head && chunked == o.chunked &&
               length == o.length && done_after_header == o.done_after_header &&
               framing.has_value() == o.framing.has_value() && body_error == o.body_error &&
               body == o.body;
    }
};

/// read_header's loop: the parser fed by hand, every byte it took counted against the limit.
beast::error_code read_header(header_parser& p, beast::flat_buffer& buffer, wire& w) {
    std::size_t consumed = 0;
    buffer.max_size(std::max(header_limit, buffer.size()));
    for (;;) {
        if (buffer.size() > 0) {
            beast::error_code ec;
            p.header_limit(static_cast<std::uint32_t>(header_limit - consumed));
            const std::size_t used = p.put(buffer.data(), ec);
            buffer.consume(used);
            consumed += used;
            if (!ec && p.is_header_done()) {
                return {};
            }
            if (ec && ec != http::error::need_more) {
                return ec;
            }
            if (consumed + buffer.size() >= header_limit) {
                return http::error::header_limit;
            }
        }
        if (w.empty()) {
            return http::error::end_of_stream;
        }
        receive(buffer, w);
    }
}

/// read_body's loop: a buffer_body a chunk at a time, as Beast's read fills it.
beast::error_code read_body(header_parser& p, beast::flat_buffer& buffer, wire& w,
                            std::string& body) {
    buffer.max_size(std::max(body_read_buffer, buffer.size()));
    p.eager(true);
    std::vector<char> chunk(body_chunk);
    while (!p.is_done()) {
        p.get().body().data = chunk.data();
        p.get().body().size = chunk.size();
        beast::error_code ec;
        if (buffer.size() > 0) {
            const std::size_t used = p.put(buffer.data(), ec);
            buffer.consume(used);
        } else {
            ec = http::error::need_more;
        }
        body.append(chunk.data(), chunk.size() - p.get().body().size);
        if (ec == http::error::need_buffer) {
            continue;
        }
        if (ec == http::error::need_more) {
            if (w.empty()) {
                p.put_eof(ec);
                return ec ? ec : beast::error_code(http::error::partial_message);
            }
            if (buffer.size() == buffer.max_size()) {
                return http::error::buffer_overflow;
            }
            receive(buffer, w);
            continue;
        }
        if (ec) {
            return ec;
        }
    }
    return {};
}

reading read(std::string_view bytes, fuzz::split how) {
    wire w(bytes, how);
    beast::flat_buffer buffer;
    header_parser p;
    p.body_limit(std::numeric_limits<std::uint64_t>::max());
    reading r;
    if (const auto ec = read_header(p, buffer, w)) {
        r.header_error = ec.message();
        return r;
    }
    const auto& h = p.get();
    r.head = std::to_string(h.version()) + " " + std::string(h.method_string()) + " " +
             std::string(h.target()) + "\n";
    for (const auto& f : h) {
        r.head.append(f.name_string()).append(": ").append(f.value()).append("\n");
    }
    r.chunked = p.chunked();
    if (const auto length = p.content_length()) {
        r.length = *length;
    }
    r.done_after_header = p.is_done();
    r.framing = server::check_framing(h, h.version());
    if (r.framing) {
        return r; // answered and closed: the body is never read
    }
    // fill_request's split of the target; the query as app::begin parses it.
    const std::string_view target = h.target();
    const auto q = target.find('?');
    routing::param_map params;
    (void)routing::parse_urlencoded(
        q == std::string_view::npos ? std::string_view{} : target.substr(q + 1), params);
    if (const auto ec = read_body(p, buffer, w, r.body)) {
        r.body_error = ec.message();
    }
    return r;
}

/// What a reading was, for the report of a failed comparison.
std::string describe(const reading& r) {
    return "header_error=" + r.header_error + " head=" + r.head +
           " chunked=" + std::to_string(r.chunked) +
           " length=" + (r.length ? std::to_string(*r.length) : "-") +
           " done=" + std::to_string(r.done_after_header) +
           " framing=" + (r.framing ? std::string(r.framing->reason) : "-") +
           " body_error=" + r.body_error + " body=" + std::to_string(r.body.size()) + " bytes";
}

/// Two readings of the same bytes agree. A header refused either way may be refused for another
/// reason: Beast parses the start line as soon as it has one, or, once a call needed more, only
/// after the blank line that ends the header, so a bad start line in a header that never ends
/// is "bad version" read whole and "end of stream" read in pieces. Both close the connection.
void same_reading(const reading& got, const reading& whole) {
    if (!got.header_error.empty() && !whole.header_error.empty()) {
        return;
    }
    if (!(got == whole)) {
        std::fprintf(stderr, "whole: %s\nsplit: %s\n", describe(whole).c_str(),
                     describe(got).c_str());
    }
    FUZZ_CHECK(got == whole);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes = fuzz::text(data, size);
    const reading whole = read(bytes, fuzz::split::whole);
    same_reading(read(bytes, fuzz::split::bytes), whole);
    same_reading(read(bytes, fuzz::split::drawn), whole);
    if (!whole.header_error.empty() || whole.framing) {
        return 0;
    }
    // Accepted framing is the framing Beast reads.
    header_parser p;
    beast::error_code ec;
    p.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    const auto& h = p.get();
    if (h.count(http::field::transfer_encoding) != 0) {
        FUZZ_CHECK(whole.chunked && !whole.length);
    } else if (h.count(http::field::content_length) == 1) {
        std::uint64_t n = 0;
        const auto v = h[http::field::content_length];
        const auto [end, err] = std::from_chars(v.data(), v.data() + v.size(), n);
        FUZZ_CHECK(err == std::errc() && end == v.data() + v.size());
        FUZZ_CHECK(!whole.chunked && whole.length == n);
        FUZZ_CHECK(whole.body_error.empty() ? whole.body.size() == n : whole.body.size() < n);
    } else {
        FUZZ_CHECK(!whole.chunked && !whole.length && whole.done_after_header);
        FUZZ_CHECK(whole.body.empty() && whole.body_error.empty());
    }
    return 0;
}
