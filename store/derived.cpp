#include "store/derived.hpp"

#include "store/codec.hpp"
#include "store/maven.hpp"
#include "store/npm.hpp"
#include "store/package_counts.hpp"
#include "store/package_names.hpp"
#include "store/pipelines.hpp"
#include "store/pypi.hpp"

#include <algorithm>
#include <map>

namespace packyard::store {
namespace {

std::string u64_value(std::uint64_t n) {
    value_writer w;
    w.u64(n);
    return w.take();
}

// ---- package tables (their key layouts are store/package_keys.hpp's)

void order_entries(const txn& t, const entry_sink& sink) {
    for_each_placed_package(
        t,
        [&](const package& p, const package_place& place) {
            for (const auto& e : keys::entries_for(p, place)) {
                sink(e.key, e.value);
            }
            return std::error_code{};
        },
        true);
}

void version_entries(const txn& t, const entry_sink& sink) {
    cursor c(t, t.db().packages);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package p;
        if (decode(c.value(), p) && p.version) {
            const char status = static_cast<char>(p.status);
            sink(keys::versions_key(p), std::string_view(&status, 1));
        }
    }
}

/// Counters summed in memory: a few per project and group.
template <class Pick>
void counter_entries(const txn& t, const entry_sink& sink, Pick&& pick) {
    std::map<std::string, std::uint64_t> counts;
    for_each_placed_package(
        t,
        [&](const package& p, const package_place& place) {
            for (const auto& key : pick(counters_of(place, p))) {
                ++counts[key];
            }
            return std::error_code{};
        },
        true);
    for (const auto& [key, n] : counts) {
        sink(key, u64_value(n));
    }
}

void default_counter_entries(const txn& t, const entry_sink& sink) {
    counter_entries(t, sink, [](const counter_keys& k) { return k.defaults; });
}

void class_counter_entries(const txn& t, const entry_sink& sink) {
    counter_entries(t, sink, [](const counter_keys& k) { return k.classes; });
}

bool is_list_generation(std::string_view key) noexcept {
    return key.size() == keys::generation_key(list_scope::project, 0).size();
}

/// The name index of every project: the distinct names of its packages (every status: a name
/// leaves the index with its last row), each with how many packages use it.
void name_entries(const txn& t, const entry_sink& sink) {
    std::map<std::uint64_t, std::map<std::string, std::uint64_t>> names;
    cursor c(t, t.db().packages);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package p;
        if (decode(c.value(), p)) {
            ++names[p.project_id][p.name];
        }
    }
    for (const auto& [project_id, of_project] : names) {
        name_index_entries(project_id, of_project, sink);
    }
}

// ---- file tables

void files_by_package_entries(const txn& t, const entry_sink& sink) {
    cursor c(t, t.db().package_files);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package_file f;
        if (decode(c.value(), f)) {
            sink(u64_pair_key(f.package_id, f.id), {});
        }
    }
}

/// A reference per file row, whatever its status: a blob loses one only when its row goes.
void blob_ref_entries(const txn& t, const entry_sink& sink) {
    std::vector<std::string> shas;
    {
        cursor c(t, t.db().package_files);
        for (bool ok = c.first(); ok; ok = c.next()) {
            package_file f;
            if (decode(c.value(), f)) {
                shas.push_back(std::move(f.sha256));
            }
        }
    }
    std::sort(shas.begin(), shas.end());
    for (std::size_t i = 0; i < shas.size();) {
        std::size_t j = i + 1;
        while (j < shas.size() && shas[j] == shas[i]) {
            ++j;
        }
        sink(keys::blob_key(shas[i]), u64_value(j - i));
        i = j;
    }
}

constexpr derived_table tables[] = {
    {"package_order", &dbis::package_order, keys::order_head, nullptr, nullptr, order_entries,
     nullptr},
    {"package_versions", &dbis::package_versions, 8, nullptr, nullptr, version_entries, nullptr},
    {"package_counts", &dbis::package_counts, 9, nullptr, nullptr, default_counter_entries,
     nullptr},
    {"package_classes", &dbis::package_classes, 9, is_list_generation, nullptr,
     class_counter_entries, nullptr},
    {"package_names", &dbis::package_names, 8, nullptr, nullptr, name_entries, nullptr},
    {"files_by_package", &dbis::files_by_package, 0, nullptr, nullptr, files_by_package_entries,
     nullptr},
    {"blob_refs", &dbis::blob_refs, 0, nullptr, nullptr, blob_ref_entries, nullptr},
    {"package_tags", &dbis::package_tags, 8, nullptr, nullptr, expected_package_tags, nullptr},
    {"pypi_names", &dbis::pypi_names, 8, nullptr, nullptr, expected_pypi_names, nullptr},
    {"pypi_files", &dbis::pypi_files, 8, nullptr, nullptr, expected_pypi_files, nullptr},
    {"maven_paths", &dbis::maven_paths, 0, nullptr, nullptr, expected_maven_paths, nullptr},
    {"pipelines_by_project", &dbis::pipelines_by_project, 0, nullptr, nullptr,
     expected_pipelines_by_project, nullptr},
    {"build_infos_by_pipeline", &dbis::build_infos_by_pipeline, 0, nullptr, nullptr,
     expected_build_infos_by_pipeline, nullptr},
    {"npm_names", &dbis::npm_names, 0, nullptr, npm_names_derived_part, expected_npm_names,
     rebuild_npm_names},
};

} // namespace

std::span<const derived_table> derived_tables() {
    return tables;
}

const derived_table* find_derived_table(std::string_view name) {
    for (const auto& d : tables) {
        if (d.name == name) {
            return &d;
        }
    }
    return nullptr;
}

result<std::uint64_t> rebuild(write_txn& t, const derived_table& d) {
    if (d.rebuild != nullptr) {
        if (auto ec = d.rebuild(t)) {
            return ec;
        }
        return 0;
    }
    const MDB_dbi dbi = t.db().*d.dbi;
    if (d.kept == nullptr) {
        if (const int rc = mdb_drop(t.handle(), dbi, 0); rc != 0) {
            return lmdb_error(rc);
        }
    } else {
        std::vector<std::string> gone;
        {
            cursor c(t, dbi);
            for (bool ok = c.first(); ok; ok = c.next()) {
                if (!d.kept(c.key())) {
                    gone.emplace_back(c.key());
                }
            }
        }
        for (const auto& key : gone) {
            if (auto r = del(t, dbi, key); !r) {
                return r.error();
            }
        }
    }
    std::error_code failed;
    std::uint64_t written = 0;
    d.generate(t, [&](std::string_view key, std::string_view value) {
        if (!failed) {
            failed = put(t, dbi, key, value);
            ++written;
        }
    });
    if (failed) {
        return failed;
    }
    return written;
}

} // namespace packyard::store
