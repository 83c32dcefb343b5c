#include "store/backup.hpp"

#include "store/backup_files.hpp"
#include "store/backup_manifest.hpp"
#include "store/blobs.hpp"
#include "store/clock.hpp"
#include "store/crypto.hpp"
#include "store/s3/bucket.hpp"
#include "store/schema.hpp"
#include "store/unique_fd.hpp"

#include <cerrno>
#include <exception>
#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace packyard::store {
namespace {

std::error_code errno_code() {
    return {errno, std::generic_category()};
}

/// Holds DATA/backup.lock shared: the server keeps every blob file it would unlink meanwhile.
result<unique_fd> hold_backup_lock(const std::filesystem::path& data_dir) {
    const auto path = backup_lock_path(data_dir);
    unique_fd fd;
    do {
        fd.reset(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
    } while (!fd && errno == EINTR);
    if (!fd) {
        return errno_code();
    }
    // Waits only while the server unlinks one file (it never waits for the lock itself).
    int rc = 0;
    do {
        rc = ::flock(fd.get(), LOCK_SH);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        return errno_code();
    }
    return fd;
}

/// One compacted copy of the live environment in db_dir, taken in one read transaction of
/// this process (the server's lock file arbitrates, as for any second LMDB process), streamed
/// through a pipe so that its SHA-256 is computed as it is written.
result<hashed_bytes> copy_snapshot(const std::filesystem::path& db_dir,
                                   const std::filesystem::path& dst) {
    MDB_env* env = nullptr;
    int rc = mdb_env_create(&env);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    const std::unique_ptr<MDB_env, void (*)(MDB_env*)> env_guard(env, mdb_env_close);
    mdb_env_set_maxdbs(env, 64);
    // The map size is left unset: LMDB maps what the environment records (the server's
    // --map-size). Read-only: this process never writes the store.
    rc = mdb_env_open(env, db_dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0640);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    hashing_copier copier;
    for (int attempt = 0;; ++attempt) {
        unique_fd out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
        if (!out) {
            return errno_code();
        }
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            return errno_code();
        }
        unique_fd read_end(fds[0]);
        unique_fd write_end(fds[1]);
        ::fcntl(write_end.get(), F_SETPIPE_SZ, 1 << 20); // fewer switches; the default is fine too
        result<hashed_bytes> written = make_error_code(errc::invalid_argument);
        std::thread consumer([&] {
            try {
                written = copier.pump(read_end.get(), out.get());
            } catch (const std::exception&) { // EVP failed: nothing may escape a thread
                written = std::make_error_code(std::errc::not_enough_memory);
            }
            // After a failed write, keep draining: LMDB's writer must never block on the pipe.
            char sink[65536];
            while (!written) {
                const ssize_t n = ::read(read_end.get(), sink, sizeof sink);
                if (n == 0 || (n < 0 && errno != EINTR)) {
                    break;
                }
            }
        });
        rc = mdb_env_copyfd2(env, write_end.get(), MDB_CP_COMPACT);
        write_end.reset(); // the consumer sees the end of the copy
        consumer.join();
        if (rc == MDB_MAP_RESIZED && attempt < 3) {
            // The server grew the map since we opened it (a restart with a larger --map-size):
            // LMDB's remedy is to adopt the new size and begin again.
            mdb_env_set_mapsize(env, 0);
            continue;
        }
        if (rc != 0) {
            return lmdb_error(rc);
        }
        if (!written) {
            return written.error();
        }
        if (out.close() != 0) {
            return errno_code();
        }
        return written;
    }
}

/// An object of the bucket into a new file dst, hashed as it is written; a missing object is
/// errc::not_found.
result<hashed_bytes> fetch_object(s3::bucket& b, const std::string& sha,
                                  const std::filesystem::path& dst) {
    unique_fd out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (!out) {
        return std::error_code(errno, std::generic_category());
    }
    sha256_stream h;
    hashed_bytes got;
    std::error_code write_ec;
    s3::get_sink sink{[](std::uint64_t) -> boost::asio::awaitable<std::error_code> {
                          co_return std::error_code{};
                      },
                      [&](std::span<const char> chunk) -> boost::asio::awaitable<std::error_code> {
                          h.update(std::string_view(chunk.data(), chunk.size()));
                          got.bytes += chunk.size();
                          std::size_t done = 0;
                          while (done < chunk.size()) {
                              const ssize_t n =
                                  ::write(out.get(), chunk.data() + done, chunk.size() - done);
                              if (n < 0 && errno == EINTR) {
                                  continue;
                              }
                              if (n < 0) {
                                  write_ec = std::error_code(errno, std::generic_category());
                                  co_return write_ec;
                              }
                              done += static_cast<std::size_t>(n);
                          }
                          co_return std::error_code{};
                      }};
    const auto f = b.run(b.fetch(sha, {}, std::move(sink)));
    if (write_ec) {
        return write_ec;
    }
    if (f.failed()) {
        return f.status == 404 ? make_error_code(errc::not_found)
                               : make_error_code(std::errc::io_error);
    }
    if (out.close() != 0) {
        return std::error_code(errno, std::generic_category());
    }
    got.sha256 = h.finish_hex();
    return got;
}

} // namespace

