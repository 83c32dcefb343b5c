#include "routing/params.hpp"

#include <boost/url/pct_string_view.hpp>
#include <charconv>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace packyard::routing {

void param_map::set(std::string key, param_value v) {
    for (auto& [k, val] : items_) {
        if (k == key) {
            val = std::move(v);
            return;
        }
    }
    items_.emplace_back(std::move(key), std::move(v));
}

void param_map::add_pair(std::string key, std::string value) {
    if (key.size() > 2 && key.ends_with("[]")) {
        key.resize(key.size() - 2);
        for (auto& [k, val] : items_) {
            if (k == key) {
                if (val.kind != param_value::shape::array) {
                    val = param_value{param_value::shape::array, {}, {}};
                }
                val.list.push_back(std::move(value));
                return;
            }
        }
        param_value pv{param_value::shape::array, {}, {}};
        pv.list.push_back(std::move(value));
        items_.emplace_back(std::move(key), std::move(pv));
        return;
    }
    set(std::move(key), param_value{param_value::shape::scalar, std::move(value), {}});
}

const param_value* param_map::find(std::string_view key) const noexcept {
    for (const auto& [k, v] : items_) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

bool parse_urlencoded(std::string_view encoded, param_map& out) {
    // Split by hand and let Boost.URL validate and decode each piece: Boost 1.81's
    // parse_query() over a view that is not NUL-terminated stretches the last value past the
    // view's end, so it is not used here.
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    while (!encoded.empty()) {
        const auto amp = encoded.find('&');
        const auto pair = encoded.substr(0, amp);
        encoded = amp == std::string_view::npos ? std::string_view{} : encoded.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto eq = pair.find('=');
        auto key = boost::urls::make_pct_string_view(pair.substr(0, eq));
        auto value = boost::urls::make_pct_string_view(
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!key || !value) {
            return false;
        }
        std::string k = key->decode(opts);
        if (k.empty()) {
            continue;
        }
        out.add_pair(std::move(k), value->decode(opts));
    }
    return true;
}

namespace {

std::string scalar_text(const rapidjson::Value& v) {
    if (v.IsString()) {
        return {v.GetString(), v.GetStringLength()};
    }
    if (v.IsBool()) {
        return v.GetBool() ? "true" : "false";
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return {sb.GetString(), sb.GetSize()};
}

} // namespace

bool parse_json_object(std::string_view body, param_map& out) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        return false;
    }
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
        std::string key(it->name.GetString(), it->name.GetStringLength());
        const auto& v = it->value;
        param_value pv;
        if (v.IsNull()) {
            pv.kind = param_value::shape::null;
        } else if (v.IsArray()) {
            pv.kind = param_value::shape::array;
            for (const auto& e : v.GetArray()) {
                pv.list.push_back(scalar_text(e));
            }
        } else if (v.IsObject()) {
            pv.kind = param_value::shape::object;
        } else {
            pv.text = scalar_text(v);
        }
        out.set(std::move(key), std::move(pv));
    }
    return true;
}

std::string validation::message() const {
    std::string out;
    for (const auto& e : errors_) {
        if (!out.empty()) {
            out += ", ";
        }
        out += e;
    }
    return out;
}

std::optional<bool> parse_bool(std::string_view s) noexcept {
    std::string l;
    for (char c : s) {
        l.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    if (l == "true" || l == "1" || l == "t" || l == "y" || l == "yes" || l == "on") {
        return true;
    }
    if (l.empty() || l == "false" || l == "0" || l == "f" || l == "n" || l == "no" || l == "off") {
        return false;
    }
    return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view s) noexcept {
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
        if (!s.empty() && s.front() == '-') {
            return std::nullopt; // Ruby's Integer("+-5") raises
        }
    }
    std::int64_t v = 0;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc() || p != end) {
        return std::nullopt;
    }
    return v;
}

std::optional<std::int64_t> int_param(const param_map& p, std::string_view name, validation& v) {
    const param_value* pv = p.find(name);
    // Grape's PrimitiveCoercer#treat_as_nil?: '' for a non-String type is nil, not invalid.
    if (pv == nullptr || pv->kind == param_value::shape::null ||
        (pv->kind == param_value::shape::scalar && pv->text.empty())) {
        return std::nullopt;
    }
    if (pv->kind == param_value::shape::scalar) {
        if (auto i = parse_int(pv->text)) {
            return i;
        }
    }
    v.add(std::string(name) + " is invalid");
    return std::nullopt;
}

std::optional<bool> bool_param(const param_map& p, std::string_view name, validation& v) {
    const param_value* pv = p.find(name);
    if (pv == nullptr || pv->kind == param_value::shape::null ||
        (pv->kind == param_value::shape::scalar && pv->text.empty())) {
        return std::nullopt;
    }
    if (pv->kind == param_value::shape::scalar) {
        if (auto b = parse_bool(pv->text)) {
            return b;
        }
    }
    v.add(std::string(name) + " is invalid");
    return std::nullopt;
}

std::optional<std::string> string_param(const param_map& p, std::string_view name, validation& v) {
    const param_value* pv = p.find(name);
    if (pv == nullptr || pv->kind == param_value::shape::null) {
        return std::nullopt;
    }
    if (pv->kind != param_value::shape::scalar) {
        v.add(std::string(name) + " is invalid");
        return std::nullopt;
    }
    return pv->text;
}

std::optional<std::string> required_string(const param_map& p, std::string_view name,
                                           validation& v) {
    const param_value* pv = p.find(name);
    if (pv == nullptr || pv->kind == param_value::shape::null) {
        v.add(std::string(name) + " is missing");
        return std::nullopt;
    }
    return string_param(p, name, v);
}

std::optional<std::string> enum_param(const param_map& p, std::string_view name,
                                      std::span<const std::string_view> allowed, validation& v) {
    const param_value* pv = p.find(name);
    if (pv == nullptr || pv->kind == param_value::shape::null) {
        return std::nullopt;
    }
    if (pv->kind == param_value::shape::scalar) {
        for (auto a : allowed) {
            if (pv->text == a) {
                return pv->text;
            }
        }
    }
    v.add(std::string(name) + " does not have a valid value");
    return std::nullopt;
}

} // namespace packyard::routing
