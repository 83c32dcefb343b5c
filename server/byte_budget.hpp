#pragma once

// A process-wide allowance of bytes, shared by every I/O thread: small request bodies are held
// whole in memory until their handler runs, so each one takes its size from here first and a
// thousand clients sending the largest allowed body cannot take the machine's memory with them.

#include <atomic>
#include <cstdint>
#include <utility>

namespace packyard::server {

class byte_budget {
public:
    explicit byte_budget(std::uint64_t limit) noexcept
        : limit_(limit) {}
    byte_budget(const byte_budget&) = delete;
    byte_budget& operator=(const byte_budget&) = delete;

    /// What a request holds; returns its bytes to the budget when it ends.
    class lease {
    public:
        lease() = default;
        lease(lease&& o) noexcept
            : budget_(std::exchange(o.budget_, nullptr))
            , bytes_(std::exchange(o.bytes_, 0)) {}
        lease& operator=(lease&&) = delete;
        lease(const lease&) = delete;
        ~lease() {
            if (budget_ != nullptr) {
                budget_->used_.fetch_sub(bytes_, std::memory_order_relaxed);
            }
        }
        /// Takes n more bytes; false (and nothing taken) when the budget cannot spare them.
        bool grow(byte_budget& b, std::uint64_t n) noexcept {
            if (!b.take(n)) {
                return false;
            }
            budget_ = &b;
            bytes_ += n;
            return true;
        }
        std::uint64_t bytes() const noexcept { return bytes_; }

    private:
        byte_budget* budget_ = nullptr;
        std::uint64_t bytes_ = 0;
    };

    std::uint64_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
    std::uint64_t limit() const noexcept { return limit_; }

private:
    bool take(std::uint64_t n) noexcept {
        std::uint64_t now = used_.load(std::memory_order_relaxed);
        do {
            if (n > limit_ || now > limit_ - n) {
                return false;
            }
        } while (!used_.compare_exchange_weak(now, now + n, std::memory_order_relaxed));
        return true;
    }

    const std::uint64_t limit_;
    std::atomic<std::uint64_t> used_{0};
};

} // namespace packyard::server
