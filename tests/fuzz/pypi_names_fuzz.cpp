// PyPI's names, versions and metadata text as GitLab treats them (routing/pypi/names.cpp,
// routing/pypi/simple_pages.cpp: wants_json). The first byte is a length for truncate, the
// rest is the text, also read line by line as names, versions, digests and Accept headers.
//
// Invariants: normalize is idempotent and leaves no '_', '.', upper case or repeated '-';
// truncate keeps whole UTF-8 characters, at most its length, ending in "..." when it cut;
// html_escape leaves none of & < > " ' bare and is undone by unescaping; a valid SHA-256 is 64
// hex digits; the patterns (std::regex, bounded to 255 characters) answer without exhausting
// the stack.

#include "fuzz_support.hpp"
#include "routing/pypi/names.hpp"
#include "routing/pypi/simple_pages.hpp"

#include <algorithm>
#include <string>

using namespace packyard::routing::pypi;
namespace fuzz = packyard::fuzz;

namespace {

std::size_t characters(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool replaced = false;
        for (const auto& [entity, c] : {std::pair<std::string_view, char>{"&amp;", '&'},
                                        {"&lt;", '<'},
                                        {"&gt;", '>'},
                                        {"&quot;", '"'},
                                        {"&#39;", '\''}}) {
            if (s.substr(i).starts_with(entity)) {
                out += c;
                i += entity.size() - 1;
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            out += s[i];
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t max = data[0];
    const std::string_view text = fuzz::text(data + 1, size - 1);

    const std::string cut = truncate(text, max);
    if (characters(text) <= max) {
        FUZZ_CHECK(cut == text);
    } else {
        FUZZ_CHECK(characters(cut) <= std::max<std::size_t>(max, 3));
        FUZZ_CHECK(cut.ends_with("..."));
        const std::string_view kept = std::string_view(cut).substr(0, cut.size() - 3);
        FUZZ_CHECK(text.starts_with(kept));
        FUZZ_CHECK(kept.size() == text.size() ||
                   (static_cast<unsigned char>(text[kept.size()]) & 0xC0U) != 0x80U);
    }

    const std::string escaped = html_escape(text);
    FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos);
    FUZZ_CHECK(unescape(escaped) == text);

    for (const auto line : fuzz::lines(text)) {
        const std::string n = normalize(line);
        FUZZ_CHECK(normalize(n) == n);
        FUZZ_CHECK(n.find_first_of("_.ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
        FUZZ_CHECK(n.find("--") == std::string::npos);
        const bool name_ok = valid_name(line);
        FUZZ_CHECK(!name_ok || (!line.empty() && line.size() <= 255));
        const bool version_ok = valid_version(line);
        FUZZ_CHECK(!version_ok || (!line.empty() && line.size() <= 255));
        if (valid_sha256(line)) {
            FUZZ_CHECK(line.size() == 64 &&
                       line.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos);
        }
        if (wants_json(line)) {
            FUZZ_CHECK(line.find("application/vnd.pypi.simple.") != std::string_view::npos);
        }
    }
    return 0;
}
