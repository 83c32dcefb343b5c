// JSON request bodies (routing/params.cpp: parse_json_object), the SAX reader every JSON body a
// handler reads goes through (users, tokens, groups, projects, members, pipelines, the build
// info cursor), and Grape's typed reads over what it returns.
//
// Invariants: a refused body changes nothing; a body RapidJSON's DOM reads as an object within
// the depth and count bounds is accepted, and its parameters are the DOM's members (the last
// duplicate wins, in first-seen order; numbers as RapidJSON's Writer spells them; an array's
// nested values as their JSON text); a body the DOM refuses, or that is not an object, is
// refused, and so is one with a number that overflows to infinity; too_deep and too_many only
// past their bounds.

#include "fuzz_support.hpp"
#include "routing/params.hpp"

#include <algorithm>
#include <cmath>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <string>
#include <vector>

using namespace packyard;
using routing::param_map;
using routing::param_value;
using shape = param_value::shape;

namespace {

bool same(const param_map& a, const param_map& b) {
    if (a.items().size() != b.items().size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.items().size(); ++i) {
        const auto& [ka, va] = a.items()[i];
        const auto& [kb, vb] = b.items()[i];
        if (ka != kb || va.kind != vb.kind || va.text != vb.text || va.list != vb.list) {
            return false;
        }
    }
    return true;
}

std::string json_text(const rapidjson::Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return {sb.GetString(), sb.GetSize()};
}

/// A scalar as a parameter's text: strings as they are, the rest as JSON.
std::string scalar_text(const rapidjson::Value& v) {
    return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : json_text(v);
}

struct reference {
    param_map params;
    std::size_t depth = 0;
    std::size_t count = 0;
    bool infinite = false; ///< a number that overflowed (RapidJSON reads 21e308 as infinity)
};

std::size_t depth_of(const rapidjson::Value& v, bool& infinite) {
    // Iterative: the fuzzer's documents may nest deeper than a stack.
    std::size_t deepest = 0;
    std::vector<std::pair<const rapidjson::Value*, std::size_t>> todo{{&v, 1}};
    while (!todo.empty()) {
        auto [x, d] = todo.back();
        todo.pop_back();
        infinite = infinite || (x->IsDouble() && !std::isfinite(x->GetDouble()));
        if (x->IsObject()) {
            deepest = std::max(deepest, d);
            for (const auto& m : x->GetObject()) {
                todo.emplace_back(&m.value, d + 1);
            }
        } else if (x->IsArray()) {
            deepest = std::max(deepest, d);
            for (const auto& e : x->GetArray()) {
                todo.emplace_back(&e, d + 1);
            }
        }
    }
    return deepest;
}

reference from_dom(const rapidjson::Value& doc) {
    reference r;
    r.depth = depth_of(doc, r.infinite);
    for (const auto& m : doc.GetObject()) {
        std::string key(m.name.GetString(), m.name.GetStringLength());
        const auto& v = m.value;
        param_value pv;
        if (v.IsNull()) {
            pv.kind = shape::null;
            ++r.count;
        } else if (v.IsObject()) {
            pv.kind = shape::object;
        } else if (v.IsArray()) {
            pv.kind = shape::array;
            for (const auto& e : v.GetArray()) {
                pv.list.push_back(e.IsObject() || e.IsArray() ? json_text(e) : scalar_text(e));
                ++r.count;
            }
        } else {
            pv.text = scalar_text(v);
            ++r.count;
        }
        r.params.set(std::move(key), std::move(pv));
    }
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = fuzz::text(data, size);

    param_map before;
    before.set("id", param_value{shape::scalar, "7", {}});
    param_map merged = before;
    const auto got = routing::parse_json_object(body, merged);
    if (!got) {
        FUZZ_CHECK(same(merged, before));
    }

    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        FUZZ_CHECK(!got); // malformed, or a bound crossed before the error
        return 0;
    }
    const reference ref = from_dom(doc);
    using kind = routing::parse_outcome::kind;
    if (ref.depth > routing::max_json_depth) {
        FUZZ_CHECK(got.what == kind::too_deep || got.what == kind::too_many);
        return 0;
    }
    if (ref.count > routing::max_params) {
        FUZZ_CHECK(got.what == kind::too_many);
        return 0;
    }
    if (ref.infinite) {
        FUZZ_CHECK(!got); // malformed, or a bound crossed first
        return 0;
    }
    FUZZ_CHECK(got.what == kind::ok);
    param_map alone;
    FUZZ_CHECK(routing::parse_json_object(body, alone));
    FUZZ_CHECK(same(alone, ref.params));

    // Grape's typed reads over the result, as the handlers make them.
    routing::validation v;
    for (const auto& [k, value] : alone.items()) {
        (void)routing::int_param(alone, k, v);
        (void)routing::bool_param(alone, k, v);
        (void)routing::string_param(alone, k, v);
        (void)routing::enum_param(alone, k, {"private", "internal", "public"}, v);
        if (value.kind == shape::array || value.kind == shape::object) {
            FUZZ_CHECK(!routing::string_param(alone, k, v));
        }
    }
    return 0;
}
