#pragma once

#include "store/error.hpp"
#include "store/schema.hpp"

#include <atomic>
#include <boost/system/result.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <lmdb.h>
#include <memory>
#include <mutex>
#include <vector>

namespace packyard::store {

struct env_options {
    std::filesystem::path dir; ///< the LMDB folder (DATA/db)
    /// The map's size, reserved whole at start: address space, not memory or disk (the file
    /// grows as pages are written). LMDB's advice is "as large as possible"; 1 TiB holds
    /// hundreds of millions of packages' metadata (blobs live outside it).
    std::uint64_t map_size = 1ULL << 40;
    unsigned max_readers = 510; ///< reader slots: threads + background + slack
    /// Bulk loading only (packyard-seed): commits skip fsync and the loader calls sync() once
    /// at the end. The server never sets it: an acknowledged write must be on disk.
    bool bulk_load = false;
    /// Opens an existing store without writing anything (MDB_RDONLY): nothing is created, and
    /// an older layout is refused (errc::schema_too_old) since only a write can upgrade it.
    /// `packyard check` reads this way, beside a running server.
    bool read_only = false;
};

/// The map as LMDB reports it, for /-/metrics.
struct map_stats {
    std::uint64_t map_size = 0;  ///< bytes reserved (--map-size)
    std::uint64_t page_size = 0; ///< bytes
    /// The last page ever written + 1: the data file's high-water mark, free pages that later
    /// commits reuse included. Past the map (map_size / page_size) writes fail with a full map.
    std::uint64_t pages_used = 0;
    std::uint64_t readers = 0;        ///< reader slots a thread holds (cached, reset ones too)
    std::uint64_t active_readers = 0; ///< slots whose transaction holds a snapshot now
    std::uint64_t max_readers = 0;
};

/// An open LMDB environment with every database handle. One per process per folder (lmdb.h:
/// "do not have open an LMDB database twice in the same process").
///
/// @par Thread Safety
/// Distinct objects: Safe. Shared objects: Safe for reads; write transactions only on the
/// writer thread (see store/writer.hpp).
class environment {
public:
    /// Opens (creating if needed) the folder, checks the schema version, opens every database.
    static result<std::unique_ptr<environment>> open(const env_options& opts);

    environment(const environment&) = delete;
    environment& operator=(const environment&) = delete;
    ~environment();

    MDB_env* handle() const noexcept { return env_; }
    const dbis& db() const noexcept { return dbis_; }
    std::uint64_t id() const noexcept { return id_; }
    std::uint64_t map_size() const noexcept { return map_size_; }
    /// Read transactions of this environment holding a snapshot right now (reader slots whose
    /// transaction is not reset), for tests and diagnostics.
    std::size_t active_readers() const;
    /// Frees the reader slots of processes that ended without closing the environment (a
    /// `packyard backup` killed mid-copy): until then their snapshot pins old pages and the
    /// data file grows under writes. Returns the slots freed.
    std::size_t clear_stale_readers();
    /// mdb_env_info, mdb_env_stat and mdb_reader_list: cheap (no transaction), for a scrape.
    map_stats stats() const;
    /// Flushes everything committed to disk (after a bulk load).
    std::error_code sync();
    /// True when the file system holding the store has (almost) no space left for this
    /// process: under 1 MiB available.
    bool disk_full() const noexcept;
    /// Drops this process's page-table mappings of the map (MADV_DONTNEED). Pages stay in the
    /// page cache and fault back in on the next read; nothing LMDB holds is invalidated, since
    /// the map is a read-only shared file mapping. Copy-on-write commits scatter fresh page
    /// numbers over the file, so without this the mapped set only grows under writes.
    std::error_code release_mapped_pages();
    /// The layout version the folder had when opened (schema_version for a new folder); an
    /// older one is brought up to date by store::upgrade (store/upgrade.hpp).
    std::uint32_t found_schema_version() const noexcept { return found_version_; }
    void set_found_schema_version(std::uint32_t v) noexcept { found_version_ = v; }

    /// Bumped after every commit that changed users, groups, projects or members (through
    /// write_txn::after_commit), so that caches of who-sees-what know when they went stale.
    /// Read it before opening the snapshot a cache entry is filled from.
    std::uint64_t identity_generation() const noexcept {
        return identity_generation_.load(std::memory_order_acquire);
    }
    void identity_changed() noexcept {
        identity_generation_.fetch_add(1, std::memory_order_acq_rel);
    }

    /// Bumped after every commit that moved a list generation on (store::touch_lists, through
    /// write_txn::after_commit), before the write is answered: a kept list answer whose value
    /// of it is the current one shows what a fresh snapshot would, without reading the
    /// scope's generation (routing/list_pages.hpp). Read it before opening the snapshot.
    std::uint64_t lists_generation() const noexcept {
        return lists_generation_.load(std::memory_order_acquire);
    }
    void lists_changed() noexcept { lists_generation_.fetch_add(1, std::memory_order_acq_rel); }

    /// Remembers a thread's cached read transaction so the destructor can abort it.
    void register_cached_reader(MDB_txn* txn);

private:
    environment() = default;

    MDB_env* env_ = nullptr;
    dbis dbis_{};
    std::uint64_t id_ = 0;
    std::uint64_t map_size_ = 0;
    std::uint32_t found_version_ = 0;
    std::atomic<std::uint64_t> identity_generation_{1};
    std::atomic<std::uint64_t> lists_generation_{1};
    std::filesystem::path dir_;
    std::mutex cached_mutex_;
    std::vector<MDB_txn*> cached_readers_;
};

} // namespace packyard::store
