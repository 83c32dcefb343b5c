#include "store/gc.hpp"

#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/log.hpp"
#include "store/maven.hpp"
#include "store/npm.hpp"
#include "store/package_counts.hpp"
#include "store/package_keys.hpp"
#include "store/package_names.hpp"
#include "store/packages.hpp"
#include "store/pipelines.hpp"
#include "store/pypi.hpp"
#include "store/s3/bucket.hpp"

namespace packyard::store {
namespace {

/// Once this transaction is durable, unlinks the blob if the committed state still has no
/// reference to it: a job of the same batch may have linked the same bytes again.
void unlink_after_commit(write_txn& t, blob_store& blobs, std::string sha) {
    t.after_commit([&env = t.env(), &blobs, sha = std::move(sha)] {
        auto r = read_txn::begin(env);
        if (r && blob_refcount(*r, sha) == 0) {
            blobs.remove(sha);
        }
        // A failed check keeps the file: the next start's sweep removes it if it is unused.
    });
}

/// Deletes the package row and everything that points at it (its files are already gone).
std::error_code delete_package_row(write_txn& t, const package& p) {
    auto place = place_of(t, p.project_id);
    if (place) {
        for (const auto& e : keys::entries_for(p, *place)) {
            if (auto r = del(t, t.db().package_order, e.key); !r) {
                return r.error();
            }
        }
        if (auto ec = adjust_counts(t, *place, p, -1)) {
            return ec;
        }
        if (auto ec = touch_lists(t, *place)) {
            return ec;
        }
    }
    if (p.version) {
        if (auto r = del(t, t.db().package_versions, keys::versions_key(p)); !r) {
            return r.error();
        }
    }
    if (auto ec = drop_package_name(t, p.project_id, p.name)) {
        return ec;
    }
    if (auto ec = delete_build_infos_of_package(t, p.id)) {
        return ec;
    }
    if (auto r = del(t, t.db().cleanup, keys::cleanup_key(keys::cleanup_kind::package, p.id)); !r) {
        return r.error();
    }
    if (auto r = del(t, t.db().packages, u64_key(p.id)); !r) {
        return r.error();
    }
    if (p.type == package_type::pypi) {
        return drop_pypi_package(t, p);
    }
    if (p.type == package_type::maven) {
        return drop_maven_package(t, p);
    }
    if (p.type == package_type::npm) {
        if (auto ec = drop_npm_package(t, p)) {
            return ec;
        }
        return npm_name_changed(t, p.project_id, p.name);
    }
    return {};
}

std::error_code delete_file_row(write_txn& t, blob_store& blobs, const package_file& f) {
    const auto& db = t.db();
    if (auto r = del(t, db.files_by_package, u64_pair_key(f.package_id, f.id)); !r) {
        return r.error();
    }
    if (auto ec = delete_file_build_infos(t, f.id)) {
        return ec;
    }
    // Only PyPI files have entries there; deleting what is absent costs one lookup.
    if (auto ec = drop_pypi_file(t, f)) {
        return ec;
    }
    if (auto r = del(t, db.package_files, u64_key(f.id)); !r) {
        return r.error();
    }
    if (auto r = del(t, db.cleanup, keys::cleanup_key(keys::cleanup_kind::file, f.id)); !r) {
        return r.error();
    }
    auto last = release_blob(t, f.sha256, f.size);
    if (!last) {
        return last.error();
    }
    if (*last) {
        unlink_after_commit(t, blobs, f.sha256);
    }
    return {};
}

} // namespace

result<std::size_t> collect_garbage(write_txn& t, blob_store& blobs, std::size_t max) {
    std::vector<keys::cleanup_entry> todo;
    {
        cursor c(t, t.db().cleanup);
        for (bool ok = c.first(); ok && todo.size() < max; ok = c.next()) {
            todo.push_back(keys::read_cleanup_key(c.key()));
        }
    }
    for (const auto& [kind, id] : todo) {
        const auto queued = keys::cleanup_key(kind, id);
        if (kind == keys::cleanup_kind::package) {
            auto p = find_package(t, id);
            if (!p) {
                if (auto r = del(t, t.db().cleanup, queued); !r) {
                    return r.error();
                }
                continue;
            }
            // The package's files go first, one queue entry each; the last one takes the
            // package with it.
            auto files = files_of(t, id);
            if (files.empty()) {
                if (auto ec = delete_package_row(t, *p)) {
                    return ec;
                }
                continue;
            }
            for (const auto& f : files) {
                if (f.status != file_status::pending_destruction) {
                    if (auto ec = mark_file_for_destruction(t, f)) {
                        return ec;
                    }
                }
            }
            if (auto r = del(t, t.db().cleanup, queued); !r) {
                return r.error();
            }
            continue;
        }
        auto f = find_file(t, id);
        if (!f) {
            if (auto r = del(t, t.db().cleanup, queued); !r) {
                return r.error();
            }
            continue;
        }
        if (auto ec = delete_file_row(t, blobs, *f)) {
            return ec;
        }
        // GitLab's cleanup worker: a package left without files goes too.
        if (files_of(t, f->package_id).empty()) {
            if (auto p = find_package(t, f->package_id)) {
                if (auto ec = delete_package_row(t, *p)) {
                    return ec;
                }
            }
        }
    }
    return todo.size();
}

void unlink_deferred(write_txn& t, blob_store& blobs) {
    // After the commit, on the writer thread, like every unlink: no job can link the same
    // bytes again between the check and the unlink.
    t.after_commit([&env = t.env(), &blobs] {
        auto r = read_txn::begin(env);
        if (!r) {
            return; // kept for the next round
        }
        blobs.remove_deferred([&r](std::string_view sha) { return blob_refcount(*r, sha) == 0; });
    });
}

std::uint64_t cleanup_backlog(const txn& t) {
    return count_rows(t, t.db().cleanup);
}

std::error_code delete_project_packages(write_txn& t, blob_store& blobs, std::uint64_t project_id) {
    std::vector<std::uint64_t> ids;
    {
        const std::string prefix =
            keys::order_prefix(list_scope::project, project_id, list_order::type);
        cursor c(t, t.db().package_order);
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            ids.push_back(keys::package_id_of(c.key(), list_order::type));
        }
    }
    for (auto id : ids) {
        auto p = find_package(t, id);
        if (!p) {
            continue;
        }
        for (const auto& f : files_of(t, id)) {
            if (auto ec = delete_file_row(t, blobs, f)) {
                return ec;
            }
        }
        if (auto ec = delete_package_row(t, *p)) {
            return ec;
        }
    }
    return delete_pipelines_of_project(t, project_id);
}

