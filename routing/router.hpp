#pragma once

// Matches an encoded path against the compiled route table. Matching happens on the *encoded*
// path so that GitLab's "group%2Fproject" stays one segment; parameters are decoded afterwards.

#include "routing/route.hpp"

#include <array>
#include <boost/container/small_vector.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace packyard::routing {

struct route_match {
    const route* matched = nullptr;
    /// Encoded parameter values, in pattern order: (name, value).
    boost::container::small_vector<std::pair<std::string_view, std::string_view>, 4> params;
    /// Set when the path is known but the method is not: the methods that would match.
    std::string allow;
};

class router {
public:
    /// Compiles the table; throws std::invalid_argument on a malformed or duplicate pattern.
    explicit router(std::span<const route> table);

    /// HEAD matches GET routes. No match and no allow: unknown path.
    route_match match(method m, std::string_view encoded_path) const;

    std::span<const route> table() const noexcept { return table_; }

private:
    struct segment {
        enum class kind : std::uint8_t { literal, param, rest } k;
        std::string_view text; ///< literal text or parameter name
    };
    struct compiled {
        const route* r;
        std::vector<segment> segments;
        bool has_rest = false; ///< has a :name* segment (matches one or more parts)
    };

    /// The segments of a path; paths of more segments than this still match, on the heap.
    using parts_type = boost::container::small_vector<std::string_view, 16>;
    bool match_one(const compiled& c, const parts_type& parts, route_match& out) const;
    /// Matches segments from s on against parts from i on, appending parameters.
    bool match_from(const compiled& c, std::size_t s, const parts_type& parts, std::size_t i,
                    route_match& out) const;
    /// The rows that can match a path of this method and number of segments, in table order.
    const std::vector<std::uint16_t>& candidates(method m, std::size_t parts) const;

    static constexpr std::size_t methods = static_cast<std::size_t>(method::other) + 1;
    /// Paths up to this many segments have their own candidate list; longer ones use the
    /// method's whole list.
    static constexpr std::size_t indexed_parts = 24;

    std::span<const route> table_;
    std::vector<compiled> compiled_;
    /// [method][segments]: compiled_ indices, in table order (the first match wins, so the
    /// order is kept); [method][indexed_parts + 1]: every row of the method.
    std::array<std::array<std::vector<std::uint16_t>, indexed_parts + 2>, methods> by_shape_;
};

/// The table of every endpoint (routes.cpp).
std::span<const route> all_routes();

} // namespace packyard::routing
