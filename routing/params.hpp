#pragma once

// Request parameters as Grape merges them: path parameters, then the body (JSON or form),
// then the query string. Values keep their shape (scalar, array, null) for validation.

#include "routing/limits.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace packyard::routing {

struct param_value {
    enum class shape : std::uint8_t { scalar, array, null, object };
    shape kind = shape::scalar;
    std::string text;              ///< scalar text (numbers and booleans as their JSON text)
    std::vector<std::string> list; ///< array elements (scalars only)
};

struct parse_outcome;

/// Parameters in first-set order. Lookups are linear while the map is small (the common case:
/// a handful of query parameters) and go through a hash index once it grows, so building a map
/// of n distinct keys costs O(n), not O(n²), whatever a client sends.
class param_map {
public:
    /// Adds or replaces a value.
    void set(std::string key, param_value v);
    /// Adds key=value, or appends to an array for "key[]".
    void add_pair(std::string key, std::string value);
    const param_value* find(std::string_view key) const noexcept;
    const std::vector<std::pair<std::string, param_value>>& items() const noexcept {
        return items_;
    }

private:
    friend parse_outcome parse_json_object(std::string_view body, param_map& out);
    param_value* find_mutable(std::string_view key) noexcept;
    void append(std::string key, param_value v);

    struct hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::vector<std::pair<std::string, param_value>> items_;
    /// Key -> position in items_, kept once items_ outgrows a linear scan.
    std::unordered_map<std::string, std::size_t, hash, std::equal_to<>> index_;
};

/// The most parameters one query string or one body may carry (keys plus array elements);
/// past it nothing is parsed further.
constexpr std::size_t max_params = limits::params;
/// The deepest a JSON body may nest.
constexpr std::size_t max_json_depth = limits::json_depth;

/// How reading parameters ended; true when they were read.
struct parse_outcome {
    enum class kind : std::uint8_t { ok, malformed, too_many, too_deep };
    kind what = kind::ok;
    explicit operator bool() const noexcept { return what == kind::ok; }
    /// The reason for a 400, in the words of "400 Bad request - <reason>".
    std::string_view reason() const noexcept;
};

/// Parses an encoded query or form body ("a=1&b=x+y&s[]=1") into params (later keys win).
/// Fails on invalid percent-encoding, or past max_params pairs.
parse_outcome parse_urlencoded(std::string_view encoded, param_map& out);
/// Parses a JSON object body into params, in one streaming pass (RapidJSON's SAX reader):
/// members keep their shape (scalar, array of scalars, object, null); an array element that is
/// itself an array or object is kept as its JSON text. Fails unless the body is one JSON
/// object, past max_params values or past max_json_depth levels.
parse_outcome parse_json_object(std::string_view body, param_map& out);

/// Collects GitLab/Grape validation phrases ("x is missing", "y is invalid").
class validation {
public:
    void add(std::string phrase) { errors_.push_back(std::move(phrase)); }
    bool ok() const noexcept { return errors_.empty(); }
    /// The phrases joined with ", " as Grape does.
    std::string message() const;

private:
    std::vector<std::string> errors_;
};

/// Typed reads with Grape's coercion rules; a failed coercion adds "<name> is invalid".
std::optional<std::int64_t> int_param(const param_map& p, std::string_view name, validation& v);
std::optional<bool> bool_param(const param_map& p, std::string_view name, validation& v);
/// A scalar string; arrays/objects add "<name> is invalid".
std::optional<std::string> string_param(const param_map& p, std::string_view name, validation& v);
/// Required scalar string: absent adds "<name> is missing".
std::optional<std::string> required_string(const param_map& p, std::string_view name,
                                           validation& v);
/// One of allowed values; otherwise "<name> does not have a valid value".
std::optional<std::string> enum_param(const param_map& p, std::string_view name,
                                      std::span<const std::string_view> allowed, validation& v);
inline std::optional<std::string> enum_param(const param_map& p, std::string_view name,
                                             std::initializer_list<std::string_view> allowed,
                                             validation& v) {
    return enum_param(p, name, std::span<const std::string_view>(allowed.begin(), allowed.size()),
                      v);
}

/// Grape's boolean coercion: true/1/t/y/yes/on and false/0/f/n/no/off/"" (case-insensitive).
std::optional<bool> parse_bool(std::string_view s) noexcept;
/// A base-10 integer with an optional sign (Grape Integer coercion), or nullopt.
std::optional<std::int64_t> parse_int(std::string_view s) noexcept;

} // namespace packyard::routing
