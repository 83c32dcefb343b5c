#pragma once

// One row of the route table: the handler and everything the server and routing::app need to
// know before it runs: scopes, credential carriers, how the body is consumed, and what must be
// resolved and allowed first, in GitLab's order of checks.

#include "routing/http_types.hpp"
#include "routing/outcome.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace packyard::routing {

class request_context;

/// A handler decides over one read snapshot, open only for the call (app.hpp).
using handler = outcome (*)(request_context&, const store::read_txn&);

/// Header-only checks of a streamed route (path parameters), before its body is read.
using precheck = std::optional<response> (*)(request_context&);

/// Which token scopes may call the route (GitLab: api for all, read_api for GET/HEAD).
enum class scope_need : std::uint8_t { read, read_user, write };

/// How the request body is consumed.
enum class body_kind : std::uint8_t {
    none,   ///< ignored (GET, DELETE)
    small,  ///< read whole into request::body, bounded (JSON and form posts)
    stream, ///< streamed by the server into the request's upload sink (uploads)
};

/// What a streamed body is (body_kind::stream).
enum class upload_format : std::uint8_t {
    file,        ///< the file's bytes, or a multipart/form-data envelope around them
    npm_publish, ///< npm's JSON document with the tarball in base64 (routing/npm/)
    pypi,        ///< twine's form: the "content" part to the file, the metadata parts kept
    maven,       ///< the file's bytes; too large is GitLab's 400 "File is too large"
};

enum route_flags : unsigned {
    allow_job_token = 1U << 0,  ///< JOB-TOKEN / job_token / Bearer job token accepted
    allow_basic_auth = 1U << 1, ///< HTTP Basic (gitlab-ci-token:<job token>, user:<PAT>)
    no_auth = 1U << 2,          ///< credentials are not looked at (health checks)
    /// A snapshot that cannot be opened answers 503 {"status":"failed"} (the readiness probe).
    store_probe = 1U << 3,
    /// A small body the handler reads itself (not parameters: npm's dist-tag version string).
    raw_body = 1U << 4,
    /// The path may end in '/' (pip asks for ".../simple/<name>/"; Grape accepts both).
    trailing_slash = 1U << 5,
    /// Its answers may be kept whole (list_pages.hpp): routing::app looks for a kept answer
    /// to the same request of the same caller before resolving the needs.
    kept_answers = 1U << 6,
    /// A web page (docs/web.md): the visitor is the session's cookie, never a token header, and
    /// errors are answered as pages (routing/web/html.hpp: as_page).
    web_page = 1U << 7,
};

/// What :id names.
enum class subject : std::uint8_t { none, project, group };

/// Rights checked on the subject, in this order, each a 403 when missing.
enum rights : unsigned {
    read_packages = 1U << 0,  ///< GitLab's read_package (packages enabled, visible or member)
    read_pipelines = 1U << 1, ///< visible without membership, or Reporter+
    upload = 1U << 2,         ///< packages enabled and Developer+
    developer = 1U << 3,
    maintainer = 1U << 4,
    owner = 1U << 5,
};

/// How a project that is missing or not visible is answered.
enum class when_missing : std::uint8_t {
    project_not_found, ///< 404 "404 Project Not Found" (a job token from elsewhere: 403)
    not_found,         ///< 404 "404 Not Found" (generic uploads; the job-token 403 stays)
    generic_download,  ///< signed in: 404 "404 Not Found"; anonymous: 401 with the Basic realm
    /// npm's not_found!: 404 {"message":"404 Project Not Found","error":"Project not found"}
    /// (or "Group"); the job-token 403 stays.
    npm,
    /// The same, with GitLab's authenticate_non_public: an anonymous caller gets 401, so that
    /// npm retries with its token (packument, dist-tags GET).
    npm_non_public,
};

/// What must hold before the handler runs, checked by routing::app in this order: signed in
/// (401), admin (403), :id resolved and visible (404), rights (403), :package_id displayable
/// in the project (400 when not a number, 404 "404 Not found" otherwise).
struct needs {
    bool signed_in = false;
    bool admin = false;
    subject on = subject::none;
    unsigned may = 0; ///< rights
    bool package = false;
    when_missing missing = when_missing::project_not_found;
};

struct route {
    method verb;
    std::string_view pattern; ///< "/api/v4/projects/:id/packages", ":name*" matches the rest
    handler run = nullptr;
    scope_need scope = scope_need::read;
    unsigned flags = 0;
    body_kind body = body_kind::none;
    needs pre{};
    precheck check = nullptr; ///< stream routes: path checks before the body
    upload_format format = upload_format::file;
    /// Grape's parameter validation, where it must come before the needs: Grape validates
    /// after the `before` filters (authenticate_non_get!) and before the endpoint's own
    /// project and permission checks.
    precheck validate = nullptr;
};

/// A route with no body and no needs, for small tables (tests).
constexpr route plain_route(method m, std::string_view pattern, handler h) {
    return route{m, pattern, h};
}

} // namespace packyard::routing
