#include "store/packages.hpp"

#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/npm.hpp"
#include "store/package_counts.hpp"
#include "store/package_keys.hpp"
#include "store/package_names.hpp"
#include "store/pipelines.hpp"
#include "store/pypi.hpp"

#include <algorithm>
#include <unordered_map>

namespace packyard::store {
namespace {

constexpr std::string_view blob_bytes_key = "blob_bytes";

std::uint64_t blob_bytes(const txn& t) {
    auto v = get(t, t.db().meta, blob_bytes_key);
    if (!v) {
        return 0;
    }
    value_reader r(*v);
    return r.u64();
}

std::error_code put_blob_bytes(write_txn& t, std::uint64_t bytes) {
    value_writer w;
    w.u64(bytes);
    return put(t, t.db().meta, blob_bytes_key, w.view());
}

/// Moves the blob bytes counter by size, up or down (never below zero: a counter a damaged
/// folder left short stays at zero instead of wrapping to 2^64).
std::error_code add_blob_bytes(write_txn& t, std::uint64_t size, bool up) {
    const std::uint64_t now = blob_bytes(t);
    return put_blob_bytes(t, up ? now + size : now - std::min(now, size));
}

} // namespace

std::optional<package_place> place_of(const txn& t, std::uint64_t project_id) {
    auto p = find_project(t, project_id);
    if (!p) {
        return std::nullopt;
    }
    package_place pl;
    pl.project_id = p->id;
    pl.project_path = p->path;
    pl.vis = p->vis;
    for (auto ns : namespace_ancestry(t, p->namespace_id)) {
        auto row = find_namespace(t, ns);
        if (row && row->kind == namespace_kind::group) {
            pl.groups.push_back(ns);
        }
    }
    return pl;
}

std::optional<package> find_package(const txn& t, std::uint64_t id) {
    auto v = get(t, t.db().packages, u64_key(id));
    package p;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, p);
    return p;
}

std::optional<package> find_package_by_version(const txn& t, std::uint64_t project_id,
                                               package_type type, std::string_view name,
                                               std::string_view version) {
    key_builder k;
    k.u64(project_id).u8(static_cast<std::uint8_t>(type)).str0(name).str0(version);
    const std::string prefix = k.str();
    cursor c(t, t.db().package_versions);
    std::optional<package> best;
    for (bool ok = c.seek_last_with_prefix(prefix); ok && has_prefix(c.key(), prefix);
         ok = c.prev()) {
        if (c.value().size() == 1 &&
            static_cast<package_status>(c.value()[0]) == package_status::pending_destruction) {
            continue;
        }
        best = find_package(t, keys::package_id_in_versions_key(c.key()));
        if (best) {
            break;
        }
    }
    return best;
}

std::vector<package> other_versions(const txn& t, const package& p) {
    std::vector<package> out;
    const std::string prefix = keys::versions_prefix(p.project_id, p.type, p.name);
    cursor c(t, t.db().package_versions);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (c.value().size() != 1 || !displayable(static_cast<package_status>(c.value()[0]))) {
            continue;
        }
        const auto key = c.key();
        const auto version = keys::version_in(key, prefix.size());
        if (p.version && version == *p.version) {
            continue;
        }
        if (auto row = find_package(t, keys::package_id_in_versions_key(key))) {
            out.push_back(std::move(*row));
        }
    }
    return out;
}

std::error_code create_package(write_txn& t, package& p, const package_place& place) {
    auto id = next_id(t, "package");
    if (!id) {
        return id.error();
    }
    p.id = *id;
    p.project_id = place.project_id;
    return update_package(t, package{}, p, place);
}

