#pragma once

// The counters behind /-/metrics (docs/decisions/0018-metrics.md). Every thread that counts has
// its own shard of plain counters, written by that thread alone with relaxed loads and stores
// (no lock, no read-modify-write instruction), so a request costs a few additions into memory
// its thread already owns; a scrape sums the shards. Labels are small indexes on the way in
// (the matched row of the route table, the method, a status slot) and become text only when
// rendered. The store's figures (the map, blobs, the cleanup queue, the writer) are read at
// scrape time from store/ functions, never counted per request.

#include "routing/http_types.hpp"
#include "routing/route.hpp"
#include "store/env.hpp"
#include "store/packages.hpp"
#include "store/writer.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace packyard::store::s3 {
class bucket;
}

namespace packyard::routing::metrics {

/// Why an upload (a request on a stream route) was refused: each refusal is counted once, where
/// it is decided.
enum class upload_failure : std::uint8_t {
    denied,    ///< before the body: credentials, rights, a project not found (401, 403, 404)
    invalid,   ///< GitLab's validations: the path, the metadata, a duplicate (other 4xx)
    too_large, ///< past --max-upload-size, declared or streamed
    malformed, ///< a body that cannot be read: no file part, npm JSON that does not parse
    timeout,   ///< the body took longer than --upload-timeout, or a read stalled (408)
    aborted,   ///< the connection failed or broke the framing mid-body
    busy,      ///< the budget of bodies held in memory was spent (503)
    disk,      ///< the temp file could not be created, written or synced; a full disk (507)
    internal,  ///< the write transaction or the handler failed (5xx)
};
inline constexpr std::size_t upload_failure_kinds = 9;
std::string_view label(upload_failure why) noexcept;
/// The reason for a refusal known only by its status (preconditions, handlers, the writer).
upload_failure reason_of(unsigned status) noexcept;

/// The figures read from the store at scrape time.
struct store_figures {
    store::map_stats map;
    store::blob_totals blobs;
    std::uint64_t cleanup_backlog = 0;
    store::writer_stats writer;
    /// The blob store's bucket (--blob-store s3), whose calls are counted per operation.
    const store::s3::bucket* bucket = nullptr;
};

class registry {
public:
    /// Labels routes by the rows of table, the one routing::app matches against.
    explicit registry(std::span<const route> table);
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;
    ~registry();

    /// One answered request. route: the index of the matched row in the table, or -1 (no row:
    /// 404, 405, OPTIONS on a known path, a request refused before routing). micros: from the
    /// first header byte parsed to the last response byte written; bytes: on the wire, header
    /// and body, each way.
    void request(int route, method verb, unsigned status, std::uint64_t micros,
                 std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept;
    void upload_failed(upload_failure why) noexcept;
    void connection_accepted() noexcept;
    /// Refused past --max-connections (a canned 503, no session).
    void connection_refused() noexcept;
    void connection_closed() noexcept;

    /// Prometheus' text exposition format (version 0.0.4) of every counter and of the store's
    /// figures.
    std::string render(const store_figures& store) const;

    /// The index of a status in the requests table (statuses packyard never answers share the
    /// last slot, labelled "other").
    static std::size_t status_slot(unsigned status) noexcept;

private:
    struct shard;
    struct totals;
    /// This thread's shard, made on its first count.
    shard& local();
    shard& attach();
    totals sum() const;
    std::size_t request_slot(int route, method verb) const noexcept;

    std::span<const route> table_;
    std::size_t routes_;    ///< rows; index routes_ labels "unmatched"
    std::uint64_t serial_;  ///< tells this registry's shards from another's in the thread cache
    mutable std::mutex mu_; ///< guards shards_ (attach and scrape only)
    std::vector<std::unique_ptr<shard>> shards_;
};

/// The content type Prometheus scrapes (GitLab's MetricsController renders the same).
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

} // namespace packyard::routing::metrics
