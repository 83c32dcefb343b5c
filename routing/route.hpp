#pragma once

// One row of the route table: everything the server needs before it reads a body.

#include "routing/http_types.hpp"

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

namespace packyard::routing {

class request_context;

/// Read-only handlers: plain functions, so no LMDB transaction can live across a co_await.
using sync_handler = response (*)(request_context&);
/// Mutating handlers: they co_await the store writer once, holding no read transaction then.
using async_handler = boost::asio::awaitable<response> (*)(request_context&);

/// Which token scopes may call the route (GitLab: api for all, read_api for GET/HEAD).
enum class scope_need : std::uint8_t { read, read_user, write };

/// How the request body is consumed.
enum class body_kind : std::uint8_t {
    none,   ///< ignored (GET, DELETE)
    small,  ///< read whole into request::body, bounded (JSON and form posts)
    stream, ///< streamed by the server into an upload (generic packages)
};

enum route_flags : unsigned {
    allow_job_token = 1U << 0,  ///< JOB-TOKEN / job_token / Bearer job token accepted
    allow_basic_auth = 1U << 1, ///< HTTP Basic (gitlab-ci-token:<job token>, user:<PAT>)
    no_auth = 1U << 2,          ///< credentials are not looked at (health checks)
};

/// Runs before a streamed body is read: validation, lookup and permission, so a refused upload
/// costs nothing. Returns the error to send, or nothing to go on.
using precheck_handler = std::optional<response> (*)(request_context&);

struct route {
    method verb;
    std::string_view pattern; ///< "/api/v4/projects/:id/packages", ":name*" matches the rest
    sync_handler sync = nullptr;
    async_handler async = nullptr;
    scope_need scope = scope_need::read;
    unsigned flags = 0;
    body_kind body = body_kind::none;
    precheck_handler precheck = nullptr;
};

constexpr route read_route(method m, std::string_view pattern, sync_handler h,
                           scope_need s = scope_need::read, unsigned flags = 0) {
    return route{m, pattern, h, nullptr, s, flags, body_kind::none, nullptr};
}

constexpr route write_route(method m, std::string_view pattern, async_handler h,
                            body_kind body = body_kind::small, unsigned flags = 0) {
    return route{m, pattern, nullptr, h, scope_need::write, flags, body, nullptr};
}

/// A streamed upload: precheck before the body, handler after it.
constexpr route upload_route(method m, std::string_view pattern, precheck_handler pre,
                             async_handler h, unsigned flags) {
    return route{m, pattern, nullptr, h, scope_need::write, flags, body_kind::stream, pre};
}

/// A read route whose handler may write (e.g. a download that records last_downloaded_at).
constexpr route read_async_route(method m, std::string_view pattern, async_handler h,
                                 unsigned flags = 0) {
    return route{m, pattern, nullptr, h, scope_need::read, flags, body_kind::none, nullptr};
}

} // namespace packyard::routing
