#pragma once

// Fixed-bucket histograms for /-/metrics (docs/decisions/0018-metrics.md): the bucket bounds
// every layer counts against, and the bucket a value falls in. Counts are kept per bucket (not
// cumulative); the Prometheus rendering adds them up.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace packyard::store::histogram {

/// Upper bounds of the latency buckets, in microseconds: a cached list answer takes a few
/// microseconds, a commit's fsync milliseconds, an upload of a large file seconds to minutes.
inline constexpr std::array<std::uint64_t, 18> latency_bounds_us{
    100,     250,     500,     1'000,     2'500,     5'000,     10'000,     25'000,     50'000,
    100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000, 30'000'000, 60'000'000};

/// Upper bounds of the jobs-per-batch buckets (a batch holds at most 256, store/writer.cpp).
inline constexpr std::array<std::uint64_t, 9> batch_bounds{1, 2, 4, 8, 16, 32, 64, 128, 256};

/// The bucket of v: the first bound >= v, or bounds.size() (the +Inf bucket). Linear: most
/// values land in the first few buckets, and there are fewer than twenty.
constexpr std::size_t bucket_of(std::span<const std::uint64_t> bounds, std::uint64_t v) noexcept {
    std::size_t i = 0;
    while (i < bounds.size() && v > bounds[i]) {
        ++i;
    }
    return i;
}

} // namespace packyard::store::histogram
