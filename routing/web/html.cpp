#include "routing/web/html.hpp"

#include "routing/pagination.hpp"
#include "routing/web/visit.hpp"
#include "store/clock.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace packyard::routing::web {

void escape_into(std::string& out, std::string_view s) {
    std::size_t plain = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        std::string_view with;
        switch (s[i]) {
        case '&':
            with = "&amp;";
            break;
        case '<':
            with = "&lt;";
            break;
        case '>':
            with = "&gt;";
            break;
        case '"':
            with = "&quot;";
            break;
        case '\'':
            with = "&#39;";
            break;
        default:
            continue;
        }
        out.append(s.substr(plain, i - plain));
        out.append(with);
        plain = i + 1;
    }
    out.append(s.substr(plain));
}

std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    escape_into(out, s);
    return out;
}

std::string query_escape(std::string_view s) {
    return form_escape(s);
}

void set_page_headers(response& r) {
    r.set_header("Content-Security-Policy", std::string(content_security_policy));
    r.set_header("X-Frame-Options", "DENY");
    r.set_header("X-Content-Type-Options", "nosniff");
    r.set_header("Referrer-Policy", "strict-origin-when-cross-origin");
    r.set_header("Cache-Control", "private, no-store");
}

response html_response(unsigned status, std::string body) {
    response r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(body);
    set_page_headers(r);
    return r;
}

response redirect(std::string_view location) {
    response r = html_response(303, {});
    r.set_header("Location", std::string(location));
    return r;
}

std::string frame(const request_context& ctx, std::string_view title, std::span<const crumb> crumbs,
                  std::string_view content) {
    std::string out;
    out.reserve(content.size() + 2048);
    out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>";
    escape_into(out, title);
    out += " · packyard</title>"
           "<link rel=\"stylesheet\" href=\"/-/assets/packyard.css\">"
           "<script src=\"/-/assets/packyard.js\" defer></script></head>\n<body>"
           "<header class=\"topbar\"><a class=\"brand\" href=\"/\">packyard</a>"
           "<div class=\"who\">";
    if (ctx.who.signed_in() && ctx.visit) {
        out += "<span data-testid=\"user\">";
        escape_into(out, ctx.who.user->name);
        out += "</span> <span class=\"username\">@";
        escape_into(out, ctx.who.user->username);
        out += "</span><form data-testid=\"sign-out\" method=\"post\" action=\"/-/sign_out\">"
               "<input type=\"hidden\" name=\"authenticity_token\" value=\"";
        escape_into(out, ctx.visit->csrf);
        out += "\"><button type=\"submit\">Sign out</button></form>";
    } else {
        out += "<a data-testid=\"sign-in\" href=\"/-/sign_in\">Sign in</a>";
    }
    out += "</div></header>\n<main>";
    if (!crumbs.empty()) {
        out += "<nav class=\"breadcrumbs\" aria-label=\"Breadcrumbs\">";
        for (std::size_t i = 0; i < crumbs.size(); ++i) {
            if (i != 0) {
                out += "<span class=\"sep\">/</span>";
            }
            if (crumbs[i].href.empty()) {
                out += "<span>";
                escape_into(out, crumbs[i].label);
                out += "</span>";
            } else {
                out += "<a href=\"";
                escape_into(out, crumbs[i].href);
                out += "\">";
                escape_into(out, crumbs[i].label);
                out += "</a>";
            }
        }
        out += "</nav>";
    }
    out += "<h1>";
    escape_into(out, title);
    out += "</h1>\n";
    out += content;
    out += "\n</main></body></html>\n";
    return out;
}

namespace {

struct error_text {
    std::string_view title;
    std::string_view line;
};

error_text text_of(unsigned status) {
    switch (status) {
    case 400:
        return {"Bad request", "The request could not be understood."};
    case 403:
        return {"Forbidden", "You don't have the permission to do that."};
    case 404:
        // GitLab's 404 page says the same: a hidden page and a missing one look alike.
        return {"Page not found",
                "The page could not be found or you don't have permission to view it."};
    case 405:
        return {"Method not allowed", "This page cannot be used that way."};
    case 411:
        return {"Length required", "The form did not say how long it is."};
    case 413:
        return {"Too large", "The form is larger than any of this site's."};
    case 412:
        return {"Changed meanwhile", "It was changed since you loaded the page."};
    case 422:
        return {"The change you requested was rejected",
                "The form was too old or did not come from this site. Reload the page and try "
                "again."};
    case 503:
        return {"Unavailable", "The registry is busy. Try again in a moment."};
    case 507:
        return {"Insufficient storage", "The registry's disk is full."};
    default:
        return status >= 500 ? error_text{"Something went wrong", "The registry could not do that."}
                             : error_text{"Request refused", "The registry refused the request."};
    }
}

} // namespace

