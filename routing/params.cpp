#include "routing/params.hpp"

#include <boost/url/pct_string_view.hpp>
#include <charconv>
#include <cmath>
#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace packyard::routing {

namespace {
// Below this many entries a linear scan beats hashing (most maps hold a few query parameters).
constexpr std::size_t linear_limit = 16;
} // namespace

param_value* param_map::find_mutable(std::string_view key) noexcept {
    if (!index_.empty()) {
        const auto it = index_.find(key);
        return it == index_.end() ? nullptr : &items_[it->second].second;
    }
    for (auto& [k, v] : items_) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

const param_value* param_map::find(std::string_view key) const noexcept {
    return const_cast<param_map*>(this)->find_mutable(key);
}

void param_map::append(std::string key, param_value v) {
    items_.emplace_back(std::move(key), std::move(v));
    if (!index_.empty()) {
        index_.emplace(items_.back().first, items_.size() - 1);
    } else if (items_.size() > linear_limit) {
        index_.reserve(items_.size() * 2);
        for (std::size_t i = 0; i < items_.size(); ++i) {
            index_.emplace(items_[i].first, i);
        }
    }
}

void param_map::set(std::string key, param_value v) {
    if (param_value* existing = find_mutable(key)) {
        *existing = std::move(v);
        return;
    }
    append(std::move(key), std::move(v));
}

void param_map::add_pair(std::string key, std::string value) {
    if (key.size() > 2 && key.ends_with("[]")) {
        key.resize(key.size() - 2);
        if (param_value* existing = find_mutable(key)) {
            if (existing->kind != param_value::shape::array) {
                *existing = param_value{param_value::shape::array, {}, {}};
            }
            existing->list.push_back(std::move(value));
            return;
        }
        param_value pv{param_value::shape::array, {}, {}};
        pv.list.push_back(std::move(value));
        append(std::move(key), std::move(pv));
        return;
    }
    set(std::move(key), param_value{param_value::shape::scalar, std::move(value), {}});
}

std::string_view parse_outcome::reason() const noexcept {
    switch (what) {
    case kind::ok:
        return {};
    case kind::malformed:
        return "malformed parameters";
    case kind::too_many:
        return "too many parameters";
    case kind::too_deep:
        return "parameters nested too deeply";
    }
    return {};
}

parse_outcome parse_urlencoded(std::string_view encoded, param_map& out) {
    // Split by hand and let Boost.URL validate and decode each piece: Boost 1.81's
    // parse_query() over a view that is not NUL-terminated stretches the last value past the
    // view's end, so it is not used here.
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    std::size_t pairs = 0;
    while (!encoded.empty()) {
        const auto amp = encoded.find('&');
        const auto pair = encoded.substr(0, amp);
        encoded = amp == std::string_view::npos ? std::string_view{} : encoded.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        if (++pairs > max_params) {
            return {parse_outcome::kind::too_many};
        }
        const auto eq = pair.find('=');
        auto key = boost::urls::make_pct_string_view(pair.substr(0, eq));
        auto value = boost::urls::make_pct_string_view(
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!key || !value) {
            return {parse_outcome::kind::malformed};
        }
        std::string k = key->decode(opts);
        if (k.empty()) {
            continue;
        }
        out.add_pair(std::move(k), value->decode(opts));
    }
    return {};
}

namespace {

/// RapidJSON SAX events of one JSON object body, turned into parameters as they arrive: no DOM,
/// no recursion (the reader runs iteratively), and the work stops at the first limit crossed.
class json_params : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, json_params> {
public:
    explicit json_params(param_map& out)
        : out_(out)
        , text_writer_(text_) {}

    parse_outcome::kind failure = parse_outcome::kind::malformed;

    bool StartObject() { return open(true); }
    bool StartArray() { return open(false); }
    bool EndObject(rapidjson::SizeType /*members*/) { return close(true); }
    bool EndArray(rapidjson::SizeType /*elements*/) { return close(false); }

    bool Key(const char* s, rapidjson::SizeType n, bool /*copy*/) {
        if (depth_ == 1) {
            key_.assign(s, n);
            return true;
        }
        return capturing() ? text_writer_.Key(s, n) : true;
    }
    bool String(const char* s, rapidjson::SizeType n, bool /*copy*/) {
        if (capturing()) {
            return text_writer_.String(s, n);
        }
        return scalar(std::string(s, n));
    }
    bool Null() {
        if (capturing()) {
            return text_writer_.Null();
        }
        if (depth_ == 1) {
            return member(param_value{param_value::shape::null, {}, {}});
        }
        return scalar("null");
    }
    bool Bool(bool b) { return capturing() ? text_writer_.Bool(b) : scalar(b ? "true" : "false"); }
    bool Int(int i) {
        return number([&](auto& w) { return w.Int(i); });
    }
    bool Uint(unsigned u) {
        return number([&](auto& w) { return w.Uint(u); });
    }
    bool Int64(std::int64_t i) {
        return number([&](auto& w) { return w.Int64(i); });
    }
    bool Uint64(std::uint64_t u) {
        return number([&](auto& w) { return w.Uint64(u); });
    }
    bool Double(double d) {
        // RapidJSON 1.1.0 reads 21e308 as infinity, which JSON cannot spell: the body is
        // malformed wherever it stands (its Writer wrote "" for it as a member, and refused it
        // inside an array).
        return std::isfinite(d) && number([&](auto& w) { return w.Double(d); });
    }

private:
    /// Inside an array element that is itself an array or object: its JSON text is kept.
    bool capturing() const noexcept { return capture_from_ != 0 && depth_ >= capture_from_; }
    /// Inside a member whose value is an object: its contents are skipped.
    bool skipping() const noexcept { return skip_from_ != 0 && depth_ >= skip_from_; }

    bool counted() {
        if (++count_ > max_params) {
            failure = parse_outcome::kind::too_many;
            return false;
        }
        return true;
    }

    bool open(bool object) {
        if (++depth_ > max_json_depth) {
            failure = parse_outcome::kind::too_deep;
            return false;
        }
        if (depth_ == 1) {
            return object; // the body must be one object
        }
        if (skipping()) {
            return true;
        }
        if (capturing()) {
            return object ? text_writer_.StartObject() : text_writer_.StartArray();
        }
        if (depth_ == 2 && object) {
            skip_from_ = 2; // a member whose value is an object: its shape is all that is kept
            return true;
        }
        if (depth_ == 2) {
            array_ = param_value{param_value::shape::array, {}, {}};
            return true;
        }
        // depth 3: an array element that is an array or an object, kept as its JSON text.
        if (!counted()) {
            return false;
        }
        capture_from_ = depth_;
        text_.Clear();
        text_writer_.Reset(text_);
        return object ? text_writer_.StartObject() : text_writer_.StartArray();
    }

    bool close(bool object) {
        const std::size_t level = depth_--;
        if (level == 1) {
            return true;
        }
        if (skip_from_ != 0) {
            if (level == skip_from_) {
                skip_from_ = 0;
                return member(param_value{param_value::shape::object, {}, {}});
            }
            return true;
        }
        if (capture_from_ != 0) {
            const bool ok = object ? text_writer_.EndObject() : text_writer_.EndArray();
            if (level == capture_from_) {
                capture_from_ = 0;
                array_.list.emplace_back(text_.GetString(), text_.GetSize());
            }
            return ok;
        }
        // level 2: the end of a member's array
        return member(std::move(array_));
    }

    bool member(param_value v) {
        if (depth_ == 1 && v.kind != param_value::shape::array &&
            v.kind != param_value::shape::object && !counted()) {
            return false;
        }
        out_.set(key_, std::move(v));
        return true;
    }

    bool scalar(std::string text) {
        if (depth_ == 0) {
            return false; // a bare scalar is not an object
        }
        if (skipping()) {
            return true;
        }
        if (depth_ == 1) {
            return member(param_value{param_value::shape::scalar, std::move(text), {}});
        }
        if (!counted()) {
            return false;
        }
        array_.list.push_back(std::move(text));
        return true;
    }

    /// Numbers keep the text RapidJSON's Writer gives them (1e2 reads back as "100.0").
    template <class Write>
    bool number(Write write) {
        if (capturing()) {
            return write(text_writer_);
        }
        if (skipping()) {
            return true;
        }
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        write(w);
        return scalar(std::string(sb.GetString(), sb.GetSize()));
    }

    param_map& out_;
    std::size_t depth_ = 0;
    std::size_t count_ = 0;
    std::size_t skip_from_ = 0;
    std::size_t capture_from_ = 0;
    std::string key_;
    param_value array_;
    rapidjson::StringBuffer text_;
    rapidjson::Writer<rapidjson::StringBuffer> text_writer_;
};

} // namespace

parse_outcome parse_json_object(std::string_view body, param_map& out) {
    // Members land in a map of their own so that a body refused half-way changes nothing.
    param_map parsed;
    json_params handler(parsed);
    rapidjson::MemoryStream ms(body.data(), body.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(ms);
    rapidjson::Reader reader;
    if (reader.Parse<rapidjson::kParseIterativeFlag>(in, handler).IsError()) {
        const bool stopped = reader.GetParseErrorCode() == rapidjson::kParseErrorTermination;
        return {stopped ? handler.failure : parse_outcome::kind::malformed};
    }
    if (out.items().empty()) {
        out = std::move(parsed);
    } else {
        for (auto& [k, v] : parsed.items_) {
            out.set(std::move(k), std::move(v));
        }
    }
    return {};
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
