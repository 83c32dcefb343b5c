#include "store/writer.hpp"

#include "store/fault.hpp"
#include "store/log.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace packyard::store {
namespace {
// Jobs per commit: enough to amortise one fsync over a burst of uploads, small enough that a
// batch's nested transactions stay cheap.
constexpr std::size_t max_batch = 256;
} // namespace

writer::writer(environment& env)
    : env_(env)
    , thread_([this] { loop(); }) {}

writer::~writer() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void writer::set_pre_commit(std::function<std::error_code()> hook) {
    std::lock_guard lock(mu_);
    pre_commit_ = std::move(hook);
}

std::uint64_t writer::commits() const noexcept {
    std::lock_guard lock(mu_);
    return commits_;
}

writer_stats writer::stats() const {
    std::lock_guard lock(mu_);
    writer_stats out = stats_;
    out.batches = commits_;
    out.queued = queue_.size();
    return out;
}

void writer::submit(job j, done_fn done) {
    {
        std::lock_guard lock(mu_);
        queue_.push_back({std::move(j), std::move(done), {}});
    }
    cv_.notify_one();
}

void writer::loop() {
    for (;;) {
        std::deque<item> batch;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return; // stopping, and everything queued has been committed
            }
            while (!queue_.empty() && batch.size() < max_batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        run_batch(batch);
        for (auto& it : batch) {
            if (it.done) {
                it.done(it.result);
            }
        }
    }
}

void writer::run_batch(std::deque<item>& batch) {
    auto parent = write_txn::begin(env_);
    if (!parent) {
        for (auto& it : batch) {
            it.result = parent.error();
        }
        std::lock_guard lock(mu_);
        ++stats_.failed_batches;
        return;
    }
    for (auto& it : batch) {
        auto child = write_txn::begin_child(*parent);
        if (!child) {
            it.result = child.error();
            continue;
        }
        try {
            it.result = it.fn(*child);
        } catch (const failure& e) {
            log::message(std::string("store job failed: ") + e.what());
            it.result = e.code();
        } catch (const std::exception& e) {
            log::message(std::string("store job failed: ") + e.what());
            it.result = std::make_error_code(std::errc::io_error);
        }
        if (it.result) {
            child->abort();
        } else {
            it.result = child->commit();
        }
    }
    std::function<std::error_code()> hook;
    {
        std::lock_guard lock(mu_);
        hook = pre_commit_;
    }
    const auto commit_started = std::chrono::steady_clock::now();
    std::error_code ec = hook ? hook() : std::error_code{};
    if (!ec && fault::hit(fault::point::commit)) {
        ec = std::make_error_code(std::errc::io_error);
    }
    if (!ec && fault::hit(fault::point::commit_full)) {
        ec = lmdb_error(ENOSPC);
    }
    if (!ec) {
        ec = parent->commit(); // runs the batch's after-commit actions once it is durable
        if (ec == lmdb_error(EIO) && env_.disk_full()) {
            // LMDB reports a short write as EIO (mdb.c: "short write, filesystem full?"): when
            // the file system is indeed full, say so, and the client gets its 507.
            ec = lmdb_error(ENOSPC);
        }
    } else {
        parent->abort();
    }
    // A full map fails a job's put, or the commit itself: either way the operator's remedy.
    if (ec == lmdb_error(MDB_MAP_FULL) ||
        std::any_of(batch.begin(), batch.end(),
                    [](const item& it) { return it.result == lmdb_error(MDB_MAP_FULL); })) {
        log::message("the LMDB map is full: restart with a larger --map-size");
    }
    if (ec) {
        for (auto& it : batch) {
            if (!it.result) {
                it.result = ec;
            }
        }
        std::lock_guard lock(mu_);
        ++stats_.failed_batches;
        return;
    }
    const auto micros =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - commit_started)
                                       .count());
    std::lock_guard lock(mu_);
    ++commits_;
    stats_.jobs += batch.size();
    ++stats_.jobs_per_batch[histogram::bucket_of(histogram::batch_bounds, batch.size())];
    ++stats_.commit_us[histogram::bucket_of(histogram::latency_bounds_us, micros)];
    stats_.commit_us_sum += micros;
}

} // namespace packyard::store
