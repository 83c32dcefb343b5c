#pragma once

#include "routing/context.hpp"

#include <optional>

namespace packyard::routing {

/// Finds the caller's credentials (PRIVATE-TOKEN, private_token, Bearer; JOB-TOKEN, job_token
/// and Basic where the route allows them), fills ctx.who, and checks the token's scope against
/// the route. Returns the error to send (401 / 403 insufficient_scope), or nothing.
std::optional<response> authenticate(request_context& ctx, const store::txn& t);

/// A credential as the request carries it, before the store is asked about it.
struct credential {
    std::string secret;
    bool job_slot = false; ///< came from JOB-TOKEN / job_token / Basic gitlab-ci-token
    bool basic = false;    ///< came from HTTP Basic: a wrong pair is ignored, not refused
};

/// The caller's credential, in GitLab's order: PRIVATE-TOKEN, private_token, Bearer; then, where
/// route_flags allow them, JOB-TOKEN, job_token or token, and HTTP Basic (the user
/// gitlab-ci-token names a job token). None when the request carries none.
std::optional<credential> find_credential(const request& req, const param_map& params,
                                          unsigned route_flags);

/// Standard base64 with padding (OpenSSL's EVP_EncodeBlock).
std::string base64_encode(std::string_view in);
/// URL-safe base64 with padding (Ruby's Base64.urlsafe_encode64).
std::string base64url_encode(std::string_view in);

/// Decodes standard base64; nullopt if malformed.
std::optional<std::string> base64_decode(std::string_view in);

} // namespace packyard::routing
