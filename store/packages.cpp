#include "store/packages.hpp"

#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/package_names.hpp"
#include "store/pipelines.hpp"

#include <algorithm>

namespace packyard::store {
namespace {

constexpr std::uint8_t has_version_flag = 1;
constexpr std::uint8_t cleanup_file = 1;
constexpr std::uint8_t cleanup_package = 2;

// Index summary: what the list filters need without reading the package row.
// [status u8][type u8][flags u8][project_id u64 LE][name bytes...]
struct summary {
    package_status status;
    package_type type;
    bool has_version;
    std::uint64_t project_id;
    std::string_view name;
};

std::string encode_summary(const package& p) {
    std::string v;
    v.reserve(11 + p.name.size());
    v.push_back(static_cast<char>(p.status));
    v.push_back(static_cast<char>(p.type));
    v.push_back(static_cast<char>(p.version ? has_version_flag : 0));
    char id[8];
    std::memcpy(id, &p.project_id, 8);
    v.append(id, 8);
    v.append(p.name);
    return v;
}

bool decode_summary(std::string_view v, summary& out) {
    if (v.size() < 11) {
        return false;
    }
    out.status = static_cast<package_status>(v[0]);
    out.type = static_cast<package_type>(v[1]);
    out.has_version = (static_cast<std::uint8_t>(v[2]) & has_version_flag) != 0;
    std::memcpy(&out.project_id, v.data() + 3, 8);
    out.name = v.substr(11);
    return true;
}

std::string order_prefix(list_scope s, std::uint64_t scope_id, list_order o) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s)).u64(scope_id).u8(static_cast<std::uint8_t>(o));
    return k.str();
}

// Versions sort ascending with NULL last (PostgreSQL's default), so a descending walk gives
// NULL first, as GitLab's ORDER BY version DESC does.
std::string order_key(list_scope s, std::uint64_t scope_id, list_order o, const package& p,
                      const package_place& pl) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s)).u64(scope_id).u8(static_cast<std::uint8_t>(o));
    switch (o) {
    case list_order::created_at:
        k.i64(p.created_at);
        break;
    case list_order::name:
        k.str0(p.name);
        break;
    case list_order::version:
        if (p.version) {
            k.u8(0).str0(*p.version);
        } else {
            k.u8(1);
        }
        break;
    case list_order::type:
        k.u8(static_cast<std::uint8_t>(p.type));
        break;
    case list_order::project_path:
        // GitLab breaks project_path ties by id DESC in both directions: store ~id so that an
        // ascending walk inside one path yields descending ids.
        k.str0(pl.project_path).u64(~p.id);
        return k.str();
    }
    k.u64(p.id);
    return k.str();
}

std::uint64_t package_id_of_key(std::string_view key, list_order o) {
    const std::uint64_t v = key_u64(key, key.size() - 8);
    return o == list_order::project_path ? ~v : v;
}

struct index_entry {
    std::string key;
    std::string value;
};

std::vector<index_entry> entries_for(const package& p, const package_place& pl) {
    std::vector<index_entry> out;
    const std::string value = encode_summary(p);
    // The name order keeps the name in its key; its value skips it to save space.
    const std::string value_no_name = value.substr(0, 11);
    // In the project's name order the value carries every other order's sort key instead, so a
    // package_name search can order its matches without reading package rows.
    std::string name_value = value_no_name;
    char at[8];
    std::memcpy(at, &p.created_at, 8);
    name_value.append(at, 8);
    name_value.append(p.version.value_or(std::string()));
    for (auto o :
         {list_order::created_at, list_order::name, list_order::version, list_order::type}) {
        out.push_back({order_key(list_scope::project, pl.project_id, o, p, pl),
                       o == list_order::name ? name_value : value});
    }
    for (auto g : pl.groups) {
        for (auto o : {list_order::created_at, list_order::name, list_order::version,
                       list_order::type, list_order::project_path}) {
            out.push_back({order_key(list_scope::group, g, o, p, pl),
                           o == list_order::name ? value_no_name : value});
        }
    }
    return out;
}

bool counted(const package& p) {
    return displayable(p.status) && p.type != package_type::terraform_module && p.version;
}

