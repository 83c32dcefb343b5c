#pragma once

// Who visits the web pages (docs/web.md): the session named by the cookie, checked against its
// token on every request, and the CSRF token its forms carry.

#include "routing/context.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace packyard::routing::web {

inline constexpr std::string_view session_cookie = "_packyard_session";
inline constexpr std::string_view csrf_cookie = "_packyard_csrf";
/// The form field that carries the CSRF token (Rails' name).
inline constexpr std::string_view csrf_field = "authenticity_token";
/// GitLab's session_expire_delay default: a week. A session never outlives its token either.
inline constexpr std::chrono::milliseconds session_lifetime = std::chrono::hours(24 * 7);
/// The random secrets (session and CSRF): 43 characters of 64 = 258 bits.
inline constexpr std::size_t secret_chars = 43;

/// The value of the cookie name in the request's Cookie headers, if any.
std::optional<std::string_view> cookie(const request& req, std::string_view name);

/// For routes flagged web_page: fills ctx.who and ctx.visit from the session cookie. A missing,
/// unknown or expired session, or one whose token no longer authenticates (revoked, expired, its
/// user gone, without api or read_api), is an anonymous visit: pages never answer 401 to a
/// stale cookie.
void authenticate_visit(request_context& ctx, const store::txn& t);

/// Why a personal access token cannot open a session, or nothing when it can: the API's checks
/// of the token itself (personal, not revoked, not expired) and the api or read_api scope. Its
/// user is the caller's to read (the visit needs the row anyway).
std::optional<std::string_view> session_refusal(const store::token& tok, std::int64_t now);

/// True when the form's authenticity_token equals the session's CSRF secret, or, without a
/// session, the csrf cookie (double submit); compared in constant time.
bool csrf_ok(const request_context& ctx);

/// Set-Cookie values: HttpOnly, SameSite=Lax, Path=/, Secure when the external URL is https.
std::string set_cookie(const request_context& ctx, std::string_view name, std::string_view value,
                       std::chrono::seconds max_age);
std::string clear_cookie(const request_context& ctx, std::string_view name);

} // namespace packyard::routing::web
