#pragma once

// The single store-writer thread. lmdb.h requires that an application multiplexing user threads
// over OS threads (MDB_NOTLS) serialize write transactions in one OS thread; running them here
// also keeps commit fsync latency off the I/O threads, and lets concurrent mutations share one
// commit (group commit): each job runs in a nested transaction of one batch, so a failing job
// rolls back alone and every job is acknowledged only after the batch's durable commit.

#include "store/env.hpp"
#include "store/txn.hpp"

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

class writer {
public:
    /// A mutation: runs in a write transaction and returns its outcome. It may run more than
    /// once (after the map grows), so it must only touch the transaction and its own outputs.
    using job = std::function<std::error_code(write_txn&)>;
    using done_fn = std::function<void(std::error_code)>;
    /// Runs a function while no read transaction of this process is active.
    using quiesce_fn = std::function<void(const std::function<void()>&)>;

    explicit writer(environment& env, quiesce_fn quiesce = {});
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;
    /// Finishes queued jobs, then stops the thread.
    ~writer();

    void set_quiesce(quiesce_fn quiesce);
    /// Runs on the writer thread before every commit (the blob store's folder fsync).
    void set_pre_commit(std::function<std::error_code()> hook);

    /// Queues a job; done runs on the writer thread after the commit.
    void submit(job j, done_fn done);

    /// Runs a job and blocks until it is committed. Never call from an I/O thread.
    std::error_code run_sync(job j);

    /// Runs a job on the writer thread; the awaiting coroutine resumes on its own executor once
    /// the job's changes are durable (or failed). Hold no read transaction across this.
    template <class F>
    boost::asio::awaitable<std::error_code> run(F f) {
        namespace net = boost::asio;
        return net::async_initiate<const net::use_awaitable_t<>, void(std::error_code)>(
            [this, f = std::move(f)](auto handler) mutable {
                using handler_t = decltype(handler);
                auto ex = net::get_associated_executor(handler);
                auto h = std::make_shared<handler_t>(std::move(handler));
                auto work = std::make_shared<net::executor_work_guard<decltype(ex)>>(ex);
                submit(job(std::move(f)), [h, work, ex](std::error_code ec) {
                    net::post(ex, [h, work, ec]() mutable { std::move (*h)(ec); });
                });
            },
            net::use_awaitable);
    }

    /// Commits so far (batches), for diagnostics and benchmarks.
    std::uint64_t commits() const noexcept;

private:
    struct item {
        job fn;
        done_fn done;
        std::error_code result;
    };

    void loop();
    void run_batch(std::deque<item>& batch);
    bool try_batch(std::deque<item>& batch, bool& map_full);
    void grow_map();

    environment& env_;
    quiesce_fn quiesce_;
    std::function<std::error_code()> pre_commit_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<item> queue_;
    bool stopping_ = false;
    std::uint64_t commits_ = 0;
    std::thread thread_;
};

} // namespace packyard::store
