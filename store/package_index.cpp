// List pages: one ordered cursor walk over package_order with the filters applied to each
// entry's summary, or, for a project's package_name search, the names the trigram index yields
// (docs/store-schema.md, docs/decisions/0005-name-search.md).

#include "store/codec.hpp"
#include "store/package_keys.hpp"
#include "store/package_names.hpp"
#include "store/packages.hpp"

#include <algorithm>
#include <cstring>

namespace packyard::store {
namespace {

/// The filters every summary can answer: status, type, and whether a version is required.
bool passes_status_type_version(const list_filter& f, const keys::summary& s) noexcept {
    if (f.status ? s.status != *f.status : !displayable(s.status)) {
        return false;
    }
    if (f.type ? s.type != *f.type : s.type == package_type::terraform_module) {
        return false;
    }
    if (!f.include_versionless && !s.has_version && !f.version) {
        return false;
    }
    return !(f.version && !s.has_version);
}

/// Applies the filter to one index entry; the row is read only for the rare version filter.
bool matches(const txn& t, const list_query& q, const keys::summary& s, std::string_view key,
             std::uint64_t package_id) {
    const auto& f = q.filter;
    if (!passes_status_type_version(f, s)) {
        return false;
    }
    if (q.projects != nullptr &&
        !std::binary_search(q.projects->begin(), q.projects->end(), s.project_id)) {
        return false;
    }
    if (!f.name_terms.empty()) {
        const std::string_view name = q.order == list_order::name ? keys::name_of(key) : s.name;
        for (const auto& term : f.name_terms) {
            if (!contains_folded(name, term)) {
                return false;
            }
        }
    }
    if (f.version) {
        if (q.order == list_order::version) {
            return keys::version_of(key) == *f.version;
        }
        auto row = find_package(t, package_id);
        return row && row->version == *f.version;
    }
    return true;
}

/// Walks one order index in the requested direction; visit returns false to stop.
template <class Visit>
void walk(const txn& t, const std::string& prefix, list_order order, bool desc, Visit&& visit) {
    cursor c(t, t.db().package_order);
    if (!desc) {
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            if (!visit(c.key(), c.value())) {
                return;
            }
        }
        return;
    }
    if (order != list_order::project_path) {
        for (bool ok = c.seek_last_with_prefix(prefix); ok && has_prefix(c.key(), prefix);
             ok = c.prev()) {
            if (!visit(c.key(), c.value())) {
                return;
            }
        }
        return;
    }
    // project_path DESC keeps id DESC inside each path: walk the paths backwards and each
    // path's entries forwards.
    bool ok = c.seek_last_with_prefix(prefix);
    while (ok) {
        const auto key = c.key();
        const auto nul = key.find('\0', prefix.size());
        const std::string segment(key.substr(0, nul + 1));
        for (bool in = c.seek(segment); in && has_prefix(c.key(), segment); in = c.next()) {
            if (!visit(c.key(), c.value())) {
                return;
            }
        }
        ok = c.seek(segment) && c.prev() && has_prefix(c.key(), prefix);
    }
}

} // namespace

namespace {

/// Reads package rows by id through one cursor.
class row_reader {
public:
    explicit row_reader(const txn& t)
        : c_(t, t.db().packages) {}
    bool read(std::uint64_t id, package& out) {
        key_builder k;
        k.u64(id);
        if (!c_.seek(k.view()) || c_.key() != k.view()) {
            return false;
        }
        decode_or_fail(c_.value(), out);
        return true;
    }

private:
    cursor c_;
};

/// One package_name match, with every order's sort key (from the name-order summary).
struct name_hit {
    std::uint64_t id;
    std::int64_t created_at;
    std::string_view name;
    std::string_view version;
    bool has_version;
    package_type type;
};

int compare_bytes(std::string_view a, std::string_view b) noexcept {
    const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
    return c != 0 ? c : (a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0));
}

