#include "store/codec.hpp"
#include "store/crypto.hpp"
#include "store/identity.hpp"

namespace packyard::store {

result<std::uint64_t> next_id(write_txn& t, std::string_view kind) {
    std::string key = "seq/";
    key.append(kind);
    std::uint64_t current = 0;
    if (auto v = get(t, t.db().meta, key)) {
        value_reader r(*v);
        current = r.u64();
        if (!r.ok()) {
            return make_error_code(errc::corrupted);
        }
    }
    value_writer w;
    w.u64(current + 1);
    if (auto ec = put(t, t.db().meta, key, w.view())) {
        return ec;
    }
    return current + 1;
}

std::uint64_t count_rows(const txn& t, MDB_dbi dbi) {
    MDB_stat st{};
    if (mdb_stat(t.handle(), dbi, &st) != 0) {
        return 0;
    }
    return st.ms_entries;
}

std::optional<user> find_user(const txn& t, std::uint64_t id) {
    auto v = get(t, t.db().users, u64_key(id));
    user u;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, u);
    return u;
}

std::optional<user> find_user_by_username(const txn& t, std::string_view username) {
    auto v = get(t, t.db().users_by_username, lower(username));
    if (!v || v->size() != 8) {
        return std::nullopt;
    }
    return find_user(t, key_u64(*v, 0));
}

std::error_code create_user(write_txn& t, user& u, std::string* which) {
    identity_changed(t);
    const auto& db = t.db();
    const std::string uname = lower(u.username);
    const std::string email = lower(u.email);
    if (get(t, db.users_by_username, uname) || get(t, db.namespaces_by_path, uname) ||
        get(t, db.projects_by_path, uname)) {
        if (which != nullptr) {
            *which = "username";
        }
        return make_error_code(errc::conflict);
    }
    if (!email.empty() && get(t, db.users_by_email, email)) {
        if (which != nullptr) {
            *which = "email";
        }
        return make_error_code(errc::conflict);
    }
    auto id = next_id(t, "user");
    if (!id) {
        return id.error();
    }
    auto ns_id = next_id(t, "namespace");
    if (!ns_id) {
        return ns_id.error();
    }
    u.id = *id;
    u.namespace_id = *ns_id;
    namespace_row ns;
    ns.id = *ns_id;
    ns.kind = namespace_kind::user;
    ns.name = u.username;
    ns.path = u.username;
    ns.full_path = u.username;
    ns.full_name = u.name;
    ns.owner_id = u.id;
    ns.vis = visibility::public_;
    ns.created_at = u.created_at;
    const std::string id_key = u64_key(u.id);
    if (auto ec = put(t, db.users, id_key, encode(u))) {
        return ec;
    }
    if (auto ec = put(t, db.users_by_username, uname, id_key)) {
        return ec;
    }
    if (!email.empty()) {
        if (auto ec = put(t, db.users_by_email, email, id_key)) {
            return ec;
        }
    }
    if (auto ec = put(t, db.namespaces, u64_key(ns.id), encode(ns))) {
        return ec;
    }
    return put(t, db.namespaces_by_path, uname, u64_key(ns.id));
}

std::vector<user> list_users(const txn& t, std::uint64_t after_id, std::size_t limit) {
    std::vector<user> out;
    cursor c(t, t.db().users);
    for (bool ok = c.seek(u64_key(after_id + 1)); ok && out.size() < limit; ok = c.next()) {
        user u;
        decode_or_fail(c.value(), u);
        out.push_back(std::move(u));
    }
    return out;
}

std::optional<token> find_token_by_secret(const txn& t, std::string_view secret) {
    auto v = get(t, t.db().tokens, digest_key(sha256(secret)));
    token tok;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, tok);
    return tok;
}

std::optional<token> find_token(const txn& t, std::uint64_t id) {
    auto h = get(t, t.db().tokens_by_id, u64_key(id));
    if (!h) {
        return std::nullopt;
    }
    auto v = get(t, t.db().tokens, *h);
    token tok;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, tok);
    return tok;
}

std::error_code create_token(write_txn& t, token& tok, std::string_view secret) {
    auto id = next_id(t, "token");
    if (!id) {
        return id.error();
    }
    tok.id = *id;
    const std::string hash = digest_key(sha256(secret));
    if (auto ec = put(t, t.db().tokens, hash, encode(tok), MDB_NOOVERWRITE)) {
        return ec;
    }
    return put(t, t.db().tokens_by_id, u64_key(tok.id), hash);
}

std::error_code revoke_token(write_txn& t, std::uint64_t id) {
    auto h = get(t, t.db().tokens_by_id, u64_key(id));
    if (!h) {
        return make_error_code(errc::not_found);
    }
    const std::string hash(*h);
    auto v = get(t, t.db().tokens, hash);
    if (!v) {
        return make_error_code(errc::not_found);
    }
    token tok;
    decode_or_fail(*v, tok);
    tok.revoked = true;
    return put(t, t.db().tokens, hash, encode(tok));
}

std::vector<token> list_user_tokens(const txn& t, std::uint64_t user_id) {
    std::vector<token> out;
    cursor c(t, t.db().tokens_by_id);
    for (bool ok = c.first(); ok; ok = c.next()) {
        auto v = get(t, t.db().tokens, c.value());
        if (!v) {
            fail(make_error_code(errc::corrupted), "token id without its token");
        }
        token tok;
        decode_or_fail(*v, tok);
        if (tok.user_id == user_id && tok.kind == token_kind::personal) {
            out.push_back(std::move(tok));
        }
    }
    return out;
}

} // namespace packyard::store