std::string count_key(list_scope s, std::uint64_t scope_id, std::uint8_t vis) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s)).u64(scope_id).u8(vis);
    return k.str();
}

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

std::error_code adjust_counts(write_txn& t, const package_place& pl, std::int64_t delta) {
    if (auto ec = add_count(t, count_key(list_scope::project, pl.project_id, 0), delta)) {
        return ec;
    }
    for (auto g : pl.groups) {
        if (auto ec = add_count(
                t, count_key(list_scope::group, g, static_cast<std::uint8_t>(pl.vis)), delta)) {
            return ec;
        }
    }
    return {};
}

std::string versions_key(const package& p) {
    key_builder k;
    k.u64(p.project_id)
        .u8(static_cast<std::uint8_t>(p.type))
        .str0(p.name)
        .str0(*p.version)
        .u64(p.id);
    return k.str();
}

std::string versions_prefix(std::uint64_t project_id, package_type type, std::string_view name) {
    key_builder k;
    k.u64(project_id).u8(static_cast<std::uint8_t>(type)).str0(name);
    return k.str();
}

std::string cleanup_key(std::uint8_t kind, std::uint64_t id) {
    key_builder k;
    k.u8(kind).u64(id);
    return k.str();
}

std::string blob_key(std::string_view sha256_hex) {
    return std::string(sha256_hex);
}