std::error_code update_package(write_txn& t, const package& before, const package& after,
                               const package_place& place) {
    const auto& db = t.db();
    const bool existed = before.id != 0;
    // Only the index entries that change are written: an upload into an existing package
    // changes its timestamps, not its place in any list.
    auto gone = existed ? keys::entries_for(before, place) : std::vector<keys::index_entry>{};
    auto added = keys::entries_for(after, place);
    auto by_key = [](const keys::index_entry& a, const keys::index_entry& b) {
        return a.key < b.key;
    };
    std::sort(gone.begin(), gone.end(), by_key);
    std::sort(added.begin(), added.end(), by_key);
    bool list_changed = !existed;
    {
        auto g = gone.begin();
        for (const auto& e : added) {
            while (g != gone.end() && g->key < e.key) {
                if (auto r = del(t, db.package_order, g->key); !r) {
                    return r.error();
                }
                list_changed = true;
                ++g;
            }
            if (g != gone.end() && g->key == e.key) {
                const bool same = g->value == e.value;
                ++g;
                if (same) {
                    continue;
                }
            }
            if (auto ec = put(t, db.package_order, e.key, e.value)) {
                return ec;
            }
            list_changed = true;
        }
        for (; g != gone.end(); ++g) {
            if (auto r = del(t, db.package_order, g->key); !r) {
                return r.error();
            }
            list_changed = true;
        }
    }
    const bool same_version_entry = existed && before.version && after.version &&
                                    before.status == after.status &&
                                    keys::versions_key(before) == keys::versions_key(after);
    if (existed && before.version && !same_version_entry) {
        if (auto r = del(t, db.package_versions, keys::versions_key(before)); !r) {
            return r.error();
        }
    }
    if (after.version && !same_version_entry) {
        const char status = static_cast<char>(after.status);
        if (auto ec = put(t, db.package_versions, keys::versions_key(after),
                          std::string_view(&status, 1))) {
            return ec;
        }
    }
    if (list_changed) {
        if (existed) {
            if (auto ec = adjust_counts(t, place, before, -1)) {
                return ec;
            }
        }
        if (auto ec = adjust_counts(t, place, after, 1)) {
            return ec;
        }
    }
    if (auto ec = touch_lists(t, place)) { // the row shows in its lists
        return ec;
    }
    package row = after;
    if (!existed) {
        if (auto ec = add_package_name(t, after.project_id, after.name)) {
            return ec;
        }
    } else if (auto current = find_package(t, after.id)) {
        // `after` may come from an older snapshot: never drop a build-info flag set since.
        row.may_have_build_infos = row.may_have_build_infos || current->may_have_build_infos;
    }
    if (auto ec = put(t, db.packages, u64_key(row.id), encode(row))) {
        return ec;
    }
    // What an npm packument or a PyPI simple page shows changes with any package of its name.
    if (row.type == package_type::npm) {
        if (!existed && installable(row.status)) {
            return npm_name_touched(t, row.project_id, row.name, row.id);
        }
        if (existed && before.status == row.status) {
            return npm_name_touched(t, row.project_id, row.name);
        }
        return npm_name_changed(t, row.project_id, row.name);
    }
    return row.type == package_type::pypi ? pypi_changed(t, row.project_id, row.name)
                                          : std::error_code{};
}

std::error_code set_last_downloaded(write_txn& t, std::uint64_t package_id, std::int64_t ms) {
    auto p = find_package(t, package_id);
    if (!p) {
        return make_error_code(errc::not_found);
    }
    p->last_downloaded_at = ms;
    if (auto ec = put(t, t.db().packages, u64_key(p->id), encode(*p))) {
        return ec;
    }
    return touch_project_lists(t, p->project_id); // lists show last_downloaded_at
}

std::error_code mark_package_for_destruction(write_txn& t, const package& p) {
    auto place = place_of(t, p.project_id);
    if (!place) {
        return make_error_code(errc::not_found);
    }
    package after = p;
    after.status = package_status::pending_destruction;
    if (auto ec = update_package(t, p, after, *place)) {
        return ec;
    }
    return put(t, t.db().cleanup, keys::cleanup_key(keys::cleanup_kind::package, p.id), {});
}

std::optional<package_file> find_file(const txn& t, std::uint64_t id) {
    auto v = get(t, t.db().package_files, u64_key(id));
    package_file f;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, f);
    return f;
}

std::vector<package_file> files_of(const txn& t, std::uint64_t package_id) {
    std::vector<package_file> out;
    for (auto id : ids_under(t, t.db().files_by_package, package_id)) {
        if (auto f = find_file(t, id)) {
            out.push_back(std::move(*f));
        }
    }
    return out;
}

