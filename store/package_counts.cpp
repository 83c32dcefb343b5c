// The default-filter counters: how many packages GitLab's unfiltered list shows, per project and
// per (group, project visibility), kept in step with every package write, so that X-Total of an
// unfiltered list costs one read instead of a walk.

#include "store/package_counts.hpp"

#include "store/codec.hpp"
#include "store/package_keys.hpp"

namespace packyard::store {
namespace {

std::error_code add_count(write_txn& t, const std::string& key, std::int64_t delta) {
    std::uint64_t v = 0;
    if (auto cur = get(t, t.db().package_counts, key)) {
        value_reader r(*cur);
        v = r.u64();
    }
    v = delta < 0 && v < static_cast<std::uint64_t>(-delta) ? 0
                                                            : v + static_cast<std::uint64_t>(delta);
    value_writer w;
    w.u64(v);
    return put(t, t.db().package_counts, key, w.view());
}

} // namespace

std::error_code adjust_counts(write_txn& t, const package_place& pl, std::int64_t delta) {
    if (auto ec = add_count(t, keys::count_key(list_scope::project, pl.project_id, 0), delta)) {
        return ec;
    }
    for (auto g : pl.groups) {
        if (auto ec = add_count(
                t, keys::count_key(list_scope::group, g, static_cast<std::uint8_t>(pl.vis)),
                delta)) {
            return ec;
        }
    }
    return {};
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

} // namespace packyard::store
