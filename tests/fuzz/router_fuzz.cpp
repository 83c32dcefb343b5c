// The router (routing/router.cpp) over the whole route table: the first byte picks the method,
// the rest is the encoded path as the request line carries it.
//
// Invariants: a match is a row of the method asked (HEAD as GET) whose pattern, filled with the
// parameters found, spells the path again (a trailing '/' only where the row allows one); each
// parameter is one non-empty segment, a :name* one or more; the parameters come in the
// pattern's order; a path known under other methods lists them after OPTIONS, each once, and
// every one of them matches.

#include "fuzz_support.hpp"
#include "routing/router.hpp"

#include <boost/url/pct_string_view.hpp>
#include <string>
#include <vector>

using namespace packyard;
using routing::method;

namespace {

std::vector<std::string_view> split_slash(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto at = s.find('/');
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) {
            return out;
        }
        s.remove_prefix(at + 1);
    }
}

/// The pattern with its parameters filled in; empty when a parameter is missing or out of order.
std::string fill(std::string_view pattern, const routing::route_match& m) {
    if (pattern == "/") {
        return m.params.empty() ? std::string("/") : std::string(); // the home page: no segment
    }
    std::string out;
    std::size_t next = 0;
    for (auto seg : split_slash(pattern.substr(1))) {
        out += '/';
        if (seg.front() != ':') {
            out.append(seg);
            continue;
        }
        const bool rest = seg.back() == '*';
        const auto name = seg.substr(1, seg.size() - (rest ? 2 : 1));
        if (next >= m.params.size() || m.params[next].first != name) {
            return {};
        }
        const auto value = m.params[next++].second;
        FUZZ_CHECK(!value.empty());
        FUZZ_CHECK(rest || value.find('/') == std::string_view::npos);
        FUZZ_CHECK(!rest || (value.front() != '/' && value.back() != '/' &&
                             value.find("//") == std::string_view::npos));
        out.append(value);
    }
    return next == m.params.size() ? out : std::string();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    static const routing::router table(routing::all_routes());
    static constexpr method methods[] = {method::get,     method::head,  method::post,
                                         method::put,     method::patch, method::delete_,
                                         method::options, method::other};
    const method verb = methods[data[0] % 8];
    const std::string_view path = fuzz::text(data + 1, size - 1);

    const auto m = table.match(verb, path);
    const auto again = table.match(verb, path);
    FUZZ_CHECK(m.matched == again.matched && m.params == again.params && m.allow == again.allow);

    if (m.matched != nullptr) {
        FUZZ_CHECK(m.allow.empty());
        const method want = verb == method::head ? method::get : verb;
        FUZZ_CHECK(m.matched->verb == want);
        std::string spelled(path.starts_with('/') ? path : "/" + std::string(path));
        const std::string filled = fill(m.matched->pattern, m);
        FUZZ_CHECK(!filled.empty());
        if (filled != spelled) {
            FUZZ_CHECK((m.matched->flags & routing::trailing_slash) != 0);
            FUZZ_CHECK(spelled == filled + "/");
        }
        for (const auto& [name, raw] : m.params) {
            // As request_context::path_param decodes them.
            if (auto pct = boost::urls::make_pct_string_view(raw)) {
                FUZZ_CHECK(pct->decoded_size() <= raw.size());
                (void)pct->decode();
            }
        }
        return 0;
    }
    FUZZ_CHECK(m.params.empty());
    if (m.allow.empty()) {
        return 0;
    }
    FUZZ_CHECK(m.allow.starts_with("OPTIONS, "));
    std::vector<std::string_view> listed;
    std::string_view rest = std::string_view(m.allow).substr(9);
    for (;;) {
        const auto comma = rest.find(", ");
        listed.push_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(comma + 2);
    }
    for (std::size_t i = 0; i < listed.size(); ++i) {
        for (std::size_t j = i + 1; j < listed.size(); ++j) {
            FUZZ_CHECK(listed[i] != listed[j]);
        }
        const method lm = routing::parse_method(listed[i]);
        FUZZ_CHECK(lm != verb && !(lm == method::get && verb == method::head));
        FUZZ_CHECK(table.match(lm, path).matched != nullptr);
    }
    return 0;
}