copy_outcome backup(const backup_options& opts) {
    const auto& data = opts.data_dir;
    const auto& to = opts.to;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(data / "db" / "data.mdb", ec)) {
        return copy_stop(copy_status::refused,
                         data.string() + " holds no packyard store (no db/data.mdb)");
    }
    const auto state = inspect_folder(to);
    if (state == folder_state::not_empty) {
        return copy_stop(copy_status::refused,
                         to.string() + " is not empty: back up into a new or empty folder");
    }
    if (state == folder_state::not_a_folder || state == folder_state::unreadable) {
        return copy_stop(copy_status::refused,
                         to.string() + " is not a folder this user can write");
    }
    output_folder written(to, state == folder_state::absent);
    for (const auto* sub : {"db", "blobs"}) {
        if (std::filesystem::create_directories(to / sub, ec); ec) {
            return copy_stop(copy_status::failed,
                             "cannot create " + (to / sub).string() + ": " + ec.message());
        }
    }

    auto lock = hold_backup_lock(data);
    if (!lock) {
        return copy_stop(copy_status::failed, "cannot lock " + backup_lock_path(data).string() +
                                                  ": " + lock.error().message());
    }
    auto db = copy_snapshot(data / "db", to / "db" / "data.mdb");
    if (!db) {
        return copy_stop(copy_status::failed, "cannot copy the store in " + (data / "db").string() +
                                                  ": " + db.error().message());
    }
    if (opts.after_snapshot) {
        opts.after_snapshot();
    }

    auto snap = snapshot_file::open(to / "db");
    if (!snap) {
        return copy_stop(copy_status::failed,
                         "cannot read the copied snapshot: " + snap.error().message());
    }
    const auto layout_version = snap->schema_version();
    if (!layout_version) {
        return copy_stop(copy_status::damaged, "the store in " + (data / "db").string() +
                                                   " records no layout version: it is damaged");
    }
    if (*layout_version > schema_version) {
        return copy_stop(copy_status::refused,
                         data.string() + " was written by a newer packyard (layout " +
                             std::to_string(*layout_version) + "); back it up with that binary");
    }
    manifest_header h;
    h.packyard_version = opts.packyard_version;
    h.schema = *layout_version;
    h.created = iso8601(now_ms());
    h.db_bytes = db->bytes;
    h.db_sha256 = db->sha256;
    auto manifest = manifest_writer::create(to, h);
    if (!manifest) {
        return copy_stop(copy_status::failed, "cannot write the manifest in " + to.string() + ": " +
                                                  manifest.error().message());
    }

    copy_outcome out;
    out.schema = *layout_version;
    out.db_bytes = db->bytes;
    hashing_copier copier;
    std::string sha;
    for (;;) {
        auto more = snap->next_blob(sha);
        if (!more) {
            return copy_stop(copy_status::failed,
                             "cannot read the snapshot's blobs: " + more.error().message());
        }
        if (!*more) {
            break;
        }
        if (!is_sha256_hex(sha)) {
            return copy_stop(
                copy_status::damaged,
                "the store references a blob whose name is not a sha256: it is damaged");
        }
        const auto src = data / "blobs" / sha;
        auto copied = copier.copy(src, to / "blobs" / sha);
        if (!copied && copied.error() == errc::not_found && opts.bucket != nullptr) {
            copied = fetch_object(*opts.bucket, sha, to / "blobs" / sha);
        }
        if (!copied) {
            if (copied.error() == errc::not_found) {
                return copy_stop(copy_status::damaged,
                                 "blob " + sha + ", referenced by the snapshot, is missing from " +
                                     (data / "blobs").string() + ": the store is damaged");
            }
            return copy_stop(copy_status::failed,
                             "cannot copy " + src.string() + ": " + copied.error().message());
        }
        if (copied->sha256 != sha) {
            return copy_stop(copy_status::damaged,
                             src.string() + " does not match its sha256 (its bytes hash to " +
                                 copied->sha256 + "): the store is damaged");
        }
        if (auto wec = manifest->blob(sha, copied->bytes)) {
            return copy_stop(copy_status::failed, "cannot write the manifest: " + wec.message());
        }
        ++out.blobs;
        out.blob_bytes += copied->bytes;
    }
    // Everything on disk first; the manifest, last and atomic, says the backup is whole.
    if (auto sec = sync_filesystem(to)) {
        return copy_stop(copy_status::failed, "cannot sync " + to.string() + ": " + sec.message());
    }
    if (auto mec = manifest->commit(out.blobs, out.blob_bytes)) {
        return copy_stop(copy_status::failed, "cannot write the manifest: " + mec.message());
    }
    written.keep();
    return out;
}

} // namespace packyard::store
