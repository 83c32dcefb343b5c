#include "routing/router.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace packyard::routing {
namespace {

template <class Parts>
Parts split_path(std::string_view path) {
    Parts parts;
    if (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    if (path.empty()) {
        return parts; // "/": no segments (the home page's pattern and path)
    }
    while (true) {
        const auto slash = path.find('/');
        parts.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return parts;
}

} // namespace

router::router(std::span<const route> table)
    : table_(table) {
    for (const auto& r : table_) {
        compiled c{&r, {}};
        for (auto part : split_path<std::vector<std::string_view>>(r.pattern)) {
            if (part.empty()) {
                throw std::invalid_argument("empty segment in route " + std::string(r.pattern));
            }
            if (part.front() == ':') {
                const bool rest = part.back() == '*';
                const auto name = part.substr(1, part.size() - (rest ? 2 : 1));
                c.segments.push_back({rest ? segment::kind::rest : segment::kind::param, name});
                c.has_rest = c.has_rest || rest;
            } else {
                c.segments.push_back({segment::kind::literal, part});
            }
        }
        for (const auto& other : compiled_) {
            if (other.r->verb == r.verb && other.r->pattern == r.pattern) {
                throw std::invalid_argument("duplicate route " + std::string(r.pattern));
            }
        }
        compiled_.push_back(std::move(c));
    }
    if (compiled_.size() > std::numeric_limits<std::uint16_t>::max()) {
        throw std::invalid_argument("too many routes");
    }
    for (std::size_t i = 0; i < compiled_.size(); ++i) {
        const auto& c = compiled_[i];
        auto& lists = by_shape_[static_cast<std::size_t>(c.r->verb)];
        const auto index = static_cast<std::uint16_t>(i);
        for (std::size_t n = 0; n <= indexed_parts; ++n) {
            if (c.has_rest ? n >= c.segments.size() : n == c.segments.size()) {
                lists[n].push_back(index);
            }
        }
        lists[indexed_parts + 1].push_back(index);
    }
}

const std::vector<std::uint16_t>& router::candidates(method m, std::size_t parts) const {
    return by_shape_[static_cast<std::size_t>(m)][std::min(parts, indexed_parts + 1)];
}

bool router::match_one(const compiled& c, const parts_type& parts, route_match& out) const {
    out.params.clear();
    // Most routes fail on their number of segments; reject those before comparing text.
    if (c.has_rest ? parts.size() < c.segments.size() : parts.size() != c.segments.size()) {
        return false;
    }
    return match_from(c, 0, parts, 0, out);
}

bool router::match_from(const compiled& c, std::size_t s, const parts_type& parts, std::size_t i,
                        route_match& out) const {
    for (; s < c.segments.size(); ++s, ++i) {
        const auto& seg = c.segments[s];
        if (seg.k == segment::kind::rest) {
            // One or more whole segments, slashes included; as few as the rest of the pattern
            // allows (Mustermann's splat: "*package_name/-/*file_name" splits at the first "-").
            const std::size_t after = c.segments.size() - s - 1;
            const std::size_t kept = out.params.size();
            for (std::size_t end = i + 1; end + after <= parts.size(); ++end) {
                if (parts[end - 1].empty()) {
                    return false;
                }
                if (after != 0 && !match_from(c, s + 1, parts, end, out)) {
                    out.params.resize(kept);
                    continue;
                }
                if (after == 0 && end != parts.size()) {
                    continue;
                }
                const char* begin = parts[i].data();
                const char* stop = parts[end - 1].data() + parts[end - 1].size();
                out.params.emplace(out.params.begin() + static_cast<std::ptrdiff_t>(kept), seg.text,
                                   std::string_view(begin, static_cast<std::size_t>(stop - begin)));
                return true;
            }
            return false;
        }
        if (i >= parts.size()) {
            return false;
        }
        if (seg.k == segment::kind::literal) {
            if (parts[i] != seg.text) {
                return false;
            }
        } else {
            if (parts[i].empty()) {
                return false;
            }
            out.params.emplace_back(seg.text, parts[i]);
        }
    }
    return i == parts.size();
}

route_match router::match(method m, std::string_view encoded_path) const {
    const auto parts = split_path<parts_type>(encoded_path);
    // The same path without its trailing slash, for the rows that accept one.
    parts_type trimmed;
    if (parts.size() > 1 && parts.back().empty()) {
        trimmed.assign(parts.begin(), parts.end() - 1);
    }
    const method want = m == method::head ? method::get : m;
    route_match out;
    // A row that takes the path with its trailing slash dropped can come earlier in the table
    // than one that takes it whole: walk the union of both candidate lists in table order.
    const auto& whole = candidates(want, parts.size());
    static const std::vector<std::uint16_t> none;
    const auto& cut = trimmed.empty() ? none : candidates(want, trimmed.size());
    auto a = whole.begin();
    auto b = cut.begin();
    while (a != whole.end() || b != cut.end()) {
        const bool from_whole = b == cut.end() || (a != whole.end() && *a <= *b);
        const std::uint16_t index = from_whole ? *a : *b;
        if (a != whole.end() && *a == index) {
            ++a;
        }
        if (b != cut.end() && *b == index) {
            ++b;
        }
        const auto& c = compiled_[index];
        const bool slash_ok = (c.r->flags & trailing_slash) != 0 && !trimmed.empty();
        if (match_one(c, parts, out) || (slash_ok && match_one(c, trimmed, out))) {
            out.matched = c.r;
            return out;
        }
    }
    // No route for this method: the methods that do match the path make the Allow header.
    route_match probe;
    for (const auto& c : compiled_) {
        if (c.r->verb != want && match_one(c, parts, probe)) {
            const auto name = method_name(c.r->verb);
            if (out.allow.find(name) == std::string::npos) {
                if (!out.allow.empty()) {
                    out.allow += ", ";
                }
                out.allow += name;
                if (c.r->verb == method::get) {
                    out.allow += ", HEAD";
                }
            }
        }
    }
    out.params.clear();
    if (!out.allow.empty()) {
        out.allow = "OPTIONS, " + out.allow;
    }
    return out;
}

} // namespace packyard::routing
