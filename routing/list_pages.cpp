#include "routing/list_pages.hpp"

#include "routing/context.hpp"
#include "store/package_counts.hpp"

#include <algorithm>
#include <charconv>

namespace packyard::routing {
namespace {

void append_number(std::string& k, std::uint64_t n) {
    char digits[24];
    k.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    k.push_back(' ');
}

/// What a kept answer is found by: the caller as authenticated (kind, user, token: a token's
/// scopes and a job token's project are the token's), the identity generation, the base URL and
/// the request target (path and query). Built in a buffer of the I/O thread: a hit allocates
/// nothing for it.
const std::string& answer_key(const request_context& ctx) {
    thread_local std::string k;
    k.clear();
    append_number(k, static_cast<std::uint64_t>(ctx.who.kind));
    append_number(k, ctx.who.user_id());
    append_number(k, ctx.who.token ? ctx.who.token->id : 0);
    append_number(k, ctx.snapshot_generation);
    if (ctx.visit) {
        // A web page shows its session's CSRF token in its forms: kept per session.
        k.append(ctx.visit->csrf);
        k.push_back(' ');
    }
    if (!ctx.svc.cfg.external_url.empty()) {
        k.append(ctx.svc.cfg.external_url);
    } else {
        k.append(ctx.req.header("Host"));
    }
    k.push_back(' ');
    k.append(ctx.req.target);
    return k;
}

constexpr std::string_view page_content_type = "text/html; charset=utf-8";

} // namespace

std::optional<response> kept_list_answer(const request_context& ctx, const store::txn& t) {
    auto& pages = *ctx.svc.pages;
    const auto found = pages.find_stamped(answer_key(ctx));
    if (!found) {
        return std::nullopt;
    }
    const auto& [answer, generation] = *found;
    if (answer->lists_seen != ctx.lists_seen &&
        store::list_generation(t, answer->scope, answer->scope_id) != generation) {
        return std::nullopt;
    }
    response r;
    if (answer->page) {
        r.content_type = page_content_type;
    }
    r.shared = answer->body;
    r.header_lines = answer->header_lines;
    return r;
}

response keep_list_answer(const request_context& ctx, store::list_scope scope, std::uint64_t id,
                          std::uint64_t generation, response r) {
    const bool safety_header = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
        return iequals(h.first, "X-Frame-Options") || iequals(h.first, "X-Content-Type-Options");
    });
    const bool page = r.content_type == page_content_type;
    if (r.status != 200 || (!page && r.content_type != "application/json") ||
        (!page && safety_header)) {
        // Kept lines never hold what the server writes over on JSON (response_header.hpp).
        return r;
    }
    auto answer = std::make_shared<list_page_answer>();
    answer->page = page;
    answer->scope = scope;
    answer->scope_id = id;
    answer->lists_seen = ctx.lists_seen;
    answer->body = std::make_shared<const shared_body>(std::move(r.body));
    std::string lines;
    append_header_lines(lines, r.headers);
    answer->header_lines = std::make_shared<const std::string>(std::move(lines));
    r.headers.clear();
    r.body.clear();
    r.shared = answer->body;
    r.header_lines = answer->header_lines;
    const std::size_t size = answer->body->size() + answer->header_lines->size() + 128;
    ctx.svc.pages->insert(answer_key(ctx), generation, std::move(answer), size);
    return r;
}

} // namespace packyard::routing
