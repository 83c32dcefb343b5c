#include "routing/app.hpp"

#include "routing/auth.hpp"
#include "routing/gitlab_errors.hpp"
#include "routing/metrics.hpp"
#include "routing/preconditions.hpp"
#include "routing/web/html.hpp"
#include "store/log.hpp"
#include "store/s3/bucket.hpp"

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>

namespace packyard::routing {
namespace {

/// An upload's bytes held against deletes in the bucket until its row is committed.
struct bucket_pin {
    bucket_pin(store::s3::bucket& bucket, std::string sha)
        : b(bucket)
        , sha256(std::move(sha)) {}
    bucket_pin(const bucket_pin&) = delete;
    bucket_pin& operator=(const bucket_pin&) = delete;
    ~bucket_pin() {
        if (held) {
            b.unpin(sha256);
        }
    }
    store::s3::bucket& b;
    std::string sha256;
    bool held = false;
};

/// Sends a finished upload to the bucket; the answer to send instead when the bucket did not
/// take it (down, slow past its timeouts, refusing packyard's credentials): nothing is
/// recorded, and the client may retry (docs/decisions/0021-s3-client.md).
boost::asio::awaitable<std::optional<response>> push_upload(services& svc, request_context& ctx) {
    auto& up = *ctx.upload;
    const auto started = std::chrono::steady_clock::now();
    const auto f = co_await svc.blobs->bucket()->push(up.bytes().path(), up.digest(),
                                                      up.bytes().part_sha256());
    if (!f.failed()) {
        up.bytes().mark_pushed();
        co_return std::nullopt;
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    log::message("upload of " + std::to_string(up.digest().size) +
                 " bytes not stored: the object store answered " + f.describe() + " after " +
                 std::to_string(took.count()) + " ms");
    auto r = message_response(503, "503 Service Unavailable");
    r.set_header("Retry-After", "5");
    co_return r;
}

bool media_type_is(std::string_view content_type, std::string_view want) {
    return iequals(store::trim_ows(content_type.substr(0, content_type.find(';'))), want);
}

/// Body parameters (JSON or form) merged under the path parameters, as Grape does.
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
    for (const auto& item : from_body.items()) {
        const auto& name = item.first;
        const bool in_path = std::any_of(ctx.match.params.begin(), ctx.match.params.end(),
                                         [&name](const auto& p) { return p.first == name; });
        if (!in_path) {
            ctx.params.set(name, item.second);
        }
    }
    return std::nullopt;
}

/// A 401 on a route that takes HTTP Basic names the realm, so pip, twine and Maven retry with
/// credentials (GitLab's packages API does the same).
response with_realm(const route& rt, response r) {
    if (r.status == 401 && (rt.flags & allow_basic_auth) != 0) {
        const bool named = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
            return iequals(h.first, "WWW-Authenticate") && store::istarts_with(h.second, "Basic ");
        });
        if (!named) {
            r.set_header("WWW-Authenticate", "Basic realm=\"GitLab Packages Registry\"");
        }
    }
    return r;
}

/// A handler's answer as its route sends it: the Basic realm on a 401 where the route takes
/// Basic, and a web page's errors as pages.
response shaped(const route& rt, const request_context& ctx, response r) {
    if ((rt.flags & web_page) != 0) {
        return web::as_page(&ctx, ctx.req.target, ctx.req.verb, std::move(r));
    }
    return with_realm(rt, std::move(r));
}

/// A browser asking for a page (its Accept names HTML) outside the API: an unknown path is
/// answered with the 404 page, as GitLab does; API clients keep the JSON 404.
bool wants_page(const request& req) {
    return !store::istarts_with(req.path, "/api/") &&
           req.header("Accept").find("text/html") != std::string_view::npos;
}

std::string_view pattern_of(const request_context& ctx) {
    return ctx.match.matched->pattern;
}

/// An upload refused by its route's checks, its handler or its write, counted by status (the
/// upload sink counts its own refusals, the server those of the body's transfer).
response counted_upload(const services& svc, const route& rt, response r) {
    if (svc.metrics != nullptr && rt.body == body_kind::stream && r.status >= 400) {
        svc.metrics->upload_failed(metrics::reason_of(r.status));
    }
    return r;
}

} // namespace

