// The list counters, kept in step with every package write:
// * package_counts: how many packages GitLab's unfiltered list shows, per project and per
//   (group, project visibility), so that X-Total of an unfiltered list costs one read;
// * package_classes: packages per class (visibility, type, status, has version) and scope, so
//   that X-Total of any filter on type, status or include_versionless is a sum over a few
//   classes, and the classes present are the runs a class-facet walk merges; plus a per-scope
//   list generation that every write changing what a list of the scope shows takes (what the
//   caches of list totals and list pages key on).

#include "store/package_counts.hpp"

#include "store/codec.hpp"
#include "store/package_keys.hpp"

namespace packyard::store {
namespace {

std::error_code add_count(write_txn& t, MDB_dbi dbi, const std::string& key, std::int64_t delta) {
    std::uint64_t v = 0;
    if (auto cur = get(t, dbi, key)) {
        value_reader r(*cur);
        v = r.u64();
    }
    v = delta < 0 && v < static_cast<std::uint64_t>(-delta) ? 0
                                                            : v + static_cast<std::uint64_t>(delta);
    if (v == 0 && delta < 0) {
        // An empty class leaves the table, so that a walk over the scope's classes sees only
        // the runs that hold packages.
        auto r = del(t, dbi, key);
        return r ? std::error_code{} : r.error();
    }
    value_writer w;
    w.u64(v);
    return put(t, dbi, key, w.view());
}

std::error_code adjust(write_txn& t, const package_place& pl, const package& p, std::int64_t delta,
                       bool default_counters) {
    const auto counters = counters_of(pl, p);
    for (const auto& key : counters.classes) {
        if (auto ec = add_count(t, t.db().package_classes, key, delta)) {
            return ec;
        }
    }
    if (default_counters) {
        for (const auto& key : counters.defaults) {
            if (auto ec = add_count(t, t.db().package_counts, key, delta)) {
                return ec;
            }
        }
    }
    return {};
}

} // namespace

counter_keys counters_of(const package_place& pl, const package& p) {
    counter_keys out;
    out.classes.reserve(1 + pl.groups.size());
    out.classes.push_back(keys::class_count_key(list_scope::project, pl.project_id,
                                                keys::class_of(p, list_scope::project, pl.vis)));
    for (auto g : pl.groups) {
        out.classes.push_back(keys::class_count_key(list_scope::group, g,
                                                    keys::class_of(p, list_scope::group, pl.vis)));
    }
    if (keys::counted(p)) {
        // A project counts all its packages under level 0; a group per project visibility.
        out.defaults.push_back(keys::count_key(list_scope::project, pl.project_id, 0));
        for (auto g : pl.groups) {
            out.defaults.push_back(
                keys::count_key(list_scope::group, g, static_cast<std::uint8_t>(pl.vis)));
        }
    }
    return out;
}

std::error_code adjust_counts(write_txn& t, const package_place& pl, const package& p,
                              std::int64_t delta) {
    return adjust(t, pl, p, delta, true);
}

std::error_code adjust_class_counts(write_txn& t, const package_place& pl, const package& p,
                                    std::int64_t delta) {
    return adjust(t, pl, p, delta, false);
}

std::error_code touch_lists(write_txn& t, const package_place& pl) {
    const auto& db = t.db();
    t.after_commit([&env = t.env()] { env.lists_changed(); });
    if (auto ec = add_count(t, db.package_classes,
                            keys::generation_key(list_scope::project, pl.project_id), 1)) {
        return ec;
    }
    for (auto g : pl.groups) {
        if (auto ec =
                add_count(t, db.package_classes, keys::generation_key(list_scope::group, g), 1)) {
            return ec;
        }
    }
    return {};
}

std::error_code touch_project_lists(write_txn& t, std::uint64_t project_id) {
    auto place = place_of(t, project_id);
    return place ? touch_lists(t, *place) : std::error_code{};
}

std::error_code touch_package_lists(write_txn& t, std::uint64_t package_id) {
    auto p = find_package(t, package_id);
    return p ? touch_project_lists(t, p->project_id) : std::error_code{};
}

std::uint64_t default_count(const txn& t, list_scope scope, std::uint64_t scope_id,
                            visibility_levels levels) {
    auto read = [&](std::uint8_t vis) -> std::uint64_t {
        auto v = get(t, t.db().package_counts, keys::count_key(scope, scope_id, vis));
        if (!v) {
            return 0;
        }
        value_reader r(*v);
        return r.u64();
    };
    if (scope == list_scope::project) {
        return read(0);
    }
    std::uint64_t total = 0;
    if (levels.private_) {
        total += read(static_cast<std::uint8_t>(visibility::private_));
    }
    if (levels.internal) {
        total += read(static_cast<std::uint8_t>(visibility::internal));
    }
    if (levels.public_) {
        total += read(static_cast<std::uint8_t>(visibility::public_));
    }
    return total;
}

std::vector<class_count> class_counts(const txn& t, list_scope scope, std::uint64_t scope_id) {
    std::vector<class_count> out;
    const std::string prefix = keys::generation_key(scope, scope_id);
    cursor c(t, t.db().package_classes);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (c.key().size() != prefix.size() + 4 || c.value().size() < 8) {
            continue; // the generation
        }
        value_reader r(c.value());
        out.push_back({keys::read_class_key(c.key()), r.u64()});
    }
    return out;
}

std::uint64_t list_generation(const txn& t, list_scope scope, std::uint64_t scope_id) {
    auto v = get(t, t.db().package_classes, keys::generation_key(scope, scope_id));
    if (!v) {
        return 0;
    }
    value_reader r(*v);
    return r.u64();
}

} // namespace packyard::store
