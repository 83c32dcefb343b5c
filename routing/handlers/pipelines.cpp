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
#include "store/page_data.hpp"

namespace packyard::routing::handlers {
namespace {

constexpr std::int64_t job_token_lifetime_ms = 24LL * 3600 * 1000;

std::variant<store::pipeline, response> pipeline_of(const request_context& ctx, const store::txn& t,
                                                    const store::project& proj) {
    const auto id = parse_int(ctx.path_param("pipeline_id"));
    if (!id) {
        return bad_params("pipeline_id is invalid");
    }
    auto p = *id > 0 ? store::find_pipeline(t, static_cast<std::uint64_t>(*id)) : std::nullopt;
    if (!p || p->project_id != proj.id) {
        return not_found();
    }
    return std::move(*p);
}

} // namespace

outcome create_commit_status(request_context& ctx, const snapshot&) {
    // Route needs: signed in, the project, Developer.
    const auto& proj = *ctx.subject.project;
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
        return bad_params(v.message());
    }
    const std::string sha = ctx.path_param("sha");
    if (sha.empty() || sha.size() > 64) {
        return bad_params("sha is invalid");
    }
    const std::int64_t now = now_ms();
    const std::uint64_t user = ctx.who.user_id();
    struct result {
        store::pipeline pl;
        bool wrong_pipeline = false;
    };
    auto out = std::make_shared<result>();
    return then_render(
        [out, project_id = proj.id, sha, pipeline_id, ref, name, state, now,
         user](store::write_txn& t) -> std::error_code {
            std::optional<store::pipeline> cur;
            if (pipeline_id) {
                cur = store::find_pipeline(t, static_cast<std::uint64_t>(*pipeline_id));
                out->wrong_pipeline = !cur || cur->project_id != project_id || cur->sha != sha;
                if (out->wrong_pipeline) {
                    return {};
                }
            } else {
                cur = store::find_pipeline_by_sha(t, project_id, sha);
            }
            auto& pl = out->pl;
            if (cur) {
                pl = *cur;
            } else {
                pl = store::pipeline{};
                pl.project_id = project_id;
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
        },
        [&ctx, out, name, target_url, description, state, now](const snapshot&,
                                                               std::error_code ec) {
            if (out->wrong_pipeline) {
                return not_found("Pipeline");
            }
            if (ec) {
                return store_failure("commit status", ec);
            }
            const auto& pl = out->pl;
            const std::string base = base_of(ctx);
            json_writer w;
            w.begin_object();
            w.field_u("id", pl.id)
                .field("sha", pl.sha)
                .field("ref", pl.ref)
                .field("status", pl.status);
            w.field("name", name.value_or("default"));
            w.key("target_url").opt_str(target_url).key("description").opt_str(description);
            w.key("created_at").time(now).key("started_at").time(*state == "pending" ? 0 : now);
            const bool finished = *state == "success" || *state == "failed" || *state == "canceled";
            w.key("finished_at").time(finished ? now : 0);
            w.field_b("allow_failure", false).field_null("coverage").field_u("pipeline_id", pl.id);
            w.key("author");
            write_user_basic(w, *ctx.who.user, {base});
            w.end_object();
            return json_response(201, w.take());
        });
}

outcome list_pipelines(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_pipelines.
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    const auto all = store::project_pipelines(t, ctx.subject.project->id);
    const std::string base = base_of(ctx);
    store::pipeline_refs refs;
    refs.add_project(*ctx.subject.project);
    for (std::size_t i = pg.offset(); i < all.size() && i < pg.offset() + pg.per_page; ++i) {
        refs.add(t, all[i]);
    }
    entity_renderer render(refs, base);
    return json_page(ctx, all, pg,
                     [&](json_writer& w, const auto& item) { render.write_pipeline(w, item); });
}

outcome get_pipeline(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_pipelines.
    auto pl = pipeline_of(ctx, t, *ctx.subject.project);
    if (auto* err = std::get_if<response>(&pl)) {
        return std::move(*err);
    }
    const auto& p = std::get<store::pipeline>(pl);
    store::pipeline_refs refs;
    refs.add(t, p);
    const std::string base = base_of(ctx);
    entity_renderer render(refs, base);
    json_writer w;
    render.write_pipeline(w, p);
    return json_response(200, w.take());
}

outcome delete_pipeline(request_context& ctx, const snapshot& t) {
    // Route needs: the project, Owner.
    auto pl = pipeline_of(ctx, t, *ctx.subject.project);
    if (auto* err = std::get_if<response>(&pl)) {
        return std::move(*err);
    }
    return then_render([p = std::get<store::pipeline>(std::move(pl))](
                           store::write_txn& w) { return store::delete_pipeline(w, p); },
                       [](const snapshot&, std::error_code ec) {
                           if (ec) {
                               return store_failure("delete pipeline", ec);
                           }
                           return no_content();
                       });
}

outcome create_job_token(request_context& ctx, const snapshot& t) {
    // Route needs: signed in, the project, Developer.
    const auto& proj = *ctx.subject.project;
    auto pl = pipeline_of(ctx, t, proj);
    if (auto* err = std::get_if<response>(&pl)) {
        return std::move(*err);
    }
    const auto p = std::get<store::pipeline>(std::move(pl));
    if (p.status != "pending" && p.status != "running") {
        return bad_request("The pipeline is not pending or running");
    }
    auto tok = std::make_shared<store::token>();
    tok->kind = store::token_kind::job;
    tok->user_id = ctx.who.user_id();
    tok->name = "job token";
    tok->project_id = proj.id;
    tok->pipeline_id = p.id;
    tok->created_at = now_ms();
    tok->expires_at_ms = tok->created_at + job_token_lifetime_ms;
    tok->expires_at = iso8601(tok->expires_at_ms);
    const std::string secret = "glcbt-" + store::random_token_chars(24);
    return then_render(
        [tok, secret](store::write_txn& w) { return store::create_token(w, *tok, secret); },
        [tok, secret](const snapshot&, std::error_code ec) {
            if (ec) {
                return store_failure("create job token", ec);
            }
            json_writer w;
            w.begin_object().field("token", secret).field("expires_at", *tok->expires_at);
            w.field_u("pipeline_id", tok->pipeline_id).field_u("project_id", tok->project_id);
            w.end_object();
            return json_response(201, w.take());
        });
}

} // namespace packyard::routing::handlers
