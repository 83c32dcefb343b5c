#include "store/s3/bucket.hpp"

#include "store/crypto.hpp"
#include "store/log.hpp"
#include "store/unique_fd.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>

namespace packyard::store::s3 {
namespace net = boost::asio;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

/// An answer the caller did not expect, as a failure naming it.
failure unexpected(const reply& r) {
    return failure{{}, r.status == 0 ? 599U : r.status, xml_text(r.body, "Code")};
}

std::uint64_t parse_u64(std::string_view s) {
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return 0;
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

} // namespace

bucket::bucket(bucket_options o)
    : opts_(std::move(o))
    , client_(opts_.client) {}

bucket::~bucket() {
    stop_deleter();
}

std::string bucket::key_of(std::string_view sha256) const {
    return opts_.prefix + std::string(sha256.substr(0, 2)) + "/" + std::string(sha256);
}

net::awaitable<failure> bucket::probe() {
    auto c = call::of(op::head_bucket);
    auto r = co_await client_.send(std::move(c));
    if (auto* f = std::get_if<failure>(&r)) {
        co_return std::move(*f);
    }
    const auto& rep = std::get<reply>(r);
    if (rep.status != 200) {
        co_return failure{{}, rep.status, rep.status == 404 ? "NoSuchBucket" : "AccessDenied"};
    }
    co_return failure{};
}

net::awaitable<failure> bucket::push(const std::filesystem::path& spool, const blob_digest& d,
                                     std::span<const std::string> part_sha256) {
    const unique_fd fd(::open(spool.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        co_return failure{std::error_code(errno, std::generic_category()), 0, {}};
    }
    const std::string key = key_of(d.sha256);
    if (d.size > opts_.part_size && part_sha256.size() > 1) {
        co_return co_await push_multipart(key, fd.get(), d, part_sha256);
    }
    auto c = call::of(op::put_object, key);
    // Identical content is stored once: the gateway answers 412 and keeps what it has.
    c.headers.emplace_back("if-none-match", "*");
    c.headers.emplace_back("content-type", "application/octet-stream");
    c.payload.fd = fd.get();
    c.payload.length = d.size;
    c.payload.payload_sha256 = d.sha256;
    auto r = co_await client_.send(std::move(c));
    if (auto* f = std::get_if<failure>(&r)) {
        co_return std::move(*f);
    }
    const auto& rep = std::get<reply>(r);
    if (rep.status == 200 || rep.status == 412) {
        co_return failure{};
    }
    co_return unexpected(rep);
}

net::awaitable<failure> bucket::push_multipart(const std::string& key, int fd, const blob_digest& d,
                                               std::span<const std::string> part_sha256) {
    // Already stored (the same bytes uploaded before): nothing to send. A multipart upload has
    // no If-None-Match on the gateways packyard is tested against, so ask first.
    {
        auto h = call::of(op::head_object, key);
        auto r = co_await client_.send(std::move(h));
        if (auto* f = std::get_if<failure>(&r)) {
            co_return std::move(*f);
        }
        const auto& rep = std::get<reply>(r);
        if (rep.status == 200 && parse_u64(rep.header("content-length")) == d.size) {
            co_return failure{};
        }
        if (rep.status != 200 && rep.status != 404) {
            co_return unexpected(rep);
        }
    }
    std::string upload_id;
    {
        auto c = call::of(op::create_multipart, key);
        c.query.emplace_back("uploads", "");
        c.headers.emplace_back("content-type", "application/octet-stream");
        auto r = co_await client_.send(std::move(c));
        if (auto* f = std::get_if<failure>(&r)) {
            co_return std::move(*f);
        }
        const auto& rep = std::get<reply>(r);
        upload_id = xml_text(rep.body, "UploadId");
        if (rep.status != 200 || upload_id.empty()) {
            co_return unexpected(rep);
        }
    }
    auto abort = [&]() -> net::awaitable<void> {
        auto c = call::of(op::abort_multipart, key);
        c.query.emplace_back("uploadId", upload_id);
        auto r = co_await client_.send(std::move(c));
        if (auto* f = std::get_if<failure>(&r)) {
            // The bucket's lifecycle rule for incomplete uploads takes it (docs/operations.md).
            log::message("s3: abort of multipart upload " + key + " failed: " + f->describe());
        }
    };
    std::string complete = "<CompleteMultipartUpload>";
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < part_sha256.size(); ++i) {
        const std::uint64_t length = std::min(opts_.part_size, d.size - offset);
        auto c = call::of(op::upload_part, key);
        c.query.emplace_back("partNumber", std::to_string(i + 1));
        c.query.emplace_back("uploadId", upload_id);
        c.payload.fd = fd;
        c.payload.offset = offset;
        c.payload.length = length;
        c.payload.payload_sha256 = part_sha256[i];
        auto r = co_await client_.send(std::move(c));
        failure f;
        if (auto* rf = std::get_if<failure>(&r)) {
            f = std::move(*rf);
        } else if (std::get<reply>(r).status != 200 || std::get<reply>(r).header("etag").empty()) {
            f = unexpected(std::get<reply>(r));
        }
        if (f.failed()) {
            co_await abort();
            co_return f;
        }
        complete += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
                    std::string(std::get<reply>(r).header("etag")) + "</ETag></Part>";
        offset += length;
    }
    complete += "</CompleteMultipartUpload>";
    {
        auto c = call::of(op::complete_multipart, key);
        c.query.emplace_back("uploadId", upload_id);
        c.payload.bytes = complete;
        const auto digest = sha256(complete);
        c.payload.payload_sha256 =
            to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
        auto r = co_await client_.send(std::move(c));
        failure f;
        if (auto* rf = std::get_if<failure>(&r)) {
            f = std::move(*rf);
        } else if (const auto& rep = std::get<reply>(r);
                   rep.status != 200 || rep.body.find("<Error>") != std::string::npos) {
            // S3 may answer 200 and put the error in the body (the completion runs long).
            f = unexpected(rep);
            if (f.status == 200) {
                f.status = 500;
            }
        }
        if (f.failed()) {
            co_await abort();
            co_return f;
        }
    }
    // The completion's ETag is empty on RGW (docs/s3-notes.md): check the stored size instead;
    // each part's bytes were checked by the gateway against their signed SHA-256.
    auto h = call::of(op::head_object, key);
    auto r = co_await client_.send(std::move(h));
    if (auto* f = std::get_if<failure>(&r)) {
        co_return std::move(*f);
    }
    const auto& rep = std::get<reply>(r);
    if (rep.status != 200 || parse_u64(rep.header("content-length")) != d.size) {
        co_return failure{{}, rep.status == 200 ? 500U : rep.status, "SizeMismatch"};
    }
    co_return failure{};
}

net::awaitable<failure> bucket::claim(std::string id, std::string& owner) {
    const std::string key = opts_.prefix + "owner";
    {
        auto c = call::of(op::put_object, key);
        c.headers.emplace_back("if-none-match", "*");
        c.headers.emplace_back("content-type", "text/plain");
        c.payload.bytes = id;
        const auto digest = sha256(id);
        c.payload.payload_sha256 =
            to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
        auto r = co_await client_.send(std::move(c));
        if (auto* f = std::get_if<failure>(&r)) {
            co_return std::move(*f);
        }
        const auto& rep = std::get<reply>(r);
        if (rep.status == 200) {
            owner = id;
            co_return failure{};
        }
        if (rep.status != 412) {
            co_return unexpected(rep);
        }
    }
    auto c = call::of(op::get_object, key);
    auto r = co_await client_.send(std::move(c));
    if (auto* f = std::get_if<failure>(&r)) {
        co_return std::move(*f);
    }
    const auto& rep = std::get<reply>(r);
    if (rep.status != 200) {
        co_return unexpected(rep);
    }
    owner = rep.body.substr(0, 64);
    if (owner != id) {
        co_return failure{{}, 409, "PrefixOwnedByAnotherStore"};
    }
    co_return failure{};
}

net::awaitable<failure> bucket::fetch(std::string_view sha256, std::string range, get_sink sink) {
    auto key = key_of(sha256);
    auto f = co_await client_.get(key, std::move(range), std::move(sink));
    // A failure of the sink itself (the client went away) is the download's, not the store's.
    if (f.status != 0 || (f.ec && f.ec.category() != std::generic_category())) {
        log::message("s3: GET of " + key + " failed: " + f.describe());
    }
    co_return f;
}

std::string bucket::presigned_url(std::string_view sha256, std::string_view content_disposition,
                                  std::string_view content_type) const {
    std::vector<field> q;
    if (!content_disposition.empty()) {
        q.emplace_back("response-content-disposition", std::string(content_disposition));
    }
    if (!content_type.empty()) {
        q.emplace_back("response-content-type", std::string(content_type));
    }
    return client_.presigned_get(key_of(sha256), std::move(q), opts_.presign_expiry);
}

net::awaitable<s3_result<std::vector<object>>> bucket::list() {
    std::vector<object> out;
    std::string token;
    for (;;) {
        auto c = call::of(op::list_objects);
        c.query.emplace_back("list-type", "2");
        c.query.emplace_back("max-keys", "1000");
        c.query.emplace_back("prefix", opts_.prefix);
        if (!token.empty()) {
            c.query.emplace_back("continuation-token", token);
        }
        auto r = co_await client_.send(std::move(c));
        if (auto* f = std::get_if<failure>(&r)) {
            co_return std::move(*f);
        }
        const auto& rep = std::get<reply>(r);
        if (rep.status != 200) {
            co_return unexpected(rep);
        }
        // Each <Contents> holds one <Key> and one <Size>.
        for (const auto& entry : xml_texts(rep.body, "Contents")) {
            const auto key = xml_text(entry, "Key");
            if (key.size() <= opts_.prefix.size()) {
                continue;
            }
            const std::string_view rest = std::string_view(key).substr(opts_.prefix.size());
            // "ab/ab…": two characters, a slash, the address, whose first two they repeat.
            if (rest.size() != 67 || rest[2] != '/' || rest.substr(0, 2) != rest.substr(3, 2) ||
                !is_sha256_hex(rest.substr(3))) {
                continue;
            }
            out.push_back(object{std::string(rest.substr(3)), parse_u64(xml_text(entry, "Size"))});
        }
        if (xml_text(rep.body, "IsTruncated") != "true") {
            break;
        }
        token = xml_text(rep.body, "NextContinuationToken");
        if (token.empty()) {
            break;
        }
    }
    co_return out;
}

net::awaitable<failure> bucket::erase(std::string_view sha256) {
    auto c = call::of(op::delete_object, key_of(sha256));
    auto r = co_await client_.send(std::move(c));
    if (auto* f = std::get_if<failure>(&r)) {
        co_return std::move(*f);
    }
    const auto& rep = std::get<reply>(r);
    if (rep.status == 204 || rep.status == 200 || rep.status == 404) {
        co_return failure{};
    }
    co_return unexpected(rep);
}

net::awaitable<void> bucket::pin(std::string sha256) {
    auto ex = co_await net::this_coro::executor;
    for (;;) {
        {
            const std::lock_guard lock(m_);
            if (!deleting_.contains(sha256)) {
                ++pins_[sha256];
                co_return;
            }
        }
        // A delete of these bytes is on the wire; the push must come after it.
        net::steady_timer wait(ex, std::chrono::milliseconds(20));
        co_await wait.async_wait(use_tuple);
    }
}

void bucket::unpin(const std::string& sha256) {
    const std::lock_guard lock(m_);
    auto it = pins_.find(sha256);
    if (it != pins_.end() && --it->second == 0) {
        pins_.erase(it);
    }
}

void bucket::queue_delete(std::string sha256) {
    std::function<void()> wake;
    {
        const std::lock_guard lock(m_);
        queue_.push_back(std::move(sha256));
        wake = wake_;
    }
    if (wake) {
        wake();
    }
}

std::size_t bucket::queued_deletes() const {
    const std::lock_guard lock(m_);
    return queue_.size();
}

void bucket::start_deleter(const net::any_io_executor& ex,
                           std::function<bool(std::string_view)> still_unused) {
    net::co_spawn(ex, deleter(std::move(still_unused)), net::detached);
}

void bucket::stop_deleter() {
    std::function<void()> wake;
    {
        const std::lock_guard lock(m_);
        stopping_ = true;
        wake = wake_;
    }
    if (wake) {
        wake();
    }
}

net::awaitable<void> bucket::deleter(std::function<bool(std::string_view)> still_unused) {
    auto ex = co_await net::this_coro::executor;
    auto timer = std::make_shared<net::steady_timer>(ex);
    // Cleared however the coroutine ends, including when its io_context is destroyed with
    // the frame still suspended: nothing may post to a context that is gone.
    struct forget_wake {
        bucket* b;
        ~forget_wake() {
            const std::lock_guard lock(b->m_);
            b->wake_ = nullptr;
        }
    } const forget{this};
    {
        const std::lock_guard lock(m_);
        std::weak_ptr<net::steady_timer> weak = timer;
        wake_ = [ex, weak] {
            net::post(ex, [weak] {
                if (auto t = weak.lock()) {
                    t->cancel();
                }
            });
        };
    }
    for (;;) {
        std::string sha;
        bool pinned_left = false;
        {
            const std::lock_guard lock(m_);
            if (stopping_) {
                break;
            }
            for (auto it = queue_.begin(); it != queue_.end(); ++it) {
                if (!pins_.contains(*it)) {
                    sha = std::move(*it);
                    queue_.erase(it);
                    deleting_.insert(sha);
                    break;
                }
                pinned_left = true;
            }
        }
        if (sha.empty()) {
            // Nothing to send, or only bytes an upload in flight holds: look again when woken,
            // or soon when a pin is what waits.
            timer->expires_after(pinned_left ? std::chrono::seconds(1) : std::chrono::hours(1));
            co_await timer->async_wait(use_tuple);
            continue;
        }
        failure f;
        if (still_unused(sha)) {
            f = co_await erase(sha);
        }
        {
            const std::lock_guard lock(m_);
            deleting_.erase(sha);
            if (f.failed()) {
                queue_.push_back(sha);
            }
        }
        if (f.failed()) {
            log::message("s3: delete of " + key_of(sha) + " failed (" + f.describe() +
                         "); retrying in 5 s");
            timer->expires_after(std::chrono::seconds(5));
            co_await timer->async_wait(use_tuple);
        }
    }
}

} // namespace packyard::store::s3
