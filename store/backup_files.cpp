#include "store/backup_files.hpp"

#include "store/codec.hpp"
#include "store/unique_fd.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace packyard::store {
namespace {

constexpr std::size_t buffer_size = 1 << 20;

std::error_code errno_code() {
    return {errno, std::generic_category()};
}

int open_retrying(const char* path, int flags, mode_t mode = 0) {
    int fd = -1;
    do {
        fd = ::open(path, flags, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

} // namespace

folder_state inspect_folder(const std::filesystem::path& p) {
    std::error_code ec;
    const auto st = std::filesystem::status(p, ec);
    if (st.type() == std::filesystem::file_type::not_found) {
        return folder_state::absent;
    }
    if (ec) {
        return folder_state::unreadable;
    }
    if (st.type() != std::filesystem::file_type::directory) {
        return folder_state::not_a_folder;
    }
    const std::filesystem::directory_iterator it(p, ec);
    if (ec) {
        return folder_state::unreadable;
    }
    return it == std::filesystem::directory_iterator() ? folder_state::empty
                                                       : folder_state::not_empty;
}

output_folder::~output_folder() {
    if (kept_) {
        return;
    }
    std::error_code ec;
    if (created_) {
        std::filesystem::remove_all(path_, ec);
        return;
    }
    for (const auto& e : std::filesystem::directory_iterator(path_, ec)) {
        std::error_code ignored;
        std::filesystem::remove_all(e.path(), ignored);
    }
}

hashing_copier::hashing_copier()
    : buf_(buffer_size) {}

result<hashed_bytes> hashing_copier::pump(int in, int out) {
    hashed_bytes h;
    for (;;) {
        const ssize_t n = ::read(in, buf_.data(), buf_.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_code();
        }
        if (n == 0) {
            break;
        }
        const std::string_view chunk(buf_.data(), static_cast<std::size_t>(n));
        sha_.update(chunk);
        h.bytes += chunk.size();
        for (std::size_t done = 0; done < chunk.size();) {
            const ssize_t w = ::write(out, chunk.data() + done, chunk.size() - done);
            if (w < 0) {
                if (errno == EINTR) {
                    continue;
                }
                const auto ec = errno_code();
                sha_.finish_hex(); // start the next file afresh
                return ec;
            }
            done += static_cast<std::size_t>(w);
        }
    }
    h.sha256 = sha_.finish_hex();
    return h;
}

result<hashed_bytes> hashing_copier::copy(const std::filesystem::path& src,
                                          const std::filesystem::path& dst) {
    const unique_fd in(open_retrying(src.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) {
        return errno == ENOENT ? make_error_code(errc::not_found) : errno_code();
    }
    ::posix_fadvise(in.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    unique_fd out(open_retrying(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (!out) {
        return errno_code();
    }
    auto h = pump(in.get(), out.get());
    if (h && out.close() != 0) {
        return errno_code(); // a delayed write error (NFS, a full disk) shows here
    }
    return h;
}

std::error_code fsync_folder(const std::filesystem::path& dir) {
    const unique_fd fd(open_retrying(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return errno_code();
    }
    return ::fsync(fd.get()) == 0 ? std::error_code{} : errno_code();
}

std::error_code sync_filesystem(const std::filesystem::path& p) {
    const unique_fd fd(open_retrying(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return errno_code();
    }
    return ::syncfs(fd.get()) == 0 ? std::error_code{} : errno_code();
}

result<snapshot_file> snapshot_file::open(const std::filesystem::path& db_dir) {
    snapshot_file s;
    int rc = mdb_env_create(&s.env_);
    if (rc != 0) {
        s.env_ = nullptr;
        return lmdb_error(rc);
    }
    mdb_env_set_maxdbs(s.env_, 64);
    // The copy is this process's alone: no lock file, no reader table.
    rc = mdb_env_open(s.env_, db_dir.c_str(), MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0640);
    if (rc == 0) {
        rc = mdb_txn_begin(s.env_, nullptr, MDB_RDONLY, &s.txn_);
    }
    MDB_dbi blobs = 0;
    if (rc == 0) {
        rc = mdb_dbi_open(s.txn_, "meta", 0, &s.meta_);
    }
    if (rc == 0) {
        rc = mdb_dbi_open(s.txn_, "blob_refs", 0, &blobs);
    }
    if (rc == 0) {
        rc = mdb_cursor_open(s.txn_, blobs, &s.blobs_);
    }
    if (rc != 0) {
        return lmdb_error(rc);
    }
    return s;
}

snapshot_file::snapshot_file(snapshot_file&& o) noexcept
    : env_(std::exchange(o.env_, nullptr))
    , txn_(std::exchange(o.txn_, nullptr))
    , blobs_(std::exchange(o.blobs_, nullptr))
    , meta_(o.meta_)
    , started_(o.started_) {}

snapshot_file::~snapshot_file() {
    if (blobs_ != nullptr) {
        mdb_cursor_close(blobs_);
    }
    if (txn_ != nullptr) {
        mdb_txn_abort(txn_);
    }
    if (env_ != nullptr) {
        mdb_env_close(env_);
    }
}

std::optional<std::uint32_t> snapshot_file::schema_version() const {
    constexpr std::string_view key = "schema_version";
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{};
    if (mdb_get(txn_, meta_, &k, &v) != 0) {
        return std::nullopt;
    }
    value_reader r({static_cast<const char*>(v.mv_data), v.mv_size});
    const std::uint32_t version = r.u32();
    return r.ok() ? std::optional(version) : std::nullopt;
}

result<bool> snapshot_file::next_blob(std::string& sha256_hex) {
    MDB_val k{};
    MDB_val v{};
    const int rc = mdb_cursor_get(blobs_, &k, &v, started_ ? MDB_NEXT : MDB_FIRST);
    started_ = true;
    if (rc == MDB_NOTFOUND) {
        return false;
    }
    if (rc != 0) {
        return result<bool>(boost::system::in_place_error, lmdb_error(rc));
    }
    sha256_hex.assign(static_cast<const char*>(k.mv_data), k.mv_size);
    return true;
}

} // namespace packyard::store
