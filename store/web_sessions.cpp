#include "store/web_sessions.hpp"

#include "store/codec.hpp"
#include "store/crypto.hpp"
#include "store/error.hpp"

namespace packyard::store {
namespace {

constexpr std::uint8_t format_v1 = 1;

} // namespace

std::string encode(const web_session& v) {
    value_writer w;
    w.u8(format_v1).u64(v.token_id).u64(v.user_id).i64(v.created_at).i64(v.expires_at).str(v.csrf);
    return w.take();
}

bool decode(std::string_view data, web_session& out) {
    value_reader r(data);
    if (r.u8() != format_v1) {
        return false;
    }
    out.token_id = r.u64();
    out.user_id = r.u64();
    out.created_at = r.i64();
    out.expires_at = r.i64();
    out.csrf = r.str();
    return r.ok();
}

std::optional<web_session> find_web_session(const txn& t, std::string_view secret) {
    auto v = get(t, t.db().web_sessions, digest_key(sha256(secret)));
    web_session s;
    if (!v || !decode(*v, s)) {
        return std::nullopt;
    }
    return s;
}

std::error_code create_web_session(write_txn& t, std::string_view secret, const web_session& s) {
    return put(t, t.db().web_sessions, digest_key(sha256(secret)), encode(s), MDB_NOOVERWRITE);
}

std::error_code delete_web_session(write_txn& t, std::string_view secret) {
    auto gone = del(t, t.db().web_sessions, digest_key(sha256(secret)));
    return gone ? std::error_code{} : gone.error();
}

result<std::size_t> sweep_web_sessions(write_txn& t, std::int64_t now_ms, std::size_t at_most) {
    std::size_t removed = 0;
    cursor c(t, t.db().web_sessions);
    std::size_t seen = 0;
    for (bool more = c.first(); more && seen < at_most; ++seen) {
        web_session s;
        if (!decode(c.value(), s) || s.expires_at <= now_ms) {
            if (auto ec = c.del_current()) {
                return ec;
            }
            ++removed;
            // LMDB leaves a cursor on the entry after the one deleted; MDB_NEXT returns it.
        }
        more = c.next();
    }
    return removed;
}

} // namespace packyard::store
