#include "store/env.hpp"

#include "store/codec.hpp"
#include "store/error.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/mman.h>
#include <sys/statvfs.h>

namespace packyard::store {
namespace {

std::atomic<std::uint64_t> next_env_id{1};

constexpr std::string_view schema_key = "schema_version";

/// LMDB's default order (memcmp, then shorter first) with a fast path for keys made of one to
/// four big-endian u64s: they compare word by word as integers, with no call into memcmp. Keys
/// of different lengths take it too, because prefix seeks (a package's build infos, a
/// project's pipelines) look a 16-byte key up by its 8-byte prefix on every list row. Same
/// order as the default, so mdb_dump/mdb_load and older binaries agree.
int compare_id_keys(const MDB_val* a, const MDB_val* b) {
    const std::size_t na = a->mv_size;
    const std::size_t nb = b->mv_size;
    if (na == 8 && nb == 8) {
        // Row lookups by id, the most frequent comparison of all.
        std::uint64_t x = 0;
        std::uint64_t y = 0;
        std::memcpy(&x, a->mv_data, 8);
        std::memcpy(&y, b->mv_data, 8);
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
        return static_cast<int>(x > y) - static_cast<int>(x < y);
    }
    if (((na | nb) % 8) == 0 && na <= 32 && nb <= 32) {
        const auto* pa = static_cast<const unsigned char*>(a->mv_data);
        const auto* pb = static_cast<const unsigned char*>(b->mv_data);
        const std::size_t n = std::min(na, nb);
        for (std::size_t i = 0; i < n; i += 8) {
            std::uint64_t x = 0;
            std::uint64_t y = 0;
            std::memcpy(&x, pa + i, 8);
            std::memcpy(&y, pb + i, 8);
            if (x != y) {
                return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
            }
        }
        return na < nb ? -1 : (na > nb ? 1 : 0);
    }
    const std::size_t n = std::min(na, nb);
    if (const int d = std::memcmp(a->mv_data, b->mv_data, n); d != 0) {
        return d;
    }
    return na < nb ? -1 : (na > nb ? 1 : 0);
}

} // namespace

result<std::unique_ptr<environment>> environment::open(const env_options& opts) {
    std::error_code fs_ec;
    if (!opts.read_only) {
        std::filesystem::create_directories(opts.dir, fs_ec);
        if (fs_ec) {
            return fs_ec;
        }
    }
    std::unique_ptr<environment> e(new environment());
    e->id_ = next_env_id.fetch_add(1);
    e->dir_ = std::filesystem::absolute(opts.dir).lexically_normal();
    int rc = mdb_env_create(&e->env_);
    if (rc != 0) {
        e->env_ = nullptr;
        return lmdb_error(rc);
    }
    mdb_env_set_maxdbs(e->env_, 64);
    mdb_env_set_maxreaders(e->env_, opts.max_readers);
    rc = mdb_env_set_mapsize(e->env_, opts.map_size);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    // MDB_NOTLS: read slots belong to txn objects, not threads, because coroutines of one OS
    // thread each hold their own snapshot and a cached txn outlives the request that renewed it.
    // Synchronous commits (no NOSYNC/NOMETASYNC/WRITEMAP): an acknowledged write is on disk.
    rc = mdb_env_open(e->env_, opts.dir.c_str(),
                      MDB_NOTLS | MDB_NORDAHEAD | (opts.bulk_load ? MDB_NOSYNC : 0U) |
                          (opts.read_only ? MDB_RDONLY : 0U),
                      0640);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    MDB_envinfo info{};
    mdb_env_info(e->env_, &info);
    e->map_size_ = info.me_mapsize;
    // A killed predecessor may have left reader slots behind.
    int dead = 0;
    mdb_reader_check(e->env_, &dead);

    MDB_txn* t = nullptr;
    rc = mdb_txn_begin(e->env_, nullptr, opts.read_only ? MDB_RDONLY : 0U, &t);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    if (opts.read_only) {
        // The layout first: an older one lacks databases this binary would open.
        MDB_dbi meta{};
        rc = mdb_dbi_open(t, "meta", 0, &meta);
        MDB_val k{schema_key.size(), const_cast<char*>(schema_key.data())};
        MDB_val v{};
        if (rc == 0) {
            rc = mdb_get(t, meta, &k, &v);
        }
        if (rc != 0) {
            mdb_txn_abort(t);
            return rc == MDB_NOTFOUND ? make_error_code(errc::not_found) : lmdb_error(rc);
        }
        value_reader r({static_cast<const char*>(v.mv_data), v.mv_size});
        const std::uint32_t found = r.u32();
        if (!r.ok() || found != schema_version) {
            mdb_txn_abort(t);
            return make_error_code(
                !r.ok() ? errc::corrupted
                        : (found > schema_version ? errc::schema_too_new : errc::schema_too_old));
        }
    }
    for (const auto& db : schema) {
        // mdb_dbi_open gives the same handle for a name opened twice (two layouts, one table).
        const std::string name(db.name);
        rc =
            mdb_dbi_open(t, name.c_str(), opts.read_only ? 0U : MDB_CREATE, &(e->dbis_.*db.handle));
        if (rc != 0) {
            mdb_txn_abort(t);
            return rc == MDB_NOTFOUND ? make_error_code(errc::corrupted) : lmdb_error(rc);
        }
        if (db.id_keys) {
            // The handle keeps the comparator for the life of the environment.
            mdb_set_compare(t, e->dbis_.*db.handle, compare_id_keys);
        }
    }
    if (opts.read_only) {
        e->found_version_ = schema_version;
        // Committing a read-only transaction keeps the handles it opened (lmdb.h, mdb_dbi_open).
        if (rc = mdb_txn_commit(t); rc != 0) {
            return lmdb_error(rc);
        }
        return e;
    }
    MDB_val k{schema_key.size(), const_cast<char*>(schema_key.data())};
    MDB_val v{};
    rc = mdb_get(t, e->dbis_.meta, &k, &v);
    e->found_version_ = schema_version;
    if (rc == MDB_NOTFOUND) {
        value_writer w;
        w.u32(schema_version);
        auto bytes = w.take();
        MDB_val nv{bytes.size(), bytes.data()};
        rc = mdb_put(t, e->dbis_.meta, &k, &nv, 0);
    } else if (rc == 0) {
        value_reader r({static_cast<const char*>(v.mv_data), v.mv_size});
        const std::uint32_t found = r.u32();
        if (!r.ok()) {
            mdb_txn_abort(t);
            return make_error_code(errc::corrupted);
        }
        if (found > schema_version) {
            mdb_txn_abort(t);
            return make_error_code(errc::schema_too_new);
        }
        e->found_version_ = found; // older layouts: store::upgrade migrates them
    }
    if (rc != 0) {
        mdb_txn_abort(t);
        return lmdb_error(rc);
    }
    rc = mdb_txn_commit(t);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    return e;
}

environment::~environment() {
    if (env_ == nullptr) {
        return;
    }
    {
        std::lock_guard lock(cached_mutex_);
        for (MDB_txn* t : cached_readers_) {
            mdb_txn_abort(t);
        }
        cached_readers_.clear();
    }
    mdb_env_close(env_);
}

namespace {

struct reader_slots {
    std::uint64_t held = 0;
    std::uint64_t active = 0;
};

reader_slots count_readers(MDB_env* env) {
    // mdb_reader_list prints one line per slot: "pid thread txnid", txnid "-" when reset.
    reader_slots out;
    mdb_reader_list(
        env,
        [](const char* msg, void* ctx) -> int {
            std::istringstream line(msg);
            std::string pid;
            std::string thread;
            std::string txn;
            if (line >> pid >> thread >> txn && pid != "pid" && pid.front() != '(') {
                auto& slots = *static_cast<reader_slots*>(ctx);
                ++slots.held;
                if (txn != "-") {
                    ++slots.active;
                }
            }
            return 0;
        },
        &out);
    return out;
}

} // namespace

std::size_t environment::active_readers() const {
    return count_readers(env_).active;
}

map_stats environment::stats() const {
    map_stats out;
    MDB_envinfo info{};
    MDB_stat st{};
    if (mdb_env_info(env_, &info) == 0 && mdb_env_stat(env_, &st) == 0) {
        out.map_size = info.me_mapsize;
        out.page_size = st.ms_psize;
        out.pages_used = info.me_last_pgno + 1;
        out.max_readers = info.me_maxreaders;
    }
    const auto slots = count_readers(env_);
    out.readers = slots.held;
    out.active_readers = slots.active;
    return out;
}

std::size_t environment::clear_stale_readers() {
    int dead = 0;
    mdb_reader_check(env_, &dead);
    return static_cast<std::size_t>(std::max(dead, 0));
}

std::error_code environment::sync() {
    const int rc = mdb_env_sync(env_, 1);
    return rc != 0 ? lmdb_error(rc) : std::error_code{};
}

bool environment::disk_full() const noexcept {
    struct statvfs st {};
    return ::statvfs(dir_.c_str(), &st) == 0 &&
           static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize < (1U << 20);
}

std::error_code environment::release_mapped_pages() {
    // LMDB does not expose its map's address (MDB_envinfo.me_mapaddr is only the MDB_FIXEDMAP
    // hint), so find the mapping of data.mdb in /proc/self/maps.
    std::ifstream maps("/proc/self/maps");
    std::string line;
    const std::string file = (dir_ / "data.mdb").string();
    while (std::getline(maps, line)) {
        if (line.size() < file.size() ||
            line.compare(line.size() - file.size(), file.size(), file) != 0) {
            continue;
        }
        std::uintptr_t begin = 0;
        std::uintptr_t end = 0;
        char dash = 0;
        std::istringstream range(line);
        if (!(range >> std::hex >> begin >> dash >> end) || dash != '-' || end <= begin) {
            continue;
        }
        if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED) != 0) {
            return {errno, std::generic_category()};
        }
    }
    return {};
}

void environment::register_cached_reader(MDB_txn* txn) {
    std::lock_guard lock(cached_mutex_);
    cached_readers_.push_back(txn);
}

} // namespace packyard::store
