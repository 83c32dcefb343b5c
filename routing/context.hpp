#pragma once

// What a handler gets: the request, the matched route's parameters, the merged params, the
// authenticated caller, what the route's needs resolved, a streamed body, and the services. No
// read snapshot lives here: handlers receive one as a parameter, for the length of their call.

#include "routing/allow_list.hpp"
#include "routing/http_types.hpp"
#include "routing/limits.hpp"
#include "routing/list_pages.hpp"
#include "routing/list_totals.hpp"
#include "routing/params.hpp"
#include "routing/rendered_cache.hpp"
#include "routing/router.hpp"
#include "routing/upload_sink.hpp"
#include "store/blobs.hpp"
#include "store/clock.hpp"
#include "store/env.hpp"
#include "store/package_records.hpp"
#include "store/records.hpp"
#include "store/writer.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace packyard::routing {

namespace metrics {
class registry;
}

struct settings {
    std::string external_url; ///< empty: "http://" + the request's Host
    std::uint64_t max_upload_size = limits::max_upload_size; ///< bytes
    std::uint64_t max_small_body = limits::small_body;       ///< JSON/form bodies
    store::access_level packages_read_min = store::access_level::guest;
    /// Who may read /-/metrics (--metrics-allow).
    allow_list metrics_allow = allow_list::loopback();
};

/// Long-lived objects shared by every request.
struct services {
    store::environment& env;
    store::writer& writer;
    settings cfg;
    std::filesystem::path data_dir;
    store::blob_store* blobs = nullptr;
    /// Tells the background cleanup that a delete queued work (may be empty).
    std::function<void()> wake_cleanup;
    /// Rendered npm packuments, PyPI simple pages and the web home page, current by generation
    /// (routing/rendered_cache.hpp).
    std::shared_ptr<rendered_cache> packuments =
        std::make_shared<rendered_cache>(limits::packument_cache);
    /// Totals of filtered package lists, current by generation (routing/list_totals.hpp).
    std::shared_ptr<list_totals> totals = std::make_shared<list_totals>(limits::list_totals_cache);
    /// Answers of package list requests, current by generation (routing/list_pages.hpp).
    std::shared_ptr<list_pages> pages = std::make_shared<list_pages>(limits::list_pages_cache);
    /// The counters behind /-/metrics (routing/metrics.hpp); none with --metrics false.
    metrics::registry* metrics = nullptr;
};

enum class auth_kind : std::uint8_t { none, personal_token, job_token };

struct principal {
    std::optional<store::user> user;
    std::optional<store::token> token;
    auth_kind kind = auth_kind::none;

    bool signed_in() const noexcept { return user.has_value(); }
    bool admin() const noexcept { return user && user->admin; }
    std::uint64_t user_id() const noexcept { return user ? user->id : 0; }
};

/// A visit of the web pages with a session (routing/web/visit.hpp).
struct web_visit {
    std::string session;    ///< the cookie's secret, to end the session
    std::string csrf;       ///< what the visitor's forms carry back
    bool can_write = false; ///< the session's token has the api scope
};

/// What the route's needs resolved, for the handler.
struct resolved {
    std::optional<store::project> project;
    std::optional<store::namespace_row> group;
    std::optional<store::package> package;
};

using store::now_ms;

class request_context {
public:
    request_context(request& r, services& s, route_match m)
        : req(r)
        , svc(s)
        , match(std::move(m)) {}

    request& req;
    services& svc;
    route_match match;
    param_map params;
    principal who;
    resolved subject;
    /// env.identity_generation() when the request began, before its first snapshot opened:
    /// what a cache filled from this request's snapshots may claim to be current for.
    std::uint64_t snapshot_generation = 0;
    /// env.lists_generation() at the same moment (routing/list_pages.hpp).
    std::uint64_t lists_seen = 0;
    /// Web pages: the session the cookie named, when it is valid.
    std::optional<web_visit> visit;
    /// The streamed body of a stream route, finished by the server before the handler runs.
    std::optional<upload_sink> upload;

    /// A path parameter, percent-decoded; empty if absent.
    std::string path_param(std::string_view name) const;
    /// The raw (encoded) path parameter.
    std::string_view raw_path_param(std::string_view name) const;
    /// "http://host:port" (no trailing slash): --external-url or the Host header.
    std::string base_url() const;
};

} // namespace packyard::routing
