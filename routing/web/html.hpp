#pragma once

// The web pages' HTML (docs/web.md): escaping, the site's frame around a page, the security
// headers every page carries, redirects and error pages. Pages are built by appending to a
// string; every string from a user or a client goes through escape().

#include "routing/context.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace packyard::routing::web {

/// Appends s escaped for HTML text and for a double- or single-quoted attribute value.
void escape_into(std::string& out, std::string_view s);
std::string escape(std::string_view s);

/// s percent-encoded as one query value (Rails' CGI.escape).
std::string query_escape(std::string_view s);

/// The Content-Security-Policy of every page (no inline script or style, forms only to us).
inline constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Sets the security headers every page carries (docs/web.md).
void set_page_headers(response& r);

/// A text/html answer with the security headers.
response html_response(unsigned status, std::string body);

/// 303 See Other to a path of this site (the browser follows with a GET).
response redirect(std::string_view location);

/// One step of the breadcrumbs: a label and where it links (empty: the current page).
struct crumb {
    std::string label;
    std::string href;
};

/// A whole page: the document head, the top bar (the visitor's name and sign-out form, or the
/// sign-in link), the breadcrumbs and title, then content (already HTML).
std::string frame(const request_context& ctx, std::string_view title, std::span<const crumb> crumbs,
                  std::string_view content);

/// The page for an error status (403, 404, 422, 5xx): the same frame, a title and a line.
response error_page(const request_context* ctx, unsigned status);

/// An API-shaped error answer of a web route as a page: 401 becomes a redirect to the sign-in
/// page (back to target after it, for GET), any other JSON error its error page. Others pass.
response as_page(const request_context* ctx, std::string_view target, method verb, response r);

/// The pages' navigation (nav[data-testid=pagination]): previous and next links to this page's
/// query with page replaced (the filters kept), "Page N of M" (of M only when pages is known);
/// nothing when there is a single page.
void append_pagination(std::string& out, const request_context& ctx, std::uint64_t page,
                       std::optional<std::uint64_t> pages, bool more);

/// "1.5 KiB", "12 bytes".
std::string human_size(std::uint64_t bytes);

/// <time datetime="ISO 8601">YYYY-MM-DD HH:MM</time>
void append_time(std::string& out, std::int64_t ms);

} // namespace packyard::routing::web