std::function<bool(std::string_view)> blob_unreferenced(environment& env) {
    return [&env](std::string_view sha) {
        auto t = read_txn::begin(env);
        return t && blob_refcount(*t, sha) == 0;
    };
}

std::error_code remove_unreferenced_blobs(const txn& t, blob_store& blobs, std::size_t& removed) {
    for (const auto& name : blobs.list_blobs()) {
        if (is_sha256_hex(name) && blob_refcount(t, name) == 0) {
            blobs.remove(name);
            ++removed;
        }
    }
    auto* b = blobs.bucket();
    if (b == nullptr) {
        return {};
    }
    auto listed = b->run(b->list());
    if (auto* f = std::get_if<s3::failure>(&listed)) {
        log::message("unreferenced objects of the bucket left: listing it failed: " +
                     f->describe());
        return make_error_code(std::errc::io_error);
    }
    for (const auto& o : std::get<std::vector<s3::object>>(listed)) {
        if (blob_refcount(t, o.sha256) == 0 && !b->run(b->erase(o.sha256)).failed()) {
            ++removed;
        }
    }
    return {};
}

swept sweep_leftovers(environment& env, blob_store& blobs) {
    swept out;
    out.temps = blobs.sweep_tmp();
    auto t = read_txn::begin(env);
    if (!t) {
        return out;
    }
    // A bucket's listing that fails is logged; the start goes on (the next one sweeps).
    remove_unreferenced_blobs(*t, blobs, out.orphans);
    return out;
}

} // namespace packyard::store