app::app(services& s, std::span<const route> table)
    : svc_(s)
    , router_(table) {}

app::started app::begin(request& req, std::optional<std::uint64_t> content_length) {
    started out = start(req, content_length);
    if (out.early && out.route >= 0 &&
        (router_.table()[static_cast<std::size_t>(out.route)].flags & web_page) != 0) {
        out.early = web::as_page(nullptr, req.target, req.verb, std::move(*out.early));
    } else if (out.early && out.route < 0 && out.early->status == 404 && wants_page(req)) {
        out.early = web::error_page(nullptr, 404);
    }
    return out;
}

app::started app::start(request& req, std::optional<std::uint64_t> content_length) {
    const log::request_scope in_request(req.id);
    started out;
    route_match m = router_.match(req.verb, req.path);
    if (m.matched != nullptr && (m.matched->flags & web_page) != 0 &&
        store::istarts_with(req.path, "/api/")) {
        // A web page's pattern starts with a namespace path, which "api/v4/..." is not: an API
        // path no API route takes stays the API's JSON 404.
        m = route_match{};
    }
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
    const route& rt = *m.matched;
    out.route = static_cast<int>(m.matched - router_.table().data());
    auto ctx = std::make_unique<request_context>(req, svc_, std::move(m));
    if (const auto parsed = parse_urlencoded(req.query, ctx->params); !parsed) {
        out.early = counted_upload(svc_, rt,
                                   bad_request(parsed.what == parse_outcome::kind::malformed
                                                   ? "invalid query string"
                                                   : parsed.reason()));
        return out;
    }
    try {
        std::optional<response> refused;
        {
            ctx->snapshot_generation = svc_.env.identity_generation();
            ctx->lists_seen = svc_.env.lists_generation();
            auto t = store::read_txn::begin(svc_.env);
            if (!t) {
                throw store::failure(t.error(), "begin read transaction");
            }
            if ((rt.flags & no_auth) == 0) {
                refused = authenticate(*ctx, *t);
            }
            // A route that takes a body only ever writes, and every one starts by refusing
            // anonymous callers (GitLab's authenticate_non_get!, which runs before parameters
            // are validated): refuse them before a body byte is read or parsed.
            if (!refused && rt.body != body_kind::none && rt.scope == scope_need::write &&
                !ctx->who.signed_in()) {
                refused = unauthorized();
            }
            // A web form is open to the anonymous (signing in): bounded before it is read.
            if (!refused && (rt.flags & web_page) != 0 && rt.body == body_kind::small) {
                if (!content_length) {
                    refused = message_response(411, "411 Length Required");
                } else if (*content_length > limits::web_form) {
                    refused = message_response(413, "413 Request Entity Too Large");
                }
            }
            // Path parameters win over body and query, as in Grape.
            if (!refused) {
                for (const auto& [name, raw] : ctx->match.params) {
                    ctx->params.set(
                        std::string(name),
                        param_value{param_value::shape::scalar, ctx->path_param(name), {}});
                }
            }
            if (!refused && rt.validate != nullptr) {
                refused = rt.validate(*ctx);
            }
            // A list asked again by the same caller: its kept answer, before the needs
            // (routing/list_pages.hpp), in this snapshot.
            if (!refused && (rt.flags & kept_answers) != 0 && rt.body == body_kind::none) {
                if (auto kept = kept_list_answer(*ctx, *t)) {
                    out.early = std::move(*kept);
                    return out;
                }
            }
            // A stream route decides from the header alone whether its body is wanted.
            if (!refused && rt.body == body_kind::stream) {
                refused = resolve_needs(*ctx, *t, rt.pre);
            }
        } // the snapshot ends here, before any body byte is read
        if (!refused && rt.check != nullptr) {
            refused = rt.check(*ctx);
        }
        if (refused) {
            refused = counted_upload(svc_, rt, std::move(*refused));
        } else if (rt.body == body_kind::stream) {
            auto sink =
                upload_sink::open(svc_, req.header("Content-Type"), content_length, rt.format);
            if (auto* err = std::get_if<response>(&sink)) {
                refused = std::move(*err);
            } else {
                ctx->upload.emplace(std::move(std::get<upload_sink>(sink)));
            }
        }
        if (refused) {
            out.early = with_realm(rt, std::move(*refused));
            return out;
        }
    } catch (const std::exception& e) {
        log::message("request " + std::string(rt.pattern) + " failed before its body: " + e.what());
        out.early = counted_upload(svc_, rt, internal_error());
        return out;
    }
    out.body = rt.body;
    out.ctx = std::move(ctx);
    return out;
}

