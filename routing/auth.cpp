#include "routing/auth.hpp"

#include "routing/gitlab_errors.hpp"
#include "routing/json.hpp"
#include "routing/web/visit.hpp"
#include "store/identity.hpp"
#include "store/pipelines.hpp"

#include <openssl/evp.h>

namespace packyard::routing {
namespace {

constexpr std::string_view expired_text =
    "Token is expired. You can either do re-authorization or token refresh.";
constexpr std::string_view revoked_text =
    "Token was revoked. You have to re-authorize from the user.";
constexpr std::string_view scope_text =
    "The request requires higher privileges than provided by the access token.";

response invalid_token(std::string_view description) {
    response r;
    r.status = 401;
    json_writer w;
    w.begin_object()
        .field("error", "invalid_token")
        .field("error_description", description)
        .end_object();
    r.body = w.take();
    std::string www = "Bearer realm=\"Protected by OAuth 2.0\", error=\"invalid_token\", "
                      "error_description=\"";
    www += description;
    www += '"';
    r.set_header("WWW-Authenticate", std::move(www));
    return r;
}

response insufficient_scope(std::string_view needed) {
    response r;
    r.status = 403;
    json_writer w;
    w.begin_object()
        .field("error", "insufficient_scope")
        .field("error_description", scope_text)
        .field("scope", needed)
        .end_object();
    r.body = w.take();
    std::string www = "Bearer realm=\"Protected by OAuth 2.0\", error=\"insufficient_scope\", "
                      "error_description=\"";
    www += scope_text;
    www += "\", scope=\"";
    www += needed;
    www += '"';
    r.set_header("WWW-Authenticate", std::move(www));
    return r;
}

bool scope_allows(std::uint32_t scopes, scope_need need, method m) {
    using namespace store;
    if ((scopes & scope_api) != 0) {
        return true;
    }
    const bool reading = m == method::get || m == method::head;
    if (!reading || need == scope_need::write) {
        return false;
    }
    if ((scopes & scope_read_api) != 0) {
        return true;
    }
    return need == scope_need::read_user && (scopes & scope_read_user) != 0;
}

std::string_view needed_scopes(scope_need need, method m) {
    const bool reading = m == method::get || m == method::head;
    if (!reading || need == scope_need::write) {
        return "api";
    }
    return need == scope_need::read_user ? "api read_api read_user" : "api read_api";
}

} // namespace

std::string base64_encode(std::string_view in) {
    std::string out((in.size() + 2) / 3 * 4 + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()),
                                  static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string base64url_encode(std::string_view in) {
    std::string out = base64_encode(in);
    for (char& c : out) {
        c = c == '+' ? '-' : (c == '/' ? '_' : c);
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
    while (!in.empty() && (in.back() == ' ' || in.back() == '\t')) {
        in.remove_suffix(1);
    }
    if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) {
        return std::nullopt;
    }
    std::string out(in.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()),
                                  static_cast<int>(in.size()));
    if (n < 0) {
        return std::nullopt;
    }
    std::size_t len = static_cast<std::size_t>(n);
    // EVP_DecodeBlock counts padding as output bytes.
    if (in.ends_with("==")) {
        len -= 2;
    } else if (in.ends_with("=")) {
        len -= 1;
    }
    out.resize(len);
    return out;
}

std::optional<credential> find_credential(const request& req, const param_map& params,
                                          unsigned route_flags) {
    const bool job_ok = (route_flags & allow_job_token) != 0;
    const bool basic_ok = (route_flags & allow_basic_auth) != 0;

    if (auto v = req.header("PRIVATE-TOKEN"); !v.empty()) {
        return credential{std::string(v), false};
    }
    if (const auto* p = params.find("private_token");
        p != nullptr && p->kind == param_value::shape::scalar && !p->text.empty()) {
        return credential{p->text, false};
    }
    const auto authz = req.header("Authorization");
    if (authz.size() > 7 && iequals(authz.substr(0, 7), "Bearer ")) {
        return credential{std::string(authz.substr(7)), false};
    }
    if (job_ok) {
        if (auto v = req.header("JOB-TOKEN"); !v.empty()) {
            return credential{std::string(v), true};
        }
        for (const auto* name : {"job_token", "token"}) {
            if (const auto* p = params.find(name);
                p != nullptr && p->kind == param_value::shape::scalar && !p->text.empty()) {
                return credential{p->text, true};
            }
        }
    }
    if (basic_ok && authz.size() > 6 && iequals(authz.substr(0, 6), "Basic ")) {
        if (auto decoded = base64_decode(authz.substr(6))) {
            const auto colon = decoded->find(':');
            if (colon != std::string::npos) {
                const bool ci = decoded->substr(0, colon) == "gitlab-ci-token";
                if (!ci || job_ok) {
                    return credential{decoded->substr(colon + 1), ci, true};
                }
            }
        }
    }
    return std::nullopt;
}

std::optional<response> authenticate(request_context& ctx, const store::txn& t) {
    if ((ctx.match.matched->flags & web_page) != 0) {
        web::authenticate_visit(ctx, t);
        return std::nullopt;
    }
    auto cred = find_credential(ctx.req, ctx.params, ctx.match.matched->flags);
    if (!cred) {
        return std::nullopt;
    }
    auto tok = store::find_token_by_secret(t, cred->secret);
    if (!tok) {
        // GitLab's generic endpoints treat a wrong Basic pair as anonymous.
        return cred->basic ? std::nullopt : std::optional<response>(unauthorized());
    }
    const bool job_ok = (ctx.match.matched->flags & allow_job_token) != 0;
    if (tok->kind == store::token_kind::job && !job_ok) {
        return unauthorized();
    }
    if (tok->kind == store::token_kind::personal && cred->job_slot) {
        return unauthorized();
    }
    if (tok->revoked) {
        return tok->kind == store::token_kind::job ? unauthorized() : invalid_token(revoked_text);
    }
    if (tok->expires_at_ms != 0 && now_ms() >= tok->expires_at_ms) {
        return tok->kind == store::token_kind::job ? unauthorized() : invalid_token(expired_text);
    }
    if (tok->kind == store::token_kind::job) {
        // A job token lives while its pipeline runs.
        auto pl = store::find_pipeline(t, tok->pipeline_id);
        if (!pl || (pl->status != "pending" && pl->status != "running")) {
            return unauthorized();
        }
    }
    auto u = store::find_user(t, tok->user_id);
    if (!u) {
        return unauthorized();
    }
    if (tok->kind == store::token_kind::personal &&
        !scope_allows(tok->scopes, ctx.match.matched->scope, ctx.req.verb)) {
        return insufficient_scope(needed_scopes(ctx.match.matched->scope, ctx.req.verb));
    }
    ctx.who.user = std::move(*u);
    ctx.who.kind =
        tok->kind == store::token_kind::job ? auth_kind::job_token : auth_kind::personal_token;
    ctx.who.token = std::move(*tok);
    return std::nullopt;
}

} // namespace packyard::routing
