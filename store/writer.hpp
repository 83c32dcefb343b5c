#pragma once

// The single store-writer thread. lmdb.h requires that an application multiplexing user threads
// over OS threads (MDB_NOTLS) serialize write transactions in one OS thread; running them here
// also keeps commit fsync latency off the I/O threads, and lets concurrent mutations share one
// commit (group commit): each job runs in a nested transaction of one batch, so a failing job
// rolls back alone and every job is acknowledged only after the batch's durable commit.
//
// A job touches only its transaction and its own outputs. Whatever must happen outside LMDB
// once the data is durable goes through write_txn::after_commit; whatever must be in place
// before (a blob file its row points at) must be idempotent, since a job is not run twice today
// but nothing in its contract forbids it. The map is reserved whole at start (--map-size), so a
// full map is an error to report, not a reason to rerun (docs/decisions/0009-map-and-writes.md).

#include "store/env.hpp"
#include "store/histogram.hpp"
#include "store/txn.hpp"

#include <array>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace packyard::store {

/// What the writer has done since it started, for /-/metrics. Histogram counts are per bucket
/// (store/histogram.hpp), the last one past every bound.
struct writer_stats {
    std::uint64_t batches = 0;        ///< committed
    std::uint64_t failed_batches = 0; ///< whose transaction could not begin or commit
    std::uint64_t jobs = 0;           ///< in committed batches
    std::uint64_t queued = 0;         ///< waiting now
    std::array<std::uint64_t, histogram::batch_bounds.size() + 1> jobs_per_batch{};
    /// The durable commit: the pre-commit hook (the blobs folder's fsync) and LMDB's commit.
    std::array<std::uint64_t, histogram::latency_bounds_us.size() + 1> commit_us{};
    std::uint64_t commit_us_sum = 0;
};

class writer {
public:
    /// A mutation: runs in a write transaction and returns its outcome.
    using job = std::function<std::error_code(write_txn&)>;

    explicit writer(environment& env);
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;
    /// Finishes queued jobs, then stops the thread.
    ~writer();

    /// Runs on the writer thread before every commit (the blob store's folder fsync).
    void set_pre_commit(std::function<std::error_code()> hook);

    /// Runs a job on the writer thread and completes with its outcome once its changes are
    /// durable (or failed), on the completion handler's associated executor: a coroutine
    /// resumes on its own I/O thread (use_awaitable), a plain caller waits on a future
    /// (use_future). Hold no read transaction while waiting.
    template <class CompletionToken>
    auto async_run(job j, CompletionToken&& token) {
        namespace net = boost::asio;
        return net::async_initiate<CompletionToken, void(std::error_code)>(
            [this](auto handler, job&& fn) {
                using handler_t = decltype(handler);
                auto work = net::make_work_guard(net::get_associated_executor(handler));
                auto h = std::make_shared<handler_t>(std::move(handler));
                submit(std::move(fn), [h, work = std::move(work)](std::error_code ec) mutable {
                    auto ex = work.get_executor();
                    net::post(ex, [h, ec, w = std::move(work)]() mutable { std::move (*h)(ec); });
                });
            },
            token, std::move(j));
    }

    /// Commits so far (batches), for diagnostics and benchmarks.
    std::uint64_t commits() const noexcept;
    /// A copy of the counters (one lock, taken once per batch by the writer).
    writer_stats stats() const;

private:
    using done_fn = std::function<void(std::error_code)>;
    struct item {
        job fn;
        done_fn done;
        std::error_code result;
    };

    void submit(job j, done_fn done);
    void loop();
    void run_batch(std::deque<item>& batch);

    environment& env_;
    std::function<std::error_code()> pre_commit_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<item> queue_;
    bool stopping_ = false;
    std::uint64_t commits_ = 0;
    writer_stats stats_;
    std::thread thread_;
};

} // namespace packyard::store
