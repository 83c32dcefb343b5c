#include "routing/pagination.hpp"

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
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

// Rails' CGI.escape keeps the unreserved characters and writes a space as '+'.
constexpr boost::urls::grammar::lut_chars
    cgi_unreserved("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~");

void append_form_escaped(std::string& out, std::string_view s) {
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    const std::size_t at = out.size();
    out.resize(at + boost::urls::encoded_size(s, cgi_unreserved, opts));
    boost::urls::encode(out.data() + at, out.size() - at, s, cgi_unreserved, opts);
}

std::string form_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    append_form_escaped(out, s);
    return out;
}

namespace {

/// One param of a page URL: a scalar value, or an array written as key[]=v per element.
struct query_entry {
    std::string_view key;
    std::string_view value;
    const std::vector<std::string>* list = nullptr;
};

/// The page URL's params sorted by name (Rails' to_query), later sources replacing earlier
/// ones: defaults, then the request's params, then the overrides. Views into the arguments.
template <class Overrides>
std::vector<query_entry> query_entries(const request_context& ctx, default_params defaults,
                                       const Overrides& overrides) {
    std::vector<query_entry> q;
    q.reserve(defaults.size() + ctx.params.items().size() + 2);
    auto set = [&q](query_entry e) {
        for (auto& x : q) {
            if (x.key == e.key) {
                x = e;
                return;
            }
        }
        q.push_back(e);
    };
    for (const auto& [k, v] : defaults) {
        set({k, v, nullptr});
    }
    for (const auto& [k, v] : ctx.params.items()) {
        if (v.kind == param_value::shape::array) {
            set({k, {}, &v.list});
        } else if (v.kind == param_value::shape::scalar) {
            set({k, v.text, nullptr});
        }
    }
    for (const auto& [k, v] : overrides) {
        set({k, v, nullptr});
    }
    std::sort(q.begin(), q.end(),
              [](const query_entry& a, const query_entry& b) { return a.key < b.key; });
    return q;
}

void append_entry(std::string& url, char& sep, const query_entry& e) {
    auto one = [&](std::string_view v) {
        url.push_back(sep);
        sep = '&';
        append_form_escaped(url, e.key);
        if (e.list != nullptr) {
            url.append("%5B%5D"); // "[]", as CGI.escape writes it
        }
        url.push_back('=');
        append_form_escaped(url, v);
    };
    if (e.list == nullptr) {
        one(e.value);
        return;
    }
    for (const auto& v : *e.list) {
        one(v);
    }
}

} // namespace

std::string page_url(const request_context& ctx, default_params defaults,
                     std::initializer_list<std::pair<std::string_view, std::string>> overrides) {
    std::string url = ctx.base_url();
    url.append(ctx.req.path);
    char sep = '?';
    for (const auto& e : query_entries(ctx, defaults, overrides)) {
        append_entry(url, sep, e);
    }
    return url;
}

void set_offset_headers(response& r, const request_context& ctx, const page_params& pg,
                        std::optional<std::uint64_t> total, bool has_more,
                        default_params defaults) {
    r.headers.reserve(r.headers.size() + 7); // the seven set below, Link included
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
    // Every link is the same URL but for the page number: render it once around that hole.
    const std::pair<std::string_view, std::string_view> overrides[] = {{"page", {}},
                                                                       {"per_page", per}};
    std::string head = ctx.base_url();
    head.append(ctx.req.path);
    std::string tail;
    char sep = '?';
    bool past_page = false;
    for (const auto& e : query_entries(ctx, defaults, overrides)) {
        if (e.key == "page") {
            head.push_back(sep);
            head.append("page=");
            sep = '&';
            past_page = true;
            continue;
        }
        append_entry(past_page ? tail : head, sep, e);
    }
    std::string link;
    link.reserve(4 * (head.size() + tail.size() + 24));
    auto add = [&](std::string_view page, std::string_view rel) {
        if (!link.empty()) {
            link += ", ";
        }
        link += '<';
        link += head;
        link += page;
        link += tail;
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
