#pragma once

// Package bytes in an S3 bucket: what the blob store does with a bucket instead of (or besides)
// its local folder. Objects live under their content address, prefix + sha256[0:2] + "/" +
// sha256, so a key names its bytes for ever: an upload of bytes already there is a no-op, a
// retried PUT or DELETE is harmless, and a download can be redirected to the store itself.
//
// The order that keeps a 201 honest and a delete safe (docs/decisions/0021-s3-client.md):
// - an upload is spooled and hashed locally (blob_upload), pushed here *before* the writer
//   records its row, under a pin that keeps any delete of the same bytes out until the row is
//   committed;
// - a delete is queued after the commit that dropped the last reference, and is sent only if no
//   pin is held and the committed state still has no reference when its turn comes;
// - what a crash leaves (an object no row names) is found by the orphan sweep, which lists the
//   bucket.

#include "store/blobs.hpp"
#include "store/s3/client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <unordered_map>

namespace packyard::store::s3 {

struct bucket_options {
    client_options client;
    std::string prefix = "blobs/";
    /// Uploads larger than this go as a multipart upload of parts of this size (S3's minimum
    /// part is 5 MiB); each part's SHA-256 is computed while the upload is spooled.
    std::uint64_t part_size = 16ULL << 20;
    /// 302 to a presigned GET instead of streaming the bytes through packyard.
    bool direct_download = false;
    std::chrono::seconds presign_expiry{300};
};

/// An object under the prefix, as a listing names it.
struct object {
    std::string sha256;
    std::uint64_t size = 0;
};

class bucket {
public:
    explicit bucket(bucket_options o);
    bucket(const bucket&) = delete;
    bucket& operator=(const bucket&) = delete;
    ~bucket();

    const bucket_options& options() const noexcept { return opts_; }
    client& http() noexcept { return client_; }
    const client& http() const noexcept { return client_; }
    std::string key_of(std::string_view sha256) const;

    /// Whether the bucket answers to these credentials (HEAD on it); an empty failure is yes.
    boost::asio::awaitable<failure> probe();

    /// Stores the spooled upload under its address unless it is already there: one PUT with
    /// If-None-Match: * (412 means the bytes are stored), or, past the part size, a multipart
    /// upload (aborted on failure) checked by a HEAD of its size. Every body's SHA-256 is
    /// signed, so the gateway refuses bytes that differ from what was hashed. An empty failure
    /// is success: the bytes are durable in the bucket.
    boost::asio::awaitable<failure> push(const std::filesystem::path& spool, const blob_digest& d,
                                         std::span<const std::string> part_sha256);

    /// Claims the prefix for one data folder: PREFIX + "owner" holds its id, written once
    /// (If-None-Match: *). An empty failure when the prefix was free or already this id's;
    /// `owner` is set to the id found. The start-up sweep deletes what its folder's rows do not
    /// name, so two folders on one prefix would delete each other's bytes.
    boost::asio::awaitable<failure> claim(std::string id, std::string& owner);

    /// Streams an object (range "" or "bytes=a-b") to sink.
    boost::asio::awaitable<failure> fetch(std::string_view sha256, std::string range,
                                          get_sink sink);

    /// A presigned GET whose answer carries this Content-Disposition and Content-Type.
    std::string presigned_url(std::string_view sha256, std::string_view content_disposition,
                              std::string_view content_type) const;

    /// Every object under the prefix (ListObjectsV2, 1,000 per page); keys that are not a
    /// content address are skipped.
    boost::asio::awaitable<s3_result<std::vector<object>>> list();

    /// DELETE (204 also when already gone).
    boost::asio::awaitable<failure> erase(std::string_view sha256);

    // --- pins and the delete queue (any thread) ---

    /// Keeps deletes of sha256 out until unpin; waits while one is being sent (the push that
    /// follows must not find bytes a delete is about to take).
    boost::asio::awaitable<void> pin(std::string sha256);
    void unpin(const std::string& sha256);
    /// Queues a delete to send once the deleter runs (start_deleter), or at drain_deletes.
    void queue_delete(std::string sha256);
    /// Runs the deleter on ex: each queued delete is sent when no pin holds its bytes and
    /// still_unused(sha256) says the committed state has no reference (checked just before).
    void start_deleter(const boost::asio::any_io_executor& ex,
                       std::function<bool(std::string_view)> still_unused);
    /// Stops the deleter after what it is sending (queued deletes stay for the next start's
    /// sweep).
    void stop_deleter();
    std::size_t queued_deletes() const;

    /// Runs an awaitable to completion on a private io_context (start-up, commands, tests).
    template <class T>
    T run(boost::asio::awaitable<T> a);

private:
    boost::asio::awaitable<void> deleter(std::function<bool(std::string_view)> still_unused);
    boost::asio::awaitable<failure> push_multipart(const std::string& key, int fd,
                                                   const blob_digest& d,
                                                   std::span<const std::string> part_sha256);

    bucket_options opts_;
    client client_;

    mutable std::mutex m_;
    std::unordered_map<std::string, unsigned> pins_;
    std::set<std::string> deleting_;
    std::deque<std::string> queue_;
    std::function<void()> wake_; ///< posts the deleter's wake-up (set by start_deleter)
    bool stopping_ = false;
};

} // namespace packyard::store::s3

namespace packyard::store::s3 {

template <class T>
T bucket::run(boost::asio::awaitable<T> a) {
    boost::asio::io_context ioc;
    auto done = boost::asio::co_spawn(ioc, std::move(a), boost::asio::use_future);
    ioc.run();
    client_.release_connections();
    return done.get();
}

} // namespace packyard::store::s3