/// The filters every summary can answer: status, type, and whether a version is required.
bool passes_status_type_version(const list_filter& f, const summary& s) noexcept {
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
bool matches(const txn& t, const list_query& q, const summary& s, std::string_view key,
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
        std::string_view name = s.name;
        if (q.order == list_order::name) {
            name = key.substr(10, key.size() - 10 - 8 - 1);
        }
        for (const auto& term : f.name_terms) {
            if (!contains_folded(name, term)) {
                return false;
            }
        }
    }
    if (f.version) {
        if (q.order == list_order::version) {
            const auto v = key.substr(11, key.size() - 11 - 8 - 1);
            return v == *f.version;
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
    const std::string order = order_prefix(list_scope::project, q.scope_id, list_order::name);
    for_each_matching_name(t, q.scope_id, q.filter.name_terms, [&](std::string_view name) {
        key_builder k;
        k.bytes(order).str0(name);
        const std::string prefix = k.str();
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            const auto v = c.value();
            summary s{};
            if (v.size() < 19 || !decode_summary(v, s) ||
                !passes_status_type_version(q.filter, s)) {
                continue;
            }
            name_hit h{};
            h.id = key_u64(c.key(), c.key().size() - 8);
            std::memcpy(&h.created_at, v.data() + 11, 8);
            h.name = name;
            h.version = v.substr(19);
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
    const std::string prefix = order_prefix(q.scope, q.scope_id, q.order);
    // One cursor for the page's rows: ids of one page are usually close together, and LMDB
    // skips the tree descent when the key is on the cursor's current leaf page.
    row_reader rows(t);
    walk(t, prefix, q.order, q.desc, [&](std::string_view key, std::string_view value) {
        summary s{};
        if (!decode_summary(value, s)) {
            return true;
        }
        const std::uint64_t id = package_id_of_key(key, q.order);
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

std::uint64_t default_count(const txn& t, list_scope scope, std::uint64_t scope_id,
                            unsigned vis_mask) {
    auto read = [&](std::uint8_t vis) -> std::uint64_t {
        auto v = get(t, t.db().package_counts, count_key(scope, scope_id, vis));
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
    if ((vis_mask & 1U) != 0) {
        total += read(static_cast<std::uint8_t>(visibility::private_));
    }
    if ((vis_mask & 2U) != 0) {
        total += read(static_cast<std::uint8_t>(visibility::internal));
    }
    if ((vis_mask & 4U) != 0) {
        total += read(static_cast<std::uint8_t>(visibility::public_));
    }
    return total;
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
        best = find_package(t, key_u64(c.key(), c.key().size() - 8));
        if (best) {
            break;
        }
    }
    return best;
}

std::vector<package> other_versions(const txn& t, const package& p) {
    std::vector<package> out;
    const std::string prefix = versions_prefix(p.project_id, p.type, p.name);
    cursor c(t, t.db().package_versions);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (c.value().size() != 1 || !displayable(static_cast<package_status>(c.value()[0]))) {
            continue;
        }
        const auto key = c.key();
        const auto version = key.substr(prefix.size(), key.size() - prefix.size() - 9);
        if (p.version && version == *p.version) {
            continue;
        }
        if (auto row = find_package(t, key_u64(key, key.size() - 8))) {
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
    if (existed) {
        for (const auto& e : entries_for(before, place)) {
            if (auto r = del(t, db.package_order, e.key); !r) {
                return r.error();
            }
        }
        if (before.version) {
            if (auto r = del(t, db.package_versions, versions_key(before)); !r) {
                return r.error();
            }
        }
        if (counted(before)) {
            if (auto ec = adjust_counts(t, place, -1)) {
                return ec;
            }
        }
    }
    for (const auto& e : entries_for(after, place)) {
        if (auto ec = put(t, db.package_order, e.key, e.value)) {
            return ec;
        }
    }
    if (after.version) {
        const char status = static_cast<char>(after.status);
        if (auto ec =
                put(t, db.package_versions, versions_key(after), std::string_view(&status, 1))) {
            return ec;
        }
    }
    if (counted(after)) {
        if (auto ec = adjust_counts(t, place, 1)) {
            return ec;
        }
    }
    if (!existed) {
        if (auto ec = add_package_name(t, after.project_id, after.name)) {
            return ec;
        }
        return put(t, db.packages, u64_key(after.id), encode(after));
    }
    // `after` may come from an older snapshot: never drop a build-info flag set since.
    package row = after;
    if (auto current = find_package(t, after.id)) {
        row.may_have_build_infos = row.may_have_build_infos || current->may_have_build_infos;
    }
    return put(t, db.packages, u64_key(row.id), encode(row));
}

std::error_code set_last_downloaded(write_txn& t, std::uint64_t package_id, std::int64_t ms) {
    auto p = find_package(t, package_id);
    if (!p) {
        return make_error_code(errc::not_found);
    }
    p->last_downloaded_at = ms;
    return put(t, t.db().packages, u64_key(p->id), encode(*p));
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
    return put(t, t.db().cleanup, cleanup_key(cleanup_package, p.id), {});
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
    value_writer w;
    w.u64(blob_refcount(t, f.sha256) + 1);
    return put(t, db.blob_refs, blob_key(f.sha256), w.view());
}

std::error_code mark_file_for_destruction(write_txn& t, const package_file& f) {
    package_file after = f;
    after.status = file_status::pending_destruction;
    if (auto ec = put(t, t.db().package_files, u64_key(f.id), encode(after))) {
        return ec;
    }
    return put(t, t.db().cleanup, cleanup_key(cleanup_file, f.id), {});
}

std::uint64_t blob_refcount(const txn& t, std::string_view sha256_hex) {
    auto v = get(t, t.db().blob_refs, blob_key(sha256_hex));
    if (!v) {
        return 0;
    }
    value_reader r(*v);
    return r.u64();
}

namespace {

std::error_code drop_blob_ref(write_txn& t, const std::string& sha,
                              std::vector<std::string>& gone) {
    const std::uint64_t refs = blob_refcount(t, sha);
    if (refs <= 1) {
        if (auto r = del(t, t.db().blob_refs, blob_key(sha)); !r) {
            return r.error();
        }
        gone.push_back(sha);
        return {};
    }
    value_writer w;
    w.u64(refs - 1);
    return put(t, t.db().blob_refs, blob_key(sha), w.view());
}

/// Deletes the package row and everything that points at it (its files are already gone).
std::error_code delete_package_row(write_txn& t, const package& p) {
    auto place = place_of(t, p.project_id);
    if (place) {
        for (const auto& e : entries_for(p, *place)) {
            if (auto r = del(t, t.db().package_order, e.key); !r) {
                return r.error();
            }
        }
        if (counted(p)) {
            if (auto ec = adjust_counts(t, *place, -1)) {
                return ec;
            }
        }
    }
    if (p.version) {
        if (auto r = del(t, t.db().package_versions, versions_key(p)); !r) {
            return r.error();
        }
    }
    if (auto ec = drop_package_name(t, p.project_id, p.name)) {
        return ec;
    }
    if (auto ec = delete_build_infos_of_package(t, p.id)) {
        return ec;
    }
    if (auto r = del(t, t.db().cleanup, cleanup_key(cleanup_package, p.id)); !r) {
        return r.error();
    }
    if (auto r = del(t, t.db().packages, u64_key(p.id)); !r) {
        return r.error();
    }
    return {};
}

std::error_code delete_file_row(write_txn& t, const package_file& f,
                                std::vector<std::string>& gone) {
    const auto& db = t.db();
    if (auto r = del(t, db.files_by_package, u64_pair_key(f.package_id, f.id)); !r) {
        return r.error();
    }
    if (auto ec = delete_file_build_infos(t, f.id)) {
        return ec;
    }
    if (auto r = del(t, db.package_files, u64_key(f.id)); !r) {
        return r.error();
    }
    if (auto r = del(t, db.cleanup, cleanup_key(cleanup_file, f.id)); !r) {
        return r.error();
    }
    return drop_blob_ref(t, f.sha256, gone);
}

} // namespace

result<std::size_t> cleanup_step(write_txn& t, std::size_t max,
                                 std::vector<std::string>& blobs_gone) {
    std::vector<std::pair<std::uint8_t, std::uint64_t>> todo;
    {
        cursor c(t, t.db().cleanup);
        for (bool ok = c.first(); ok && todo.size() < max; ok = c.next()) {
            if (c.key().size() == 9) {
                todo.emplace_back(static_cast<std::uint8_t>(c.key()[0]), key_u64(c.key(), 1));
            }
        }
    }
    for (const auto& [kind, id] : todo) {
        if (kind == cleanup_package) {
            auto p = find_package(t, id);
            if (!p) {
                (void)del(t, t.db().cleanup, cleanup_key(kind, id));
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
            if (auto r = del(t, t.db().cleanup, cleanup_key(kind, id)); !r) {
                return r.error();
            }
            continue;
        }
        auto f = find_file(t, id);
        if (!f) {
            (void)del(t, t.db().cleanup, cleanup_key(kind, id));
            continue;
        }
        if (auto ec = delete_file_row(t, *f, blobs_gone)) {
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

std::uint64_t cleanup_backlog(const txn& t) {
    return count_rows(t, t.db().cleanup);
}

std::error_code delete_project_packages(write_txn& t, std::uint64_t project_id,
                                        std::vector<std::string>& blobs_gone) {
    std::vector<std::uint64_t> ids;
    {
        const std::string prefix = order_prefix(list_scope::project, project_id, list_order::type);
        cursor c(t, t.db().package_order);
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            ids.push_back(key_u64(c.key(), c.key().size() - 8));
        }
    }
    for (auto id : ids) {
        auto p = find_package(t, id);
        if (!p) {
            continue;
        }
        for (const auto& f : files_of(t, id)) {
            if (auto ec = delete_file_row(t, f, blobs_gone)) {
                return ec;
            }
        }
        if (auto ec = delete_package_row(t, *p)) {
            return ec;
        }
    }
    return delete_pipelines_of_project(t, project_id);
}

std::error_code rebuild_name_index(write_txn& t) {
    if (const int rc = mdb_drop(t.handle(), t.db().package_names, 0); rc != 0) {
        return lmdb_error(rc);
    }
    std::uint64_t cached_project = 0;
    std::optional<package_place> place;
    cursor c(t, t.db().packages);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package p;
        decode_or_fail(c.value(), p);
        if (!place || cached_project != p.project_id) {
            place = place_of(t, p.project_id);
            cached_project = p.project_id;
        }
        if (!place) {
            continue;
        }
        // Only the project's name-order entry changed shape (it gained the other sort keys).
        for (const auto& e : entries_for(p, *place)) {
            if (e.key.size() > 10 && e.key[0] == static_cast<char>(list_scope::project) &&
                e.key[9] == static_cast<char>(list_order::name)) {
                if (auto ec = put(t, t.db().package_order, e.key, e.value)) {
                    return ec;
                }
            }
        }
        if (auto ec = add_package_name(t, p.project_id, p.name)) {
            return ec;
        }
    }
    return {};
}

} // namespace packyard::store
