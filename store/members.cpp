#include "store/codec.hpp"
#include "store/identity.hpp"

#include <algorithm>

namespace packyard::store {
namespace {

std::string member_key(member_source kind, std::uint64_t source, std::uint64_t user) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(kind)).u64(source).u64(user);
    return k.str();
}

std::string membership_key(std::uint64_t user, member_source kind, std::uint64_t source) {
    key_builder k;
    k.u64(user).u8(static_cast<std::uint8_t>(kind)).u64(source);
    return k.str();
}

access_level max_level(access_level a, access_level b) {
    return static_cast<std::uint8_t>(a) >= static_cast<std::uint8_t>(b) ? a : b;
}

} // namespace

std::optional<member> find_member(const txn& t, member_source kind, std::uint64_t source_id,
                                  std::uint64_t user_id) {
    auto v = get(t, t.db().members, member_key(kind, source_id, user_id));
    member m;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, m);
    return m;
}

std::error_code put_member(write_txn& t, member_source kind, std::uint64_t source_id,
                           const member& m, bool replace) {
    identity_changed(t);
    const unsigned flags = replace ? 0U : static_cast<unsigned>(MDB_NOOVERWRITE);
    if (auto ec =
            put(t, t.db().members, member_key(kind, source_id, m.user_id), encode(m), flags)) {
        return ec;
    }
    const char level = static_cast<char>(m.access);
    return put(t, t.db().memberships, membership_key(m.user_id, kind, source_id),
               std::string_view(&level, 1));
}

std::error_code remove_member(write_txn& t, member_source kind, std::uint64_t source_id,
                              std::uint64_t user_id) {
    identity_changed(t);
    auto r = del(t, t.db().members, member_key(kind, source_id, user_id));
    if (!r) {
        return r.error();
    }
    if (!*r) {
        return make_error_code(errc::not_found);
    }
    if (auto r2 = del(t, t.db().memberships, membership_key(user_id, kind, source_id)); !r2) {
        return r2.error();
    }
    return {};
}

std::vector<member> list_members(const txn& t, member_source kind, std::uint64_t source_id) {
    std::vector<member> out;
    key_builder prefix;
    prefix.u8(static_cast<std::uint8_t>(kind)).u64(source_id);
    cursor c(t, t.db().members);
    for (bool ok = c.seek(prefix.view()); ok && has_prefix(c.key(), prefix.view()); ok = c.next()) {
        member m;
        decode_or_fail(c.value(), m);
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<membership> user_memberships(const txn& t, std::uint64_t user_id) {
    std::vector<membership> out;
    const std::string prefix = u64_key(user_id);
    cursor c(t, t.db().memberships);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        const auto k = c.key();
        if (k.size() != 17 || c.value().size() != 1) {
            continue;
        }
        out.push_back({static_cast<member_source>(static_cast<unsigned char>(k[8])), key_u64(k, 9),
                       static_cast<access_level>(c.value()[0])});
    }
    return out;
}

access_level group_access(const txn& t, std::uint64_t group_id, std::uint64_t user_id) {
    access_level best = access_level::none;
    if (user_id == 0) {
        return best;
    }
    for (auto ns : namespace_ancestry(t, group_id)) {
        if (auto m = find_member(t, member_source::group, ns, user_id)) {
            best = max_level(best, m->access);
        }
    }
    return best;
}

access_level project_access(const txn& t, const project& p, std::uint64_t user_id) {
    if (user_id == 0) {
        return access_level::none;
    }
    access_level best = access_level::none;
    if (auto m = find_member(t, member_source::project, p.id, user_id)) {
        best = m->access;
    }
    if (auto ns = find_namespace(t, p.namespace_id)) {
        if (ns->kind == namespace_kind::user) {
            if (ns->owner_id == user_id) {
                best = access_level::owner;
            }
        } else {
            best = max_level(best, group_access(t, ns->id, user_id));
        }
    }
    return best;
}

bool has_descendant_membership(const txn& t, std::uint64_t group_id, std::uint64_t user_id) {
    if (user_id == 0) {
        return false;
    }
    for (const auto& m : user_memberships(t, user_id)) {
        std::uint64_t start = 0;
        if (m.kind == member_source::project) {
            auto p = find_project(t, m.source_id);
            if (!p) {
                continue;
            }
            start = p->namespace_id;
        } else {
            auto ns = find_namespace(t, m.source_id);
            if (!ns || ns->id == group_id) {
                continue;
            }
            start = ns->parent_id;
        }
        const auto chain = namespace_ancestry(t, start);
        if (std::find(chain.begin(), chain.end(), group_id) != chain.end()) {
            return true;
        }
    }
    return false;
}

} // namespace packyard::store
