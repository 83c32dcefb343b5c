// The query string and form body parser (routing/params.cpp: parse_urlencoded), Grape's typed
// reads over what it returns, and the access log's redaction of the same bytes
// (server/access_log.cpp: redact_target), which reads keys leniently.
//
// Invariants: a parsed map holds at most max_params values,
// and encoded again it parses to the same map; the redacted target parses to the same keys with
// every value the log rule calls secret (private_token, job_token, token, *password*, …)
// replaced by [FILTERED], and every other value unchanged.

#include "fuzz_support.hpp"
#include "routing/params.hpp"
#include "server/access_log.hpp"
#include "store/text.hpp"

#include <string>

using namespace packyard;
using routing::param_map;
using routing::param_value;

namespace {

bool same(const param_value& a, const param_value& b) {
    return a.kind == b.kind && a.text == b.text && a.list == b.list;
}

bool same(const param_map& a, const param_map& b) {
    if (a.items().size() != b.items().size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.items().size(); ++i) {
        if (a.items()[i].first != b.items()[i].first ||
            !same(a.items()[i].second, b.items()[i].second)) {
            return false;
        }
    }
    return true;
}

/// Every byte but RFC 3986's unreserved ones as %XX.
std::string encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4U];
            out += hex[u & 15U];
        }
    }
    return out;
}

std::string encode(const param_map& m) {
    std::string out;
    auto pair = [&out](std::string_view k, std::string_view v) {
        out += out.empty() ? "" : "&";
        out.append(k).append("=").append(encode(v));
    };
    for (const auto& [k, v] : m.items()) {
        if (v.kind == param_value::shape::array) {
            for (const auto& e : v.list) {
                pair(encode(k) + "[]", e);
            }
        } else {
            pair(encode(k), v.text);
        }
    }
    return out;
}

/// The log's rule on a decoded key (server/access_log.hpp).
bool secret_key(std::string_view decoded) {
    std::string key = store::lower(decoded);
    key = key.substr(0, key.find('['));
    return key.ends_with("token") || key.find("password") != std::string::npos ||
           key.find("secret") != std::string::npos;
}

void typed_reads(const param_map& m) {
    routing::validation v;
    for (const auto& [k, value] : m.items()) {
        if (const auto i = routing::int_param(m, k, v)) {
            FUZZ_CHECK(routing::parse_int(std::to_string(*i)) == *i);
        }
        if (const auto b = routing::bool_param(m, k, v)) {
            FUZZ_CHECK(routing::parse_bool(store::lower(value.text)) == *b);
        }
        (void)routing::string_param(m, k, v);
        (void)routing::required_string(m, k, v);
        (void)routing::enum_param(m, k, {"asc", "desc"}, v);
    }
    FUZZ_CHECK(v.ok() == v.message().empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view query = fuzz::text(data, size);

    // A refused query may leave the pairs before its fault in the map: every caller answers 400
    // and drops the map.
    param_map m;
    m.set("sentinel", param_value{param_value::shape::scalar, "kept", {}});
    const auto parsed = routing::parse_urlencoded(query, m);
    if (!parsed) {
        FUZZ_CHECK(!parsed.reason().empty());
    } else {
        std::size_t values = 0;
        for (const auto& [k, v] : m.items()) {
            FUZZ_CHECK(!k.empty());
            values += v.kind == param_value::shape::array ? v.list.size() : 1;
        }
        FUZZ_CHECK(values <= routing::max_params + 1); // and the sentinel

        param_map fresh;
        FUZZ_CHECK(routing::parse_urlencoded(query, fresh));
        param_map again;
        FUZZ_CHECK(routing::parse_urlencoded(encode(fresh), again));
        FUZZ_CHECK(same(fresh, again));
        typed_reads(fresh);

        // What the access log writes of this query keeps no secret and nothing else changes.
        const std::string redacted = server::redact_target("/p?" + std::string(query));
        FUZZ_CHECK(redacted.starts_with("/p?"));
        param_map logged;
        FUZZ_CHECK(routing::parse_urlencoded(std::string_view(redacted).substr(3), logged));
        FUZZ_CHECK(logged.items().size() == fresh.items().size());
        for (std::size_t i = 0; i < fresh.items().size(); ++i) {
            const auto& [k, v] = fresh.items()[i];
            const auto& [lk, lv] = logged.items()[i];
            FUZZ_CHECK(k == lk && v.kind == lv.kind && v.list.size() == lv.list.size());
            if (!secret_key(k)) {
                FUZZ_CHECK(same(v, lv));
                continue;
            }
            FUZZ_CHECK(lv.text.empty() || lv.text == "[FILTERED]");
            FUZZ_CHECK(v.text.empty() || lv.text == "[FILTERED]");
            for (const auto& e : lv.list) {
                FUZZ_CHECK(e.empty() || e == "[FILTERED]");
            }
        }
    }
    // The log reads any target, parsable or not, without failing.
    (void)server::redact_target(query);
    return 0;
}
