// Credential parsing (routing/auth.cpp: find_credential and base64_decode): PRIVATE-TOKEN,
// private_token, Bearer, JOB-TOKEN, job_token / token and HTTP Basic. The input's first byte
// is the route's flags (job tokens, Basic), then one line each: Authorization, PRIVATE-TOKEN,
// JOB-TOKEN, the query string and a Cookie header (the web pages' session, routing/web/visit.cpp).
//
// Invariants: GitLab's order (PRIVATE-TOKEN, then private_token, then Bearer win over the
// rest); a job slot or Basic only where the route allows it; a Basic credential is what follows
// the first ':' of its decoded pair; base64_decode agrees with a strict decoder wherever that
// one accepts, reports lengths that fit its input, and undoes base64_encode. A cookie's value
// is a trimmed piece of its header between '=' and ';' that follows the cookie's name.

#include "fuzz_support.hpp"
#include "routing/auth.hpp"
#include "routing/params.hpp"
#include "routing/web/visit.hpp"

#include <array>
#include <string>

using namespace packyard;

namespace {

/// Strict RFC 4648 base64 with padding, or nothing.
std::optional<std::string> strict_decode(std::string_view in) {
    if (in.empty() || in.size() % 4 != 0) {
        return std::nullopt;
    }
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '+' ? 62 : (c == '/' ? 63 : -1);
    };
    std::size_t pad = 0;
    while (pad < 2 && in[in.size() - 1 - pad] == '=') {
        ++pad;
    }
    std::string out;
    std::uint32_t bits = 0;
    int held = 0;
    for (std::size_t i = 0; i < in.size() - pad; ++i) {
        const int v = value(in[i]);
        if (v < 0) {
            return std::nullopt;
        }
        bits = (bits << 6U) | static_cast<std::uint32_t>(v);
        held += 6;
        if (held >= 8) {
            held -= 8;
            out += static_cast<char>((bits >> static_cast<unsigned>(held)) & 0xFFU);
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const unsigned flags = data[0] & (routing::allow_job_token | routing::allow_basic_auth);
    const bool job_ok = (flags & routing::allow_job_token) != 0;
    const bool basic_ok = (flags & routing::allow_basic_auth) != 0;
    const std::string_view input = fuzz::text(data + 1, size - 1);
    auto fields = fuzz::lines(input);
    fields.resize(5);
    const auto authz = fields[0];

    routing::request req;
    req.headers = {{"Authorization", fields[0]},
                   {"PRIVATE-TOKEN", fields[1]},
                   {"JOB-TOKEN", fields[2]},
                   {"Cookie", fields[4]}};
    for (const auto name : {routing::web::session_cookie, routing::web::csrf_cookie}) {
        if (const auto value = routing::web::cookie(req, name)) {
            const auto cookies = fields[4];
            FUZZ_CHECK(value->data() >= cookies.data() &&
                       value->data() + value->size() <= cookies.data() + cookies.size());
            FUZZ_CHECK(value->find(';') == std::string_view::npos);
            FUZZ_CHECK(value->empty() || (value->front() != ' ' && value->back() != ' '));
            const auto before =
                cookies.substr(0, static_cast<std::size_t>(value->data() - cookies.data()));
            FUZZ_CHECK(before.find(name) != std::string_view::npos &&
                       before.find('=') != std::string_view::npos);
        }
    }
    routing::param_map params;
    (void)routing::parse_urlencoded(fields[3], params);

    const auto cred = routing::find_credential(req, params, flags);
    if (cred) {
        FUZZ_CHECK(!cred->job_slot || job_ok);
        FUZZ_CHECK(!cred->basic || basic_ok);
        const auto* private_token = params.find("private_token");
        if (!fields[1].empty()) {
            FUZZ_CHECK(cred->secret == fields[1] && !cred->job_slot && !cred->basic);
        } else if (private_token != nullptr &&
                   private_token->kind == routing::param_value::shape::scalar &&
                   !private_token->text.empty()) {
            FUZZ_CHECK(cred->secret == private_token->text && !cred->job_slot);
        } else if (authz.size() > 7 && routing::iequals(authz.substr(0, 7), "Bearer ")) {
            FUZZ_CHECK(cred->secret == authz.substr(7) && !cred->job_slot && !cred->basic);
        }
        if (cred->basic) {
            const auto pair = routing::base64_decode(authz.substr(6));
            FUZZ_CHECK(pair && pair->find(':') != std::string::npos);
            FUZZ_CHECK(pair->substr(pair->find(':') + 1) == cred->secret);
            FUZZ_CHECK(cred->job_slot == pair->starts_with("gitlab-ci-token:"));
        }
    } else {
        FUZZ_CHECK(fields[1].empty());
        FUZZ_CHECK(!(authz.size() > 7 && routing::iequals(authz.substr(0, 7), "Bearer ")));
        FUZZ_CHECK(!job_ok || fields[2].empty());
    }

    // base64 as Basic reads it.
    const std::string_view b64 = authz.size() > 6 ? authz.substr(6) : authz;
    if (const auto decoded = routing::base64_decode(b64)) {
        FUZZ_CHECK(decoded->size() <= b64.size() / 4 * 3);
        if (const auto strict = strict_decode(b64)) {
            FUZZ_CHECK(*decoded == *strict);
        }
    } else if (b64.size() <= 4096) {
        FUZZ_CHECK(!strict_decode(b64));
    }
    const std::string_view raw = input.substr(0, 3072);
    const std::string encoded = routing::base64_encode(raw);
    FUZZ_CHECK(encoded.size() == (raw.size() + 2) / 3 * 4);
    FUZZ_CHECK(strict_decode(encoded).value_or("?") == raw || raw.empty());
    FUZZ_CHECK(routing::base64_decode(encoded).value_or("?") == raw || raw.empty());
    for (const char c : routing::base64url_encode(raw)) {
        FUZZ_CHECK(c != '+' && c != '/');
    }
    return 0;
}
