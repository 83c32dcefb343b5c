// The rows themselves, what is kept per row without being implied by it (npm and PyPI
// metadata, tags, build infos), and the cleanup queue.

#include "store/check_detail.hpp"
#include "store/codec.hpp"
#include "store/package_keys.hpp"
#include "store/text.hpp"

namespace packyard::store::check_detail {
namespace {

template <class Row>
std::optional<Row> read_row(const txn& t, MDB_dbi dbi, std::uint64_t id) {
    auto v = get(t, dbi, u64_key(id));
    Row row;
    if (!v || !decode(*v, row)) {
        return std::nullopt;
    }
    return row;
}

std::string describe_package(const package& p) {
    std::string out = "package " + std::to_string(p.id) + " " +
                      std::string(package_type_name(p.type)) + " '" + p.name + "'";
    if (p.version) {
        out += " " + *p.version;
    }
    return out + " (project " + std::to_string(p.project_id) + ")";
}

std::string describe_package(const txn& t, std::uint64_t id) {
    auto p = read_row<package>(t, t.db().packages, id);
    return p ? describe_package(*p) : "package " + std::to_string(id);
}

// ---- what is kept per row

enum class verdict : std::uint8_t { ok, row_gone, pipeline_gone };

struct attached_table {
    std::string_view name;
    MDB_dbi dbis::*dbi;
    verdict (*judge)(std::string_view key, std::string_view value, const rows& r);
};

verdict package_of_type(std::string_view key, const rows& r, package_type type) {
    if (key.size() < 8) {
        return verdict::row_gone;
    }
    const auto* p = r.package(key_u64(key, 0));
    return p != nullptr && p->type == type ? verdict::ok : verdict::row_gone;
}

verdict file_exists(std::string_view key, const rows& r) {
    return key.size() >= 8 && r.file(key_u64(key, 0)) != nullptr ? verdict::ok : verdict::row_gone;
}

constexpr attached_table attached[] = {
    {"npm_metadata", &dbis::npm_metadata,
     [](std::string_view key, std::string_view, const rows& r) {
         return package_of_type(key, r, package_type::npm);
     }},
    {"tags_by_package", &dbis::tags_by_package,
     [](std::string_view key, std::string_view, const rows& r) {
         return package_of_type(key, r, package_type::npm);
     }},
    {"pypi_metadata", &dbis::pypi_metadata,
     [](std::string_view key, std::string_view, const rows& r) {
         return package_of_type(key, r, package_type::pypi);
     }},
    {"pypi_core_metadata", &dbis::pypi_core_metadata,
     [](std::string_view key, std::string_view, const rows& r) { return file_exists(key, r); }},
    {"file_build_infos", &dbis::file_build_infos,
     [](std::string_view key, std::string_view, const rows& r) { return file_exists(key, r); }},
    // A deleted pipeline leaves its build infos with pipeline 0 (pipelines.cpp).
    {"build_infos", &dbis::build_infos,
     [](std::string_view key, std::string_view value, const rows& r) {
         if (key.size() != 16 || value.size() != 8 || r.package(key_u64(key, 0)) == nullptr) {
             return verdict::row_gone;
         }
         const auto pipeline_id = key_u64(value, 0);
         return pipeline_id == 0 || r.has_pipeline(pipeline_id) ? verdict::ok
                                                                : verdict::pipeline_gone;
     }},
};

// ---- the cleanup queue

/// A row pending destruction that nothing will ever remove unless it is queued: every such
/// file, and a package unless all its files are (the last one's removal takes the package).
bool must_be_queued(const package_row& p) noexcept {
    return p.status == package_status::pending_destruction && (p.files == 0 || p.live_files > 0);
}

/// Whether a queue entry is one collect_garbage should act on.
bool rightly_queued(std::string_view key, const rows& r) {
    if (key.size() != 9) {
        return false;
    }
    const auto id = key_u64(key, 1);
    switch (static_cast<keys::cleanup_kind>(key[0])) {
    case keys::cleanup_kind::file: {
        const auto* f = r.file(id);
        return f != nullptr && f->status == file_status::pending_destruction;
    }
    case keys::cleanup_kind::package: {
        const auto* p = r.package(id);
        return p != nullptr && p->status == package_status::pending_destruction;
    }
    }
    return false;
}

/// Calls missing(key, description) for every entry the queue lacks.
template <class Missing>
void each_unqueued(const txn& t, const rows& r, Missing&& missing) {
    for (const auto& f : r.files) {
        if (f.status == file_status::pending_destruction) {
            const auto key = keys::cleanup_key(keys::cleanup_kind::file, f.id);
            if (!get(t, t.db().cleanup, key)) {
                missing(key, [&] { return "not queued: " + describe_file(t, f.id); });
            }
        }
    }
    for (const auto& p : r.packages) {
        if (must_be_queued(p)) {
            const auto key = keys::cleanup_key(keys::cleanup_kind::package, p.id);
            if (!get(t, t.db().cleanup, key)) {
                missing(key, [&] { return "not queued: " + describe_package(t, p.id); });
            }
        }
    }
}

} // namespace

const package_row* rows::package(std::uint64_t id) const noexcept {
    auto it = std::lower_bound(packages.begin(), packages.end(), id,
                               [](const package_row& p, std::uint64_t v) { return p.id < v; });
    return it != packages.end() && it->id == id ? &*it : nullptr;
}

const file_row* rows::file(std::uint64_t id) const noexcept {
    auto it = std::lower_bound(files.begin(), files.end(), id,
                               [](const file_row& f, std::uint64_t v) { return f.id < v; });
    return it != files.end() && it->id == id ? &*it : nullptr;
}

std::string describe_file(const txn& t, std::uint64_t file_id) {
    auto f = read_row<package_file>(t, t.db().package_files, file_id);
    if (!f) {
        return "file " + std::to_string(file_id);
    }
    return "file " + std::to_string(f->id) + " '" + f->file_name + "' of " +
           describe_package(t, f->package_id);
}

rows read_rows(const txn& t, std::vector<check_result>& out, std::size_t examples) {
    rows r;
    auto packages = named("packages", "rows", remedy::none);
    auto files = named("package_files", "rows", remedy::none);
    auto pipelines = named("pipelines", "rows", remedy::none);
    {
        tally found(packages, examples);
        cursor c(t, t.db().packages);
        for (bool ok = c.first(); ok; ok = c.next()) {
            ++packages.checked;
            package p;
            if (!decode(c.value(), p)) {
                found.add([&] { return "does not decode: package row " + printable_key(c.key()); });
                continue;
            }
            package_row row;
            row.id = p.id;
            row.project_id = p.project_id;
            row.type = p.type;
            row.status = p.status;
            row.placed = get(t, t.db().projects, u64_key(p.project_id)).has_value();
            if (!row.placed) {
                found.add([&] { return "its project is gone: " + describe_package(p); });
            }
            r.packages.push_back(row);
        }
    }
    {
        tally found(files, examples);
        cursor c(t, t.db().package_files);
        for (bool ok = c.first(); ok; ok = c.next()) {
            ++files.checked;
            package_file f;
            if (!decode(c.value(), f)) {
                found.add([&] { return "does not decode: file row " + printable_key(c.key()); });
                continue;
            }
            file_row row;
            row.id = f.id;
            row.package_id = f.package_id;
            row.size = f.size;
            row.status = f.status;
            auto it =
                std::lower_bound(r.packages.begin(), r.packages.end(), f.package_id,
                                 [](const package_row& p, std::uint64_t v) { return p.id < v; });
            package_row* p = it != r.packages.end() && it->id == f.package_id ? &*it : nullptr;
            if (p == nullptr) {
                found.add(
                    [&] { return "its package is gone or unreadable: " + describe_file(t, f.id); });
            } else {
                ++p->files;
                p->live_files += f.status == file_status::pending_destruction ? 0 : 1;
                if (p->project_id != f.project_id) {
                    found.add([&] {
                        return "in project " + std::to_string(f.project_id) +
                               ", its package in another: " + describe_file(t, f.id);
                    });
                }
            }
            if (!is_sha256_hex(f.sha256)) {
                found.add([&] { return "no SHA-256 to name its blob: " + describe_file(t, f.id); });
            } else {
                row.named = true;
                for (std::size_t i = 0; i < row.sha.size(); ++i) {
                    row.sha[i] = static_cast<unsigned char>(hex_value(f.sha256[2 * i]) * 16 +
                                                            hex_value(f.sha256[2 * i + 1]));
                }
            }
            r.files.push_back(row);
        }
    }
    {
        tally found(pipelines, examples);
        cursor c(t, t.db().pipelines);
        for (bool ok = c.first(); ok; ok = c.next()) {
            ++pipelines.checked;
            pipeline p;
            if (!decode(c.value(), p)) {
                found.add(
                    [&] { return "does not decode: pipeline row " + printable_key(c.key()); });
                continue;
            }
            r.pipelines.push_back(p.id);
        }
    }
    out.push_back(std::move(packages));
    out.push_back(std::move(files));
    out.push_back(std::move(pipelines));
    return r;
}

void check_attached(const txn& t, const rows& r, std::vector<check_result>& out,
                    std::size_t examples) {
    for (const auto& a : attached) {
        auto res = named(a.name, "entries", remedy::remove);
        tally found(res, examples);
        cursor c(t, t.db().*a.dbi);
        for (bool ok = c.first(); ok; ok = c.next()) {
            ++res.checked;
            switch (a.judge(c.key(), c.value(), r)) {
            case verdict::ok:
                break;
            case verdict::row_gone:
                found.add([&] { return "its row is gone: key " + printable_key(c.key()); });
                break;
            case verdict::pipeline_gone:
                found.add([&] {
                    return "its pipeline " + std::to_string(key_u64(c.value(), 0)) +
                           " is gone: key " + printable_key(c.key());
                });
                break;
            }
        }
        out.push_back(std::move(res));
    }
}

result<std::uint64_t> remove_detached(write_txn& t, const rows& r) {
    std::uint64_t changed = 0;
    for (const auto& a : attached) {
        std::vector<std::string> gone;
        std::vector<std::string> unlinked;
        {
            cursor c(t, t.db().*a.dbi);
            for (bool ok = c.first(); ok; ok = c.next()) {
                const auto v = a.judge(c.key(), c.value(), r);
                if (v == verdict::row_gone) {
                    gone.emplace_back(c.key());
                } else if (v == verdict::pipeline_gone) {
                    unlinked.emplace_back(c.key());
                }
            }
        }
        for (const auto& key : gone) {
            if (auto d = del(t, t.db().*a.dbi, key); !d) {
                return d.error();
            }
        }
        for (const auto& key : unlinked) {
            // As delete_pipeline leaves them: the build info stays, without its pipeline.
            if (auto ec = put(t, t.db().*a.dbi, key, u64_key(0))) {
                return ec;
            }
        }
        changed += gone.size() + unlinked.size();
    }
    return changed;
}

check_result check_cleanup(const txn& t, const rows& r, std::size_t examples) {
    auto res = named("cleanup", "entries", remedy::requeue);
    tally found(res, examples);
    cursor c(t, t.db().cleanup);
    for (bool ok = c.first(); ok; ok = c.next()) {
        ++res.checked;
        if (!rightly_queued(c.key(), r)) {
            found.add([&] {
                const auto key = c.key();
                if (key.size() != 9) {
                    return "unreadable entry: key " + printable_key(key);
                }
                const auto id = key_u64(key, 1);
                return std::string("queued but gone or not pending destruction: ") +
                       (key[0] == static_cast<char>(keys::cleanup_kind::file) ? "file "
                                                                              : "package ") +
                       std::to_string(id);
            });
        }
    }
    each_unqueued(t, r, [&](const std::string&, auto describe) { found.add(describe); });
    return res;
}

result<std::pair<std::uint64_t, std::uint64_t>> fix_cleanup(write_txn& t, const rows& r) {
    std::vector<std::string> wrong;
    {
        cursor c(t, t.db().cleanup);
        for (bool ok = c.first(); ok; ok = c.next()) {
            if (!rightly_queued(c.key(), r)) {
                wrong.emplace_back(c.key());
            }
        }
    }
    std::vector<std::string> missing;
    each_unqueued(t, r, [&](const std::string& key, auto) { missing.push_back(key); });
    for (const auto& key : wrong) {
        if (auto d = del(t, t.db().cleanup, key); !d) {
            return d.error();
        }
    }
    for (const auto& key : missing) {
        if (auto ec = put(t, t.db().cleanup, key, {})) {
            return ec;
        }
    }
    return std::pair<std::uint64_t, std::uint64_t>{missing.size(), wrong.size()};
}

} // namespace packyard::store::check_detail
