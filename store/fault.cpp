#include "store/fault.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <cstdlib>

namespace packyard::store::fault {
namespace {

constexpr std::array<std::string_view, 5> names = {"blob_write", "blob_fsync", "blob_link",
                                                   "commit", "commit_full"};

struct counter {
    std::atomic<std::uint64_t> fail_at{0}; ///< 0: never
    std::atomic<std::uint64_t> calls{0};
};

std::atomic<bool> armed{false};
std::array<counter, names.size()> counters;

} // namespace

bool arm(std::string_view spec) {
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const auto item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            return false;
        }
        std::uint64_t n = 0;
        const auto num = item.substr(eq + 1);
        if (std::from_chars(num.data(), num.data() + num.size(), n).ec != std::errc{} || n == 0) {
            return false;
        }
        std::size_t i = 0;
        while (i < names.size() && names[i] != item.substr(0, eq)) {
            ++i;
        }
        if (i == names.size()) {
            return false;
        }
        counters[i].fail_at.store(n, std::memory_order_relaxed);
        armed.store(true, std::memory_order_relaxed);
    }
    return true;
}

bool arm_from_environment() {
    const char* spec = std::getenv("PACKYARD_FAULTS");
    return spec == nullptr || arm(spec);
}

bool hit(point p) noexcept {
    if (!armed.load(std::memory_order_relaxed)) {
        return false;
    }
    auto& c = counters[static_cast<std::size_t>(p)];
    const std::uint64_t at = c.fail_at.load(std::memory_order_relaxed);
    return at != 0 && c.calls.fetch_add(1, std::memory_order_relaxed) + 1 == at;
}

} // namespace packyard::store::fault
