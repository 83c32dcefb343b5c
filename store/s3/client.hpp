#pragma once

// The S3 client the blob backend talks to its bucket with: HTTP/1.1 on Beast, one coroutine per
// call on the caller's own io_context (the server runs one per thread, decision 0001), signed by
// store/s3/sigv4. Nothing above store/ sees a Beast type: calls take and return the plain
// structs below (docs/decisions/0021-s3-client.md).
//
// Every call has deadlines (connect, then each read and write by inactivity), idempotent calls
// are retried with backoff on what a retry can mend (a refused or dropped connection, a timeout,
// 500/502/503/504), each attempt signed anew, and every call is counted per operation for
// /-/metrics. Connections are kept alive and reused per io_context.

#include "store/error.hpp"
#include "store/histogram.hpp"
#include "store/s3/sigv4.hpp"

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace packyard::store::s3 {

/// Where the bucket is and who packyard is to it (path-style addressing:
/// http://host:port/bucket/key, what Ceph RGW and MinIO serve without DNS names per bucket).
struct client_options {
    std::string endpoint; ///< "http://127.0.0.1:7480" (no path)
    std::string bucket;
    std::string region = "us-east-1";
    credentials creds;
    std::string session_token; ///< AWS_SESSION_TOKEN, sent as x-amz-security-token when set
    std::chrono::seconds connect_timeout{5};
    std::chrono::seconds io_timeout{30};          ///< each read or write, by inactivity
    unsigned attempts = 3;                        ///< of an idempotent call, the first included
    std::chrono::milliseconds first_backoff{100}; ///< then x4 per attempt, with jitter
};

/// The calls packyard makes, for the per-operation counters.
enum class op : std::uint8_t {
    head_bucket,
    put_object,
    get_object,
    head_object,
    delete_object,
    list_objects,
    create_multipart,
    upload_part,
    complete_multipart,
    abort_multipart,
    count_
};
std::string_view op_name(op o) noexcept;

/// Counters of one operation (relaxed atomics: read by /-/metrics on any thread).
struct op_stats {
    std::atomic<std::uint64_t> calls{0};    ///< calls that ended, whatever the end
    std::atomic<std::uint64_t> failures{0}; ///< calls that ended without an answer packyard uses
    std::atomic<std::uint64_t> retries{0};  ///< attempts after the first
    std::array<std::atomic<std::uint64_t>, histogram::latency_bounds_us.size() + 1> latency{};
    std::atomic<std::uint64_t> latency_sum_us{0};
};

/// A request body: bytes in memory, or a range of an open file read as it is sent (the spool
/// file of an upload: memory stays bounded whatever its size). payload_sha256 is its hex
/// SHA-256, which is signed: the gateway checks the bytes against it.
struct body {
    std::string_view bytes;
    int fd = -1;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::string payload_sha256 = std::string(empty_payload_sha256);

    std::uint64_t size() const noexcept { return fd >= 0 ? length : bytes.size(); }
};

/// One call's request, before signing.
struct call {
    op what = op::get_object;
    std::string method = "GET";
    std::string key;          ///< object key, not encoded; "" addresses the bucket
    std::vector<field> query; ///< not encoded
    std::vector<field> headers;
    body payload;
    bool idempotent = true;
    bool head = false; ///< HEAD: the answer has no body whatever its Content-Length says

    /// A call of this operation on key ("" for the bucket), with the operation's method.
    static call of(op what, std::string key = {});
};

/// An answer read whole (every call but a streamed GET); bodies past 8 MiB are refused.
struct reply {
    unsigned status = 0;
    std::vector<field> headers; ///< lower-case names
    std::string body;

    std::string_view header(std::string_view lower_name) const noexcept;
};

/// How a failed call failed, for the caller's log line and answer.
struct failure {
    std::error_code ec;
    unsigned status = 0; ///< 0 when no answer came
    std::string code;    ///< S3's <Code>, when the answer had one

    /// An empty failure (no error, no status) is how the calls below say "done".
    bool failed() const noexcept { return static_cast<bool>(ec) || status != 0; }
    std::string describe() const;
};

template <class T>
using s3_result = std::variant<T, failure>;

/// A streamed GET's consumer: on_open once the answer's header is in (status 200 or 206, the
/// length), then on_chunk for each piece of the body as it arrives. An error either returns
/// ends the call (the connection is then not reused).
struct get_sink {
    std::function<boost::asio::awaitable<std::error_code>(std::uint64_t content_length)> on_open;
    std::function<boost::asio::awaitable<std::error_code>(std::span<const char> chunk)> on_chunk;
};

class client {
public:
    explicit client(client_options o);
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client();

    const client_options& options() const noexcept { return opts_; }

    /// Sends a call and reads its answer whole, with retries when it is idempotent. A 2xx, 3xx
    /// or 4xx answer is a reply (the caller decides what a 404 or 412 means); what could not be
    /// asked (no connection, a timeout, a 5xx after the last attempt) is a failure.
    boost::asio::awaitable<s3_result<reply>> send(call c);

    /// GET of an object streamed to sink; retried only until on_open has been called.
    /// range: "bytes=a-b" or empty. An empty failure: the whole body went to the sink.
    boost::asio::awaitable<failure> get(std::string key, std::string range, get_sink sink);

    /// A presigned GET of key valid for `expires`, with response overrides in query (signed, so
    /// a client cannot change them).
    std::string presigned_get(std::string_view key, std::vector<field> query,
                              std::chrono::seconds expires) const;

    const op_stats& stats(op o) const noexcept { return stats_[static_cast<std::size_t>(o)]; }

    /// Closes the calling thread's idle connections to this client's endpoint (a caller that
    /// runs its own io_context calls it before that context goes away).
    void release_connections() noexcept;

    /// A kept-alive connection (opaque; store/s3/client.cpp).
    struct connection;

    struct parsed_endpoint {
        std::string host;
        std::string port;
        std::string host_header; ///< host[:port] as signed
    };

private:
    boost::asio::awaitable<std::unique_ptr<connection>> connect();
    /// Attempt `attempt` of a call: after the first, counts the retry and waits its backoff;
    /// then an idle connection of this thread, or a new one (null: none could be made).
    boost::asio::awaitable<std::unique_ptr<connection>> connection_for(op what, unsigned attempt);
    boost::asio::awaitable<s3_result<reply>> attempt(const call& c, connection& conn,
                                                     bool& reusable);
    std::string request_head(const call& c) const;
    void record(op o, std::chrono::steady_clock::duration took, bool failed) noexcept;
    void put_back(std::unique_ptr<connection> conn);
    std::unique_ptr<connection> take_idle(const boost::asio::any_io_executor& ex);
    std::chrono::milliseconds backoff(unsigned attempt) const;

    client_options opts_;
    parsed_endpoint ep_;
    std::array<op_stats, static_cast<std::size_t>(op::count_)> stats_{};
};

/// "http://host:port" → host, port, Host header; nullopt for anything else (https is not
/// spoken: docs/decisions/0021-s3-client.md).
std::optional<client::parsed_endpoint> parse_endpoint(std::string_view url);

/// The text of the first <name>...</name> in an S3 XML answer, entities decoded ("" if none).
std::string xml_text(std::string_view xml, std::string_view name);
/// Every <name>...</name>'s text, in order, entities decoded.
std::vector<std::string> xml_texts(std::string_view xml, std::string_view name);

} // namespace packyard::store::s3