outcome app::decide(request_context& ctx) noexcept {
    const log::request_scope in_request(ctx.req.id);
    const route& rt = *ctx.match.matched;
    try {
        if (rt.body == body_kind::small && (rt.flags & raw_body) == 0) {
            if (auto err = parse_body(ctx)) {
                return std::move(*err);
            }
        }
        ctx.snapshot_generation = svc_.env.identity_generation();
        ctx.lists_seen = svc_.env.lists_generation();
        auto t = store::read_txn::begin(svc_.env);
        if (!t) {
            if ((rt.flags & store_probe) != 0) {
                response r;
                r.status = 503;
                r.body = R"({"status":"failed"})";
                return r;
            }
            throw store::failure(t.error(), "begin read transaction");
        }
        if (auto refused = resolve_needs(ctx, *t, rt.pre)) {
            return std::move(*refused);
        }
        return rt.run(ctx, *t);
    } catch (const std::exception& e) {
        log::message("handler for " + std::string(pattern_of(ctx)) + " failed: " + e.what());
        return internal_error();
    }
}

response app::conclude(request_context& ctx, const write_plan& plan, std::error_code ec) noexcept {
    const log::request_scope in_request(ctx.req.id);
    try {
        ctx.snapshot_generation = svc_.env.identity_generation();
        ctx.lists_seen = svc_.env.lists_generation();
        auto t = store::read_txn::begin(svc_.env);
        if (!t) {
            throw store::failure(t.error(), "begin read transaction");
        }
        return plan.render(*t, ec);
    } catch (const std::exception& e) {
        log::message("rendering " + std::string(pattern_of(ctx)) + " failed: " + e.what());
        return internal_error();
    }
}

boost::asio::awaitable<response> app::finish(request_context& ctx) {
    const route& rt = *ctx.match.matched;
    // Once the handler has answered, or its job has linked the upload's bytes into the store or
    // failed, the temp file is of no more use: it goes before the answer is sent, not with the
    // context after it (a full disk needs the space back; a test sees it gone at once).
    auto drop_upload = [&ctx] {
        if (ctx.upload) {
            ctx.upload->discard();
        }
    };
    outcome decided = decide(ctx);
    if (auto* r = std::get_if<response>(&decided)) {
        drop_upload();
        co_return shaped(rt, ctx, counted_upload(svc_, rt, std::move(*r)));
    }
    auto& plan = std::get<write_plan>(decided);
    // With a bucket, an upload's bytes go there now, between the handler's decision and the
    // writer hop (no snapshot open, the writer not waiting): the row is recorded only once the
    // bucket confirmed them, and the pin keeps a delete of the same bytes out until it is.
    std::optional<bucket_pin> pinned;
    if (ctx.upload && ctx.upload->finished() && svc_.blobs->bucket() != nullptr) {
        pinned.emplace(*svc_.blobs->bucket(), ctx.upload->digest().sha256);
        co_await pinned->b.pin(pinned->sha256);
        pinned->held = true;
        if (auto refused = co_await push_upload(svc_, ctx)) {
            drop_upload();
            co_return shaped(rt, ctx, counted_upload(svc_, rt, std::move(*refused)));
        }
    }
    // The one writer hop of the request; no snapshot is open (decide's ended with it).
    const std::error_code ec =
        co_await svc_.writer.async_run(std::move(plan.job), boost::asio::use_awaitable);
    pinned.reset();
    drop_upload();
    co_return shaped(rt, ctx, counted_upload(svc_, rt, conclude(ctx, plan, ec)));
}

} // namespace packyard::routing
