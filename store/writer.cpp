#include "store/writer.hpp"

#include "store/log.hpp"

#include <future>

namespace packyard::store {
namespace {
// Jobs per commit: enough to amortise one fsync over a burst of uploads, small enough that a
// batch's nested transactions stay cheap.
constexpr std::size_t max_batch = 256;
} // namespace

writer::writer(environment& env, quiesce_fn quiesce)
    : env_(env)
    , quiesce_(std::move(quiesce))
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

void writer::set_quiesce(quiesce_fn quiesce) {
    std::lock_guard lock(mu_);
    quiesce_ = std::move(quiesce);
}

void writer::set_pre_commit(std::function<std::error_code()> hook) {
    std::lock_guard lock(mu_);
    pre_commit_ = std::move(hook);
}

std::uint64_t writer::commits() const noexcept {
    std::lock_guard lock(mu_);
    return commits_;
}

void writer::submit(job j, done_fn done) {
    {
        std::lock_guard lock(mu_);
        queue_.push_back({std::move(j), std::move(done), {}});
    }
    cv_.notify_one();
}

std::error_code writer::run_sync(job j) {
    std::promise<std::error_code> p;
    auto f = p.get_future();
    submit(std::move(j), [&p](std::error_code ec) { p.set_value(ec); });
    return f.get();
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
    // A full map is the one failure the writer can fix itself: grow and run the batch again.
    for (int attempt = 0; attempt < 8; ++attempt) {
        bool map_full = false;
        if (try_batch(batch, map_full) || !map_full) {
            return;
        }
        grow_map();
    }
}

bool writer::try_batch(std::deque<item>& batch, bool& map_full) {
    auto parent = write_txn::begin(env_);
    if (!parent) {
        for (auto& it : batch) {
            it.result = parent.error();
        }
        return false;
    }
    const std::error_code full = lmdb_error(MDB_MAP_FULL);
    for (auto& it : batch) {
        auto child = write_txn::begin_child(*parent);
        if (!child) {
            it.result = child.error();
            map_full = map_full || it.result == full;
            continue;
        }
        try {
            it.result = it.fn(*child);
        } catch (const std::exception& e) {
            log::message(std::string("store job failed: ") + e.what());
            it.result = std::make_error_code(std::errc::io_error);
        }
        if (it.result) {
            child->abort();
        } else {
            it.result = child->commit();
        }
        if (it.result == full) {
            map_full = true;
        }
    }
    if (map_full) {
        return false; // parent aborts; the whole batch runs again after the map grows
    }
    std::function<std::error_code()> hook;
    {
        std::lock_guard lock(mu_);
        hook = pre_commit_;
    }
    std::error_code ec = hook ? hook() : std::error_code{};
    if (!ec) {
        ec = parent->commit();
    }
    if (ec) {
        map_full = ec == full;
        for (auto& it : batch) {
            if (!it.result) {
                it.result = ec;
            }
        }
        return false;
    }
    std::lock_guard lock(mu_);
    ++commits_;
    return true;
}

void writer::grow_map() {
    const std::uint64_t target = env_.map_size() * 2;
    quiesce_fn q;
    {
        std::lock_guard lock(mu_);
        q = quiesce_;
    }
    auto resize = [this, target] {
        if (auto ec = env_.set_map_size(target)) {
            log::error("cannot grow the LMDB map", ec);
        }
    };
    if (q) {
        q(resize);
    } else {
        resize();
    }
}

} // namespace packyard::store
