#include "store/backup.hpp"
#include "store/backup_files.hpp"
#include "store/backup_manifest.hpp"
#include "store/schema.hpp"

#include <cerrno>
#include <cstdio>

namespace packyard::store {
namespace {

/// Where a restore writes before anything is in place: DATA/.restore/{db,blobs}.
constexpr std::string_view staging_name = ".restore";

/// Copies the manifest's blobs, each checked against its name, its size and the snapshot's
/// blob references (same order: the backup wrote them as it walked blob_refs), then the totals
/// and the end line.
copy_outcome copy_blobs(const std::filesystem::path& from, const std::filesystem::path& blobs,
                        manifest_reader& manifest, snapshot_file& snap) {
    copy_outcome out;
    hashing_copier copier;
    std::string why;
    std::string referenced;
    for (;;) {
        const auto e = manifest.next(why);
        if (e.what == manifest_reader::entry::kind::bad) {
            return copy_stop(copy_status::damaged, from.string() + " is refused: " + why);
        }
        auto more = snap.next_blob(referenced);
        if (!more) {
            return copy_stop(copy_status::failed,
                             "cannot read the snapshot's blobs: " + more.error().message());
        }
        if (e.what == manifest_reader::entry::kind::totals) {
            if (*more) {
                return copy_stop(copy_status::damaged,
                                 from.string() + " is refused: its snapshot references blob " +
                                     referenced + ", which the manifest does not list");
            }
            if (e.blobs != out.blobs || e.bytes != out.blob_bytes) {
                return copy_stop(copy_status::damaged,
                                 from.string() + " is refused: the manifest's totals (" +
                                     std::to_string(e.blobs) + " blobs, " +
                                     std::to_string(e.bytes) + " bytes) do not add up");
            }
            if (!manifest.at_end(why)) {
                return copy_stop(copy_status::damaged, from.string() + " is refused: " + why);
            }
            return out;
        }
        if (!*more || referenced != e.sha256) {
            return copy_stop(copy_status::damaged,
                             from.string() + " is refused: the manifest lists blob " + e.sha256 +
                                 " where the snapshot references " +
                                 (*more ? referenced : std::string("no more blobs")));
        }
        const auto src = from / "blobs" / e.sha256;
        auto copied = copier.copy(src, blobs / e.sha256);
        if (!copied) {
            if (copied.error() == errc::not_found) {
                return copy_stop(copy_status::damaged,
                                 from.string() + " is refused: blob " + e.sha256 + " is missing");
            }
            return copy_stop(copy_status::failed,
                             "cannot copy " + src.string() + ": " + copied.error().message());
        }
        if (copied->sha256 != e.sha256 || copied->bytes != e.bytes) {
            return copy_stop(copy_status::damaged, from.string() + " is refused: " + src.string() +
                                                       " does not match its sha256 and size (" +
                                                       std::to_string(copied->bytes) +
                                                       " bytes hashing to " + copied->sha256 + ")");
        }
        ++out.blobs;
        out.blob_bytes += copied->bytes;
    }
}

} // namespace

copy_outcome restore(const restore_options& opts) {
    const auto& from = opts.from;
    const auto& data = opts.data_dir;
    const auto source = inspect_folder(from);
    if (source != folder_state::not_empty) {
        return copy_stop(copy_status::refused, from.string() + " is not a backup folder");
    }
    manifest_reader manifest;
    manifest_header h;
    std::string why;
    if (!manifest.open(from, h, why)) {
        return copy_stop(copy_status::damaged, from.string() + " is refused: " + why);
    }
    if (h.schema > schema_version) {
        return copy_stop(copy_status::refused,
                         from.string() + " holds a store of layout " + std::to_string(h.schema) +
                             " written by packyard " + h.packyard_version +
                             "; this binary reads up to layout " + std::to_string(schema_version));
    }
    const auto state = inspect_folder(data);
    if (state == folder_state::not_empty) {
        return copy_stop(copy_status::refused,
                         data.string() +
                             " is not empty: restore into a new or empty folder (a restore never "
                             "replaces a store)");
    }
    if (state == folder_state::not_a_folder || state == folder_state::unreadable) {
        return copy_stop(copy_status::refused,
                         data.string() + " is not a folder this user can write");
    }

    output_folder written(data, state == folder_state::absent);
    const auto staging = data / staging_name;
    std::error_code ec;
    for (const auto* sub : {"db", "blobs"}) {
        if (std::filesystem::create_directories(staging / sub, ec); ec) {
            return copy_stop(copy_status::failed,
                             "cannot create " + (staging / sub).string() + ": " + ec.message());
        }
    }
    hashing_copier copier;
    auto db = copier.copy(from / "db" / "data.mdb", staging / "db" / "data.mdb");
    if (!db) {
        if (db.error() == errc::not_found) {
            return copy_stop(copy_status::damaged,
                             from.string() + " is refused: it has no db/data.mdb");
        }
        return copy_stop(copy_status::failed, "cannot copy " + (from / "db" / "data.mdb").string() +
                                                  ": " + db.error().message());
    }
    if (db->bytes != h.db_bytes || db->sha256 != h.db_sha256) {
        return copy_stop(copy_status::damaged,
                         from.string() +
                             " is refused: db/data.mdb does not match the manifest's size and "
                             "sha256 (" +
                             std::to_string(db->bytes) + " bytes hashing to " + db->sha256 + ")");
    }
    copy_outcome out;
    {
        auto snap = snapshot_file::open(staging / "db");
        if (!snap) {
            return copy_stop(copy_status::damaged, from.string() +
                                                       " is refused: db/data.mdb does not open (" +
                                                       snap.error().message() + ")");
        }
        if (snap->schema_version() != h.schema) {
            return copy_stop(copy_status::damaged,
                             from.string() +
                                 " is refused: db/data.mdb's layout is not the manifest's");
        }
        out = copy_blobs(from, staging / "blobs", manifest, *snap);
        if (out.status != copy_status::ok) {
            return out;
        }
    }
    out.schema = h.schema;
    out.db_bytes = db->bytes;

    // On disk first, then into place: blobs before db, so that a folder with a db/ is whole.
    if (auto sec = sync_filesystem(staging)) {
        return copy_stop(copy_status::failed,
                         "cannot sync " + data.string() + ": " + sec.message());
    }
    for (const auto* sub : {"blobs", "db"}) {
        if (std::rename((staging / sub).c_str(), (data / sub).c_str()) != 0) {
            const std::error_code rec(errno, std::generic_category());
            return copy_stop(copy_status::failed,
                             "cannot move " + (staging / sub).string() + ": " + rec.message());
        }
    }
    std::filesystem::remove(staging, ec);
    if (auto fec = fsync_folder(data)) {
        return copy_stop(copy_status::failed,
                         "cannot sync " + data.string() + ": " + fec.message());
    }
    written.keep();
    return out;
}

} // namespace packyard::store
