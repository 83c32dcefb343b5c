// The sign-in page and signing in and out (docs/web.md, "Sessions"): a personal access token
// opens a session kept in the store; the browser gets only the session's random secret.

#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/web/html.hpp"
#include "routing/web/visit.hpp"
#include "store/crypto.hpp"
#include "store/identity.hpp"
#include "store/web_sessions.hpp"

#include <algorithm>

namespace packyard::routing::handlers {
namespace {

/// Where to go after signing in: a path of this site only (an absolute URL or "//host" would
/// make the form an open redirect).
std::string local_target(const request_context& ctx) {
    const auto* to = ctx.params.find("redirect_to");
    if (to == nullptr || to->kind != param_value::shape::scalar) {
        return "/";
    }
    const std::string_view t = to->text;
    const bool local = !t.empty() && t.size() <= 2048 && t.front() == '/' &&
                       (t.size() == 1 || (t[1] != '/' && t[1] != '\\')) &&
                       std::none_of(t.begin(), t.end(), [](char c) {
                           return c == '\\' || static_cast<unsigned char>(c) < 0x20;
                       });
    return local ? std::string(t) : "/";
}

/// The sign-in form; csrf is the double-submit value also set in the csrf cookie.
response sign_in_page(const request_context& ctx, unsigned status, std::string_view csrf,
                      std::string_view redirect_to, std::string_view error) {
    std::string c;
    if (!error.empty()) {
        c += "<p class=\"flash error\" data-testid=\"flash\">";
        web::escape_into(c, error);
        c += "</p>";
    }
    c += "<p class=\"lead\">Sign in with a personal access token with the <code>api</code> scope "
         "(or <code>read_api</code> to browse only). Create one with "
         "<code>POST /api/v4/users/:id/personal_access_tokens</code>.</p>"
         "<form class=\"sign-in\" data-testid=\"sign-in-form\" method=\"post\" "
         "action=\"/-/sign_in\">"
         "<input type=\"hidden\" name=\"authenticity_token\" value=\"";
    web::escape_into(c, csrf);
    c += "\"><input type=\"hidden\" name=\"redirect_to\" value=\"";
    web::escape_into(c, redirect_to);
    c += "\"><label for=\"token\">Personal access token</label>"
         "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required "
         "autofocus spellcheck=\"false\"><button type=\"submit\">Sign in</button></form>";
    const web::crumb crumbs[] = {{"packyard", "/"}, {"Sign in", ""}};
    response r = web::html_response(status, web::frame(ctx, "Sign in", crumbs, c));
    r.set_header("Set-Cookie",
                 web::set_cookie(ctx, web::csrf_cookie, csrf, std::chrono::seconds(3600)));
    return r;
}

} // namespace

outcome web_sign_in_form(request_context& ctx, const snapshot&) {
    if (ctx.visit) {
        return web::redirect(local_target(ctx));
    }
    return sign_in_page(ctx, 200, store::random_token_chars(web::secret_chars), local_target(ctx),
                        {});
}

outcome web_sign_in(request_context& ctx, const snapshot& t) {
    if (!web::csrf_ok(ctx)) {
        return web::error_page(&ctx, 422);
    }
    const auto* given = ctx.params.find("token");
    const std::string secret =
        given != nullptr && given->kind == param_value::shape::scalar ? given->text : "";
    const auto now = now_ms();
    std::optional<std::string_view> refusal = "Invalid token.";
    std::optional<store::token> tok;
    if (!secret.empty() && secret.size() <= 256) {
        tok = store::find_token_by_secret(t, secret);
        if (tok) {
            refusal = web::session_refusal(*tok, now);
            if (!refusal && !store::find_user(t, tok->user_id)) {
                refusal = "Invalid token.";
            }
        }
    }
    if (refusal) {
        // A fresh CSRF value: the failed form is not replayed with the old one.
        return sign_in_page(ctx, 401, store::random_token_chars(web::secret_chars),
                            local_target(ctx), *refusal);
    }
    store::web_session s;
    s.token_id = tok->id;
    s.user_id = tok->user_id;
    s.created_at = now;
    s.expires_at = now + web::session_lifetime.count();
    if (tok->expires_at_ms != 0) {
        s.expires_at = std::min(s.expires_at, tok->expires_at_ms);
    }
    s.csrf = store::random_token_chars(web::secret_chars);
    auto session_secret = store::random_token_chars(web::secret_chars);
    const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::milliseconds(s.expires_at - now));
    std::string session_cookie = web::set_cookie(ctx, web::session_cookie, session_secret, max_age);
    std::string csrf_gone = web::clear_cookie(ctx, web::csrf_cookie);
    std::string to = local_target(ctx);
    return then_render(
        [s = std::move(s), secret = std::move(session_secret), now](store::write_txn& w) {
            // Expired sessions go as new ones come: a bounded look per sign-in.
            if (auto swept = store::sweep_web_sessions(w, now, 1000); !swept) {
                return swept.error();
            }
            return store::create_web_session(w, secret, s);
        },
        [session_cookie = std::move(session_cookie), csrf_gone = std::move(csrf_gone),
         to = std::move(to)](const snapshot&, std::error_code ec) {
            if (ec) {
                return store_failure("sign in", ec);
            }
            response r = web::redirect(to);
            r.set_header("Set-Cookie", session_cookie);
            r.set_header("Set-Cookie", csrf_gone);
            return r;
        });
}

outcome web_sign_out(request_context& ctx, const snapshot&) {
    if (!ctx.visit) {
        // No valid session: nothing to end but the cookie.
        response r = web::redirect("/");
        r.set_header("Set-Cookie", web::clear_cookie(ctx, web::session_cookie));
        return r;
    }
    if (!web::csrf_ok(ctx)) {
        return web::error_page(&ctx, 422);
    }
    std::string cleared = web::clear_cookie(ctx, web::session_cookie);
    return then_render([secret = ctx.visit->session](
                           store::write_txn& w) { return store::delete_web_session(w, secret); },
                       [cleared = std::move(cleared)](const snapshot&, std::error_code ec) {
                           if (ec) {
                               return store_failure("sign out", ec);
                           }
                           response r = web::redirect("/");
                           r.set_header("Set-Cookie", cleared);
                           return r;
                       });
}

} // namespace packyard::routing::handlers
