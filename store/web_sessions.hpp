#pragma once

// Sessions of the web pages (docs/web.md): the browser holds a random secret, the store its
// SHA-256 with the token the session was opened with. Every request reads the token again, so a
// revoked or expired token ends its sessions without touching them here.

#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace packyard::store {

struct web_session {
    std::uint64_t token_id = 0;
    std::uint64_t user_id = 0;
    std::int64_t created_at = 0; ///< ms since the epoch
    std::int64_t expires_at = 0; ///< ms since the epoch; the first instant it is invalid
    std::string csrf;            ///< the secret state-changing forms must carry back
};

std::string encode(const web_session& v);
bool decode(std::string_view data, web_session& out);

/// The session whose cookie holds secret, expired or not (the caller compares expires_at).
std::optional<web_session> find_web_session(const txn& t, std::string_view secret);
/// Stores a session under the SHA-256 of secret.
std::error_code create_web_session(write_txn& t, std::string_view secret, const web_session& s);
/// Removes the session of secret; a missing one is not an error.
std::error_code delete_web_session(write_txn& t, std::string_view secret);
/// Removes sessions expired at now_ms, looking at no more than at_most of them; returns how
/// many it removed.
result<std::size_t> sweep_web_sessions(write_txn& t, std::int64_t now_ms, std::size_t at_most);

} // namespace packyard::store
