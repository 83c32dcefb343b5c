#pragma once

// GitLab's offset pagination (Kaminari): page/per_page rules and the X-* and Link headers,
// shared by every list endpoint (GitLab's lib/api/helpers/pagination.rb).

#include "routing/context.hpp"
#include "routing/json.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace packyard::routing {

struct page_params {
    std::uint64_t page = 1;
    std::uint64_t per_page = 20;
    std::uint64_t offset() const noexcept { return (page - 1) * per_page; }
};

/// Counts above this are not reported (GitLab's api_kaminari_count_with_limit).
inline constexpr std::uint64_t count_limit = 10000;

/// page (default 1, <= 0 means 1) and per_page (default 20, > 100 clamps to 100, negative
/// means 20, 0 is "per_page has a value not allowed").
page_params read_page_params(const param_map& p, validation& v);

using default_params = std::initializer_list<std::pair<std::string_view, std::string_view>>;

/// Sets X-Per-Page, X-Page, X-Next-Page, X-Prev-Page, X-Total, X-Total-Pages and Link.
/// total empty = unknown (too many to count): X-Total, X-Total-Pages and rel="last" are left
/// out and has_more decides X-Next-Page.
void set_offset_headers(response& r, const request_context& ctx, const page_params& pg,
                        std::optional<std::uint64_t> total, bool has_more,
                        default_params defaults = {});

/// Answers one page of an in-memory list: items [offset, offset + per_page) written by
/// write(json_writer&, const T&) into a JSON array, with the offset headers.
template <class T, class Write>
response json_page(const request_context& ctx, const std::vector<T>& items, const page_params& pg,
                   Write&& write, default_params defaults = {}) {
    json_writer w;
    w.begin_array();
    for (std::size_t i = pg.offset(); i < items.size() && i < pg.offset() + pg.per_page; ++i) {
        write(w, items[i]);
    }
    w.end_array();
    response r;
    r.body = w.take();
    set_offset_headers(r, ctx, pg, items.size(), false, defaults);
    return r;
}

/// The absolute URL of this request with the given params replaced, params sorted and
/// form-encoded as Rails' to_query does.
std::string page_url(const request_context& ctx, default_params defaults,
                     std::initializer_list<std::pair<std::string_view, std::string>> overrides);

/// Rails CGI.escape: everything but [A-Za-z0-9_.~-] percent-encoded, space as '+'.
std::string form_escape(std::string_view s);

} // namespace packyard::routing
