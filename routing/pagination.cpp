#include "routing/pagination.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace packyard::routing {

page_params read_page_params(const param_map& p, validation& v) {
    page_params out;
    if (auto page = int_param(p, "page", v)) {
        out.page = *page > 0 ? static_cast<std::uint64_t>(*page) : 1;
    }
    if (auto per = int_param(p, "per_page", v)) {
        if (*per == 0) {
            v.add("per_page has a value not allowed");
        } else if (*per > 100) {
            out.per_page = 100;
        } else if (*per > 0) {
            out.per_page = static_cast<std::uint64_t>(*per);
        }
    }
    return out;
}

std::string form_escape(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
            b == '_' || b == '.' || b == '-' || b == '~') {
            out.push_back(c);
        } else if (b == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 15U]);
        }
    }
    return out;
}

std::string page_url(const request_context& ctx, default_params defaults,
                     std::initializer_list<std::pair<std::string_view, std::string>> overrides) {
    // Sorted, as Rails' to_query sorts; arrays become key[]=v entries.
    std::map<std::string, std::vector<std::string>> q;
    std::map<std::string, bool> is_array;
    for (const auto& [k, v] : defaults) {
        q[std::string(k)] = {std::string(v)};
    }
    for (const auto& [k, v] : ctx.params.items()) {
        if (v.kind == param_value::shape::array) {
            q[k] = v.list;
            is_array[k] = true;
        } else if (v.kind == param_value::shape::scalar) {
            q[k] = {v.text};
            is_array[k] = false;
        }
    }
    for (const auto& [k, v] : overrides) {
        q[std::string(k)] = {v};
        is_array[std::string(k)] = false;
    }
    std::string url = ctx.base_url();
    url.append(ctx.req.path);
    char sep = '?';
    for (const auto& [k, values] : q) {
        const bool arr = is_array[k];
        for (const auto& v : values) {
            url.push_back(sep);
            sep = '&';
            url += form_escape(arr ? k + "[]" : k);
            url.push_back('=');
            url += form_escape(v);
        }
    }
    return url;
}

void set_offset_headers(response& r, const request_context& ctx, const page_params& pg,
                        std::optional<std::uint64_t> total, bool has_more,
                        default_params defaults) {
    const std::string per = std::to_string(pg.per_page);
    std::string next;
    std::string prev;
    std::optional<std::uint64_t> pages;
    if (total) {
        pages = std::max<std::uint64_t>((*total + pg.per_page - 1) / pg.per_page, 1);
        if (pg.page < *pages) {
            next = std::to_string(pg.page + 1);
        }
        if (pg.page > 1 && pg.page <= *pages) {
            prev = std::to_string(pg.page - 1);
        }
    } else {
        if (has_more) {
            next = std::to_string(pg.page + 1);
        }
        if (pg.page > 1) {
            prev = std::to_string(pg.page - 1);
        }
    }
    r.set_header("X-Per-Page", per);
    r.set_header("X-Page", std::to_string(pg.page));
    r.set_header("X-Next-Page", next);
    r.set_header("X-Prev-Page", prev);
    if (total) {
        r.set_header("X-Total", std::to_string(*total));
        r.set_header("X-Total-Pages", std::to_string(*pages));
    }
    std::string link;
    auto add = [&](const std::string& page, std::string_view rel) {
        if (!link.empty()) {
            link += ", ";
        }
        link += '<';
        link += page_url(ctx, defaults, {{"page", page}, {"per_page", per}});
        link += ">; rel=\"";
        link += rel;
        link += '"';
    };
    if (!prev.empty()) {
        add(prev, "prev");
    }
    if (!next.empty()) {
        add(next, "next");
    }
    add("1", "first");
    if (pages) {
        add(std::to_string(*pages), "last");
    }
    r.set_header("Link", std::move(link));
}

} // namespace packyard::routing
