// External pipelines, fed by GitLab's commit status API, and packyard's job-token extension.

#include "store/pipelines.hpp"

#include "routing/access.hpp"
#include "routing/entities.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/package_entities.hpp"
#include "routing/pagination.hpp"
#include "store/crypto.hpp"
#include "store/identity.hpp"

namespace packyard::routing::handlers {
namespace {

constexpr std::int64_t job_token_lifetime_ms = 24LL * 3600 * 1000;

std::variant<store::project, response> project_with_role(request_context& ctx,
                                                         store::access_level need) {
    auto found = find_readable_project(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    auto& p = std::get<store::project>(found);
    if (!at_least(project_role(ctx, p), need)) {
        return forbidden();
    }
    return std::move(p);
}

std::variant<store::pipeline, response> pipeline_of(request_context& ctx,
                                                    const store::project& proj) {
    const auto id = parse_int(ctx.path_param("pipeline_id"));
    if (!id) {
        return bad_params("pipeline_id is invalid");
    }
    auto p =
        *id > 0 ? store::find_pipeline(ctx.rtxn(), static_cast<std::uint64_t>(*id)) : std::nullopt;
    if (!p || p->project_id != proj.id) {
        return not_found();
    }
    return std::move(*p);
}

/// Pipelines are readable by Reporter+ in private projects, by anyone who sees a public one.
bool can_read_pipelines(request_context& ctx, const store::project& p) {
    return visible_without_membership(ctx.who, p.vis) ||
           at_least(project_role(ctx, p), store::access_level::reporter);
}

} // namespace

task create_commit_status(request_context& ctx) {
    if (!ctx.who.signed_in()) {
        co_return unauthorized();
    }
    auto found = project_with_role(ctx, store::access_level::developer);
    if (auto* err = std::get_if<response>(&found)) {
        co_return std::move(*err);
    }
    const auto proj = std::get<store::project>(std::move(found));
    validation v;
    const auto state =
        enum_param(ctx.params, "state", {"pending", "running", "success", "failed", "canceled"}, v);
    if (ctx.params.find("state") == nullptr) {
        v.add("state is missing");
    }
    const auto ref = string_param(ctx.params, "ref", v);
    const auto name = string_param(ctx.params, "name", v);
    const auto target_url = string_param(ctx.params, "target_url", v);
    const auto description = string_param(ctx.params, "description", v);
    const auto pipeline_id = int_param(ctx.params, "pipeline_id", v);
    if (!v.ok()) {
        co_return bad_params(v.message());
    }
    const std::string sha = ctx.path_param("sha");
    if (sha.empty() || sha.size() > 64) {
        co_return bad_params("sha is invalid");
    }
    const std::int64_t now = now_ms();
    const std::uint64_t user = ctx.who.user_id();
    store::pipeline pl;
    bool wrong_pipeline = false;
    ctx.release_read();
    const auto ec = co_await ctx.svc.writer.run([&](store::write_txn& t) -> std::error_code {
        std::optional<store::pipeline> cur;
        if (pipeline_id) {
            cur = store::find_pipeline(t, static_cast<std::uint64_t>(*pipeline_id));
            wrong_pipeline = !cur || cur->project_id != proj.id || cur->sha != sha;
            if (wrong_pipeline) {
                return {};
            }
        } else {
            cur = store::find_pipeline_by_sha(t, proj.id, sha);
        }
        if (cur) {
            pl = *cur;
        } else {
            pl = store::pipeline{};
            pl.project_id = proj.id;
            pl.sha = sha;
            pl.ref = ref.value_or("main");
            pl.source = "external";
            pl.name = name.value_or("default");
            pl.user_id = user;
            pl.created_at = now;
        }
        pl.status = *state;
        pl.updated_at = now;
        if (ref && !ref->empty()) {
            pl.ref = *ref;
        }
        return store::save_pipeline(t, pl);
    });
    if (wrong_pipeline) {
        co_return not_found("Pipeline");
    }
    if (ec) {
        co_return store_failure("commit status", ec);
    }
    const std::string base = base_of(ctx);
    json_writer w;
    w.begin_object();
    w.field_u("id", pl.id).field("sha", pl.sha).field("ref", pl.ref).field("status", pl.status);
    w.field("name", name.value_or("default"));
    w.key("target_url").opt_str(target_url).key("description").opt_str(description);
    w.key("created_at").time(now).key("started_at").time(*state == "pending" ? 0 : now);
    const bool finished = *state == "success" || *state == "failed" || *state == "canceled";
    w.key("finished_at").time(finished ? now : 0);
    w.field_b("allow_failure", false).field_null("coverage").field_u("pipeline_id", pl.id);
    w.key("author");
    write_user_basic(w, *ctx.who.user, {base});
    w.end_object();
    co_return json_response(201, w.take());
}

response list_pipelines(request_context& ctx) {
    auto found = find_readable_project(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& proj = std::get<store::project>(found);
    if (!can_read_pipelines(ctx, proj)) {
        return forbidden();
    }
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    const auto all = store::project_pipelines(ctx.rtxn(), proj.id);
    const std::string base = base_of(ctx);
    return json_page(ctx, all, pg, [&](json_writer& w, const auto& item) {
        write_pipeline(ctx.rtxn(), w, item, base);
    });
}

response get_pipeline(request_context& ctx) {
    auto found = find_readable_project(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& proj = std::get<store::project>(found);
    if (!can_read_pipelines(ctx, proj)) {
        return forbidden();
    }
    auto pl = pipeline_of(ctx, proj);
    if (auto* err = std::get_if<response>(&pl)) {
        return std::move(*err);
    }
    json_writer w;
    write_pipeline(ctx.rtxn(), w, std::get<store::pipeline>(pl), base_of(ctx));
    return json_response(200, w.take());
}

task delete_pipeline(request_context& ctx) {
    auto found = project_with_role(ctx, store::access_level::owner);
    if (auto* err = std::get_if<response>(&found)) {
        co_return std::move(*err);
    }
    const auto proj = std::get<store::project>(std::move(found));
    auto pl = pipeline_of(ctx, proj);
    if (auto* err = std::get_if<response>(&pl)) {
        co_return std::move(*err);
    }
    const auto p = std::get<store::pipeline>(std::move(pl));
    ctx.release_read();
    const auto ec = co_await ctx.svc.writer.run(
        [&](store::write_txn& t) { return store::delete_pipeline(t, p); });
    if (ec) {
        co_return store_failure("delete pipeline", ec);
    }
    co_return no_content();
}

task create_job_token(request_context& ctx) {
    if (!ctx.who.signed_in()) {
        co_return unauthorized();
    }
    auto found = project_with_role(ctx, store::access_level::developer);
    if (auto* err = std::get_if<response>(&found)) {
        co_return std::move(*err);
    }
    const auto proj = std::get<store::project>(std::move(found));
    auto pl = pipeline_of(ctx, proj);
    if (auto* err = std::get_if<response>(&pl)) {
        co_return std::move(*err);
    }
    const auto p = std::get<store::pipeline>(std::move(pl));
    if (p.status != "pending" && p.status != "running") {
        co_return bad_request("The pipeline is not pending or running");
    }
    store::token tok;
    tok.kind = store::token_kind::job;
    tok.user_id = ctx.who.user_id();
    tok.name = "job token";
    tok.project_id = proj.id;
    tok.pipeline_id = p.id;
    tok.created_at = now_ms();
    tok.expires_at_ms = tok.created_at + job_token_lifetime_ms;
    tok.expires_at = iso8601(tok.expires_at_ms);
    const std::string secret = "glcbt-" + store::random_token_chars(24);
    ctx.release_read();
    const auto ec = co_await ctx.svc.writer.run(
        [&](store::write_txn& t) { return store::create_token(t, tok, secret); });
    if (ec) {
        co_return store_failure("create job token", ec);
    }
    json_writer w;
    w.begin_object().field("token", secret).field("expires_at", *tok.expires_at);
    w.field_u("pipeline_id", p.id).field_u("project_id", proj.id).end_object();
    co_return json_response(201, w.take());
}

} // namespace packyard::routing::handlers
