#include "store/codec.hpp"
#include "store/identity.hpp"

namespace packyard::store {
namespace {} // namespace

std::optional<namespace_row> find_namespace(const txn& t, std::uint64_t id) {
    auto v = get(t, t.db().namespaces, u64_key(id));
    namespace_row ns;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, ns);
    return ns;
}

std::optional<namespace_row> find_namespace_by_path(const txn& t, std::string_view full_path) {
    auto v = get(t, t.db().namespaces_by_path, lower(full_path));
    if (!v || v->size() != 8) {
        return std::nullopt;
    }
    return find_namespace(t, key_u64(*v, 0));
}

std::error_code create_group(write_txn& t, namespace_row& g) {
    identity_changed(t);
    const auto& db = t.db();
    g.kind = namespace_kind::group;
    g.full_path = g.path;
    g.full_name = g.name;
    if (g.parent_id != 0) {
        auto parent = find_namespace(t, g.parent_id);
        if (!parent || parent->kind != namespace_kind::group) {
            return make_error_code(errc::not_found);
        }
        g.full_path = parent->full_path + "/" + g.path;
        g.full_name = parent->full_name + " / " + g.name;
    }
    const std::string path_key = lower(g.full_path);
    if (get(t, db.namespaces_by_path, path_key) || get(t, db.projects_by_path, path_key) ||
        (g.parent_id == 0 && get(t, db.users_by_username, path_key))) {
        return make_error_code(errc::conflict);
    }
    auto id = next_id(t, "namespace");
    if (!id) {
        return id.error();
    }
    g.id = *id;
    if (auto ec = put(t, db.namespaces, u64_key(g.id), encode(g))) {
        return ec;
    }
    if (auto ec = put(t, db.namespaces_by_path, path_key, u64_key(g.id))) {
        return ec;
    }
    return put(t, db.namespace_children, u64_pair_key(g.parent_id, g.id), {});
}

std::error_code delete_group(write_txn& t, std::uint64_t id) {
    identity_changed(t);
    const auto& db = t.db();
    auto g = find_namespace(t, id);
    if (!g || g->kind != namespace_kind::group) {
        return make_error_code(errc::not_found);
    }
    if (!child_groups(t, id).empty() || !projects_in_namespace(t, id).empty()) {
        return make_error_code(errc::not_empty);
    }
    for (const auto& m : list_members(t, member_source::group, id)) {
        if (auto ec = remove_member(t, member_source::group, id, m.user_id)) {
            return ec;
        }
    }
    if (auto r = del(t, db.namespace_children, u64_pair_key(g->parent_id, id)); !r) {
        return r.error();
    }
    if (auto r = del(t, db.namespaces_by_path, lower(g->full_path)); !r) {
        return r.error();
    }
    if (auto r = del(t, db.namespaces, u64_key(id)); !r) {
        return r.error();
    }
    return {};
}

std::vector<std::uint64_t> child_groups(const txn& t, std::uint64_t parent_id) {
    return ids_under(t, t.db().namespace_children, parent_id);
}

std::vector<std::uint64_t> self_and_descendant_groups(const txn& t, std::uint64_t id) {
    std::vector<std::uint64_t> out{id};
    for (std::size_t i = 0; i < out.size(); ++i) {
        for (auto child : child_groups(t, out[i])) {
            out.push_back(child);
        }
    }
    return out;
}

std::vector<std::uint64_t> namespace_ancestry(const txn& t, std::uint64_t ns_id) {
    std::vector<std::uint64_t> out;
    // Depth is bounded by GitLab's 20 levels; the bound also stops a damaged cycle.
    for (std::uint64_t cur = ns_id; cur != 0 && out.size() < 32;) {
        out.push_back(cur);
        auto ns = find_namespace(t, cur);
        if (!ns) {
            break;
        }
        cur = ns->parent_id;
    }
    return out;
}

std::vector<namespace_row> list_groups(const txn& t) {
    std::vector<namespace_row> out;
    cursor c(t, t.db().namespaces);
    for (bool ok = c.first(); ok; ok = c.next()) {
        namespace_row ns;
        decode_or_fail(c.value(), ns);
        if (ns.kind == namespace_kind::group) {
            out.push_back(std::move(ns));
        }
    }
    return out;
}

std::optional<project> find_project(const txn& t, std::uint64_t id) {
    auto v = get(t, t.db().projects, u64_key(id));
    project p;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, p);
    return p;
}

std::optional<project> find_project_by_path(const txn& t, std::string_view full_path) {
    auto v = get(t, t.db().projects_by_path, lower(full_path));
    if (!v || v->size() != 8) {
        return std::nullopt;
    }
    return find_project(t, key_u64(*v, 0));
}

std::error_code create_project(write_txn& t, project& p) {
    identity_changed(t);
    const auto& db = t.db();
    auto ns = find_namespace(t, p.namespace_id);
    if (!ns) {
        return make_error_code(errc::not_found);
    }
    p.full_path = ns->full_path + "/" + p.path;
    const std::string path_key = lower(p.full_path);
    if (get(t, db.projects_by_path, path_key) || get(t, db.namespaces_by_path, path_key)) {
        return make_error_code(errc::conflict);
    }
    auto id = next_id(t, "project");
    if (!id) {
        return id.error();
    }
    p.id = *id;
    if (auto ec = put(t, db.projects, u64_key(p.id), encode(p))) {
        return ec;
    }
    if (auto ec = put(t, db.projects_by_path, path_key, u64_key(p.id))) {
        return ec;
    }
    return put(t, db.projects_by_namespace, u64_pair_key(p.namespace_id, p.id), {});
}

std::error_code delete_project(write_txn& t, std::uint64_t id) {
    identity_changed(t);
    const auto& db = t.db();
    auto p = find_project(t, id);
    if (!p) {
        return make_error_code(errc::not_found);
    }
    for (const auto& m : list_members(t, member_source::project, id)) {
        if (auto ec = remove_member(t, member_source::project, id, m.user_id)) {
            return ec;
        }
    }
    if (auto r = del(t, db.projects_by_namespace, u64_pair_key(p->namespace_id, id)); !r) {
        return r.error();
    }
    if (auto r = del(t, db.projects_by_path, lower(p->full_path)); !r) {
        return r.error();
    }
    if (auto r = del(t, db.projects, u64_key(id)); !r) {
        return r.error();
    }
    return {};
}

std::vector<std::uint64_t> projects_in_namespace(const txn& t, std::uint64_t ns_id) {
    return ids_under(t, t.db().projects_by_namespace, ns_id);
}

std::vector<project> list_projects(const txn& t, std::uint64_t after_id, std::size_t limit,
                                   bool descending) {
    std::vector<project> out;
    cursor c(t, t.db().projects);
    bool ok = false;
    if (descending) {
        ok = after_id == 0 ? c.last() : c.seek_before(u64_key(after_id));
    } else {
        ok = c.seek(u64_key(after_id + 1));
    }
    for (; ok && out.size() < limit; ok = descending ? c.prev() : c.next()) {
        project p;
        decode_or_fail(c.value(), p);
        out.push_back(std::move(p));
    }
    return out;
}

} // namespace packyard::store
