#include "routing/app.hpp"

#include "routing/access.hpp"
#include "routing/auth.hpp"
#include "routing/gitlab_errors.hpp"
#include "store/log.hpp"

#include <algorithm>

namespace packyard::routing {

app::app(services& s)
    : svc_(s)
    , router_(all_routes()) {}

app::started app::begin(request& req) {
    started out;
    route_match m = router_.match(req.verb, req.path);
    if (m.matched == nullptr) {
        if (req.verb == method::options && !m.allow.empty()) {
            // Grape answers OPTIONS on a known path itself: 204 with the methods it allows.
            response r = no_content();
            r.set_header("Allow", m.allow);
            out.early = std::move(r);
        } else if (!m.allow.empty()) {
            response r = error_response(405, "405 Not Allowed");
            r.set_header("Allow", m.allow);
            out.early = std::move(r);
        } else {
            out.early = error_response(404, "404 Not Found");
        }
        return out;
    }
    auto ctx = std::make_unique<request_context>(req, svc_, std::move(m));
    ctx->snapshot_generation = svc_.env.identity_generation();
    if (const auto parsed = parse_urlencoded(req.query, ctx->params); !parsed) {
        out.early =
            bad_request(parsed.what == parse_outcome::kind::malformed ? "invalid query string"
                                                                      : parsed.reason());
        return out;
    }
    try {
        const auto& rt = *ctx->match.matched;
        const bool look = (rt.flags & no_auth) == 0;
        auto err = look ? authenticate(*ctx) : std::nullopt;
        // A route that takes a body only ever writes, and every such handler starts by refusing
        // anonymous callers (GitLab's authenticate_non_get!, which runs before parameters are
        // validated): refuse them before a body byte is read or parsed.
        if (!err && rt.body != body_kind::none && rt.scope == scope_need::write &&
            !ctx->who.signed_in()) {
            err = unauthorized();
        }
        if (err) {
            ctx->release_read();
            if (err->status == 401 && (rt.flags & allow_basic_auth) != 0) {
                err->set_header("WWW-Authenticate", "Basic realm=\"GitLab Packages Registry\"");
            }
            out.early = std::move(*err);
            return out;
        }
    } catch (const std::exception& e) {
        log::message(std::string("authentication failed: ") + e.what());
        out.early = internal_error();
        return out;
    }
    // Path parameters win over body and query, as in Grape.
    for (const auto& [name, raw] : ctx->match.params) {
        ctx->params.set(std::string(name),
                        param_value{param_value::shape::scalar, ctx->path_param(name), {}});
    }
    out.body = ctx->match.matched->body;
    // Stream routes decide from the header alone whether the body is wanted.
    if (const auto pre = ctx->match.matched->precheck; pre != nullptr) {
        try {
            auto refused = pre(*ctx);
            ctx->release_read();
            if (refused) {
                out.early = std::move(*refused);
                return out;
            }
        } catch (const std::exception& e) {
            log::message("precheck for " + std::string(ctx->match.matched->pattern) +
                         " failed: " + e.what());
            out.early = internal_error();
            return out;
        }
    }
    out.ctx = std::move(ctx);
    return out;
}

namespace {

bool media_type_is(std::string_view content_type, std::string_view want) {
    const auto semi = content_type.find(';');
    auto base = content_type.substr(0, semi);
    while (!base.empty() && base.back() == ' ') {
        base.remove_suffix(1);
    }
    return iequals(base, want);
}

std::optional<response> parse_body(request_context& ctx) {
    const auto& body = ctx.req.body;
    if (body.empty()) {
        return std::nullopt;
    }
    const auto ct = ctx.req.header("Content-Type");
    param_map from_body;
    parse_outcome parsed;
    if (media_type_is(ct, "application/x-www-form-urlencoded")) {
        parsed = parse_urlencoded(body, from_body);
    } else if (media_type_is(ct, "application/json") || ct.empty()) {
        parsed = parse_json_object(body, from_body);
    } else {
        return std::nullopt; // other media types carry no parameters
    }
    if (!parsed) {
        return bad_request(parsed.what == parse_outcome::kind::malformed ? "invalid request body"
                                                                         : parsed.reason());
    }
    for (const auto& [k, v] : from_body.items()) {
        if (ctx.match.params.end() == std::find_if(ctx.match.params.begin(), ctx.match.params.end(),
                                                   [&](const auto& p) { return p.first == k; })) {
            ctx.params.set(k, v);
        }
    }
    return std::nullopt;
}

} // namespace

boost::asio::awaitable<response> app::finish(request_context& ctx) {
    response r;
    bool failed = false;
    try {
        if (ctx.match.matched->body == body_kind::small) {
            if (auto err = parse_body(ctx)) {
                co_return std::move(*err);
            }
        }
        if (ctx.match.matched->sync != nullptr) {
            r = ctx.match.matched->sync(ctx);
            ctx.release_read();
        } else {
            ctx.release_read();
            r = co_await ctx.match.matched->async(ctx);
            ctx.release_read();
        }
    } catch (const std::exception& e) {
        log::message("handler for " + std::string(ctx.match.matched->pattern) +
                     " failed: " + e.what());
        failed = true;
    }
    ctx.release_read();
    if (failed) {
        co_return internal_error();
    }
    co_return r;
}

} // namespace packyard::routing