std::optional<package_file> newest_file_named(const txn& t, std::uint64_t package_id,
                                              std::string_view name) {
    std::optional<package_file> newest;
    for (auto& f : files_of(t, package_id)) {
        if (f.status == file_status::default_ && f.file_name == name) {
            newest = std::move(f); // files_of is in id order: the last match is the newest
        }
    }
    return newest;
}

std::error_code add_file(write_txn& t, package_file& f) {
    auto id = next_id(t, "package_file");
    if (!id) {
        return id.error();
    }
    f.id = *id;
    const auto& db = t.db();
    if (auto ec = put(t, db.package_files, u64_key(f.id), encode(f))) {
        return ec;
    }
    if (auto ec = put(t, db.files_by_package, u64_pair_key(f.package_id, f.id), {})) {
        return ec;
    }
    const std::uint64_t refs = blob_refcount(t, f.sha256);
    if (refs == 0) {
        if (auto ec = add_blob_bytes(t, f.size, true)) {
            return ec;
        }
    }
    value_writer w;
    w.u64(refs + 1);
    return put(t, db.blob_refs, keys::blob_key(f.sha256), w.view());
}

std::error_code mark_file_for_destruction(write_txn& t, const package_file& f) {
    package_file after = f;
    after.status = file_status::pending_destruction;
    if (auto ec = put(t, t.db().package_files, u64_key(f.id), encode(after))) {
        return ec;
    }
    if (auto ec = put(t, t.db().cleanup, keys::cleanup_key(keys::cleanup_kind::file, f.id), {})) {
        return ec;
    }
    if (auto p = find_package(t, f.package_id); p && p->type == package_type::npm) {
        return npm_name_changed(t, p->project_id, p->name); // the packument's file changed
    } else if (p && p->type == package_type::pypi) {
        return pypi_changed(t, p->project_id, p->name); // a simple page's file changed
    }
    return {};
}

std::uint64_t blob_refcount(const txn& t, std::string_view sha256_hex) {
    auto v = get(t, t.db().blob_refs, keys::blob_key(sha256_hex));
    if (!v) {
        return 0;
    }
    value_reader r(*v);
    return r.u64();
}

result<bool> release_blob(write_txn& t, std::string_view sha256_hex, std::uint64_t size) {
    const std::uint64_t refs = blob_refcount(t, sha256_hex);
    if (refs <= 1) {
        if (auto r = del(t, t.db().blob_refs, keys::blob_key(sha256_hex)); !r) {
            return result<bool>(boost::system::in_place_error, r.error());
        }
        if (refs == 1) {
            if (auto ec = add_blob_bytes(t, size, false)) {
                return result<bool>(boost::system::in_place_error, ec);
            }
        }
        return true;
    }
    value_writer w;
    w.u64(refs - 1);
    if (auto ec = put(t, t.db().blob_refs, keys::blob_key(sha256_hex), w.view())) {
        return result<bool>(boost::system::in_place_error, ec);
    }
    return false;
}

blob_totals blob_stats(const txn& t) {
    return {count_rows(t, t.db().blob_refs), blob_bytes(t)};
}

std::error_code recount_blob_bytes(write_txn& t) {
    // Every blob is referenced by as many file rows as its count says and they all have its
    // size; a blob's size is added at its first row. Only blobs shared by several rows are
    // remembered, and only until their last row is seen.
    std::uint64_t total = 0;
    std::unordered_map<std::string, std::uint64_t> rows_left;
    cursor c(t, t.db().package_files);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package_file f;
        decode_or_fail(c.value(), f);
        auto it = rows_left.find(f.sha256);
        if (it == rows_left.end()) {
            total += f.size;
            if (const auto refs = blob_refcount(t, f.sha256); refs > 1) {
                rows_left.emplace(f.sha256, refs - 1);
            }
        } else if (--it->second == 0) {
            rows_left.erase(it);
        }
    }
    return put_blob_bytes(t, total);
}

} // namespace packyard::store