response error_page(const request_context* ctx, unsigned status) {
    const auto [title, line] = text_of(status);
    std::string content = "<p class=\"error-line\">";
    escape_into(content, line);
    content += "</p><p><a href=\"/\">Back to the registry</a></p>";
    if (ctx != nullptr) {
        return html_response(status, frame(*ctx, title, {}, content));
    }
    // Before a request context exists (an unknown path): the same page, signed out.
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                      "<title>";
    escape_into(out, title);
    out += " · packyard</title><link rel=\"stylesheet\" href=\"/-/assets/packyard.css\"></head>\n"
           "<body><header class=\"topbar\"><a class=\"brand\" href=\"/\">packyard</a></header>"
           "\n<main><h1>";
    escape_into(out, title);
    out += "</h1>\n" + content + "\n</main></body></html>\n";
    return html_response(status, std::move(out));
}

response as_page(const request_context* ctx, std::string_view target, method verb, response r) {
    if (r.status < 400 || r.content_type != "application/json") {
        return r;
    }
    if (r.status == 401) {
        std::string to = "/-/sign_in";
        if (verb == method::get) {
            to += "?redirect_to=";
            to += query_escape(target);
        }
        return redirect(to);
    }
    response page = error_page(ctx, r.status);
    page.close = r.close;
    return page;
}

namespace {

/// This page's query with page replaced: the filters as the form sends them.
std::string page_link(const request_context& ctx, std::uint64_t page) {
    std::string q = "?";
    for (const auto& item : ctx.params.items()) {
        const std::string& name = item.first;
        const bool in_path = std::any_of(ctx.match.params.begin(), ctx.match.params.end(),
                                         [&name](const auto& p) { return p.first == name; });
        if (name == "page" || item.second.kind != param_value::shape::scalar || in_path) {
            continue;
        }
        q += query_escape(name);
        q += '=';
        q += query_escape(item.second.text);
        q += '&';
    }
    q += "page=" + std::to_string(page);
    return q;
}

} // namespace

void append_pagination(std::string& out, const request_context& ctx, std::uint64_t page,
                       std::optional<std::uint64_t> pages, bool more) {
    if (page == 1 && !more) {
        return;
    }
    out += "<nav class=\"pagination\" data-testid=\"pagination\" aria-label=\"Pages\">";
    if (page > 1) {
        out += "<a rel=\"prev\" href=\"";
        escape_into(out, page_link(ctx, page - 1));
        out += "\">Previous</a>";
    }
    out += "<span class=\"page-info\">Page " + std::to_string(page);
    if (pages) {
        out += " of " + std::to_string(*pages);
    }
    out += "</span>";
    if (more) {
        out += "<a rel=\"next\" href=\"";
        escape_into(out, page_link(ctx, page + 1));
        out += "\">Next</a>";
    }
    out += "</nav>";
}

std::string human_size(std::uint64_t bytes) {
    if (bytes < 1024) {
        return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    }
    constexpr std::array<std::string_view, 4> units{"KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    std::size_t u = 0;
    while (v >= 1024.0 && u + 1 < units.size()) {
        v /= 1024.0;
        ++u;
    }
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), v < 10 ? "%.1f %s" : "%.0f %s", v,
                  std::string(units[u]).c_str());
    return buf.data();
}

void append_time(std::string& out, std::int64_t ms) {
    const std::string iso = store::iso8601(ms);
    out += "<time datetime=\"";
    out += iso;
    out += "\">";
    // "2026-12-02T10:04:05.123Z" shown as "2026-12-02 10:04" (UTC).
    out += iso.substr(0, 10);
    if (iso.size() >= 16) {
        out += ' ';
        out += iso.substr(11, 5);
    }
    out += "</time>";
}

} // namespace packyard::routing::web