/// The index's ascending order for each list order, ids breaking ties.
bool hit_before(list_order o, const name_hit& a, const name_hit& b) noexcept {
    int c = 0;
    switch (o) {
    case list_order::created_at:
        c = a.created_at < b.created_at ? -1 : (a.created_at > b.created_at ? 1 : 0);
        break;
    case list_order::name:
        c = compare_bytes(a.name, b.name);
        break;
    case list_order::version:
        if (a.has_version != b.has_version) {
            c = a.has_version ? -1 : 1; // versionless last, as in the index
        } else {
            c = compare_bytes(a.version, b.version);
        }
        break;
    case list_order::type:
        c = static_cast<int>(a.type) - static_cast<int>(b.type);
        break;
    case list_order::project_path:
        break; // one project: every path is the same
    }
    return c != 0 ? c < 0 : a.id < b.id;
}

/// A project list with package_name: the trigram index yields the names that can match, the
/// project's name order yields their packages with their sort keys, and only the page's rows
/// are read. Cost follows the number of matching names, not the size of the project.
list_page search_project_by_name(const txn& t, const list_query& q) {
    std::vector<name_hit> hits;
    cursor c(t, t.db().package_order);
    const std::string order = keys::order_prefix(list_scope::project, q.scope_id, list_order::name);
    for_each_matching_name(t, q.scope_id, q.filter.name_terms, [&](std::string_view name) {
        key_builder k;
        k.bytes(order).str0(name);
        const std::string prefix = k.str();
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            const auto s = keys::read_summary(c.value(), true);
            if (!passes_status_type_version(q.filter, s)) {
                continue;
            }
            name_hit h{};
            h.id = keys::package_id_of(c.key(), list_order::name);
            h.created_at = s.created_at;
            h.name = name;
            h.version = s.version;
            h.has_version = s.has_version;
            h.type = s.type;
            if (q.filter.version && h.version != *q.filter.version) {
                continue;
            }
            hits.push_back(h);
        }
    });
    list_page page;
    const std::uint64_t matched = hits.size();
    if (matched <= q.count_limit) {
        page.total = matched;
    }
    page.has_more = q.offset + q.limit < matched;
    if (q.offset >= matched) {
        return page;
    }
    const auto end =
        static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(matched, q.offset + q.limit));
    auto before = [&](const name_hit& a, const name_hit& b) {
        return q.desc ? hit_before(q.order, b, a) : hit_before(q.order, a, b);
    };
    std::partial_sort(hits.begin(), hits.begin() + end, hits.end(), before);
    row_reader rows(t);
    for (auto i = static_cast<std::ptrdiff_t>(q.offset); i < end; ++i) {
        package row;
        if (rows.read(hits[static_cast<std::size_t>(i)].id, row)) {
            page.rows.push_back(std::move(row));
        }
    }
    return page;
}

} // namespace

list_page list_packages(const txn& t, const list_query& q) {
    if (q.scope == list_scope::project && !q.filter.name_terms.empty() &&
        q.order != list_order::project_path) {
        return search_project_by_name(t, q);
    }
    list_page page;
    page.rows.reserve(std::min<std::uint64_t>(q.limit, 100));
    std::uint64_t matched = 0;
    const bool need_count = !q.known_total.has_value();
    const std::string prefix = keys::order_prefix(q.scope, q.scope_id, q.order);
    const bool project_name_order = q.scope == list_scope::project && q.order == list_order::name;
    // One cursor for the page's rows: ids of one page are usually close together, and LMDB
    // skips the tree descent when the key is on the cursor's current leaf page.
    row_reader rows(t);
    walk(t, prefix, q.order, q.desc, [&](std::string_view key, std::string_view value) {
        const auto s = keys::read_summary(value, project_name_order);
        const std::uint64_t id = keys::package_id_of(key, q.order);
        if (!matches(t, q, s, key, id)) {
            return true;
        }
        ++matched;
        if (matched > q.offset && page.rows.size() < q.limit) {
            package row;
            if (rows.read(id, row)) {
                page.rows.push_back(std::move(row));
            }
            return true;
        }
        if (matched > q.offset + q.limit) {
            page.has_more = true;
            if (!need_count || matched > q.count_limit) {
                return false;
            }
        }
        return true;
    });
    if (q.known_total) {
        page.total = q.known_total;
        page.has_more = q.offset + q.limit < *q.known_total;
    } else if (matched <= q.count_limit) {
        page.total = matched;
    }
    return page;
}

} // namespace packyard::store
