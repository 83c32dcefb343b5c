#include "routing/pypi/names.hpp"

#include "store/pypi.hpp"

#include <algorithm>
#include <regex>

namespace packyard::routing::pypi {
namespace {

/// GitLab's columns hold names and versions of up to 255 characters; the patterns below
/// backtrack, so they never see anything longer.
constexpr std::size_t max_text = 255;

/// A UTF-8 lead byte (not a continuation byte).
bool starts_character(char c) noexcept {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
}

} // namespace

std::string normalize(std::string_view name) {
    return store::pypi_normalized_name(name);
}

bool valid_name(std::string_view name) {
    // \A\@?(?>(([\w\-\.\+]*)\/)*([\w\-\.]+))@?(?>(([\w\-\.\+]*)\/)*([\w\-\.]*))\z. The atomic
    // groups change nothing here: '+' may only stand before a '/', and the repeated groups need
    // a '/' each, so no second way to match exists for backtracking to find.
    static const std::regex pattern(R"(@?(?:[\w\-.+]*/)*[\w\-.]+@?(?:[\w\-.+]*/)*[\w\-.]*)",
                                    std::regex::ECMAScript | std::regex::optimize);
    return !name.empty() && name.size() <= max_text &&
           std::regex_match(name.begin(), name.end(), pattern);
}

bool valid_version(std::string_view version) {
    static const std::regex pattern(R"(v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*)"
                                    R"((?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?)"
                                    R"((?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?)"
                                    R"((?:[-_.]?dev[-_.]?[0-9]*)?)"
                                    R"((?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?)",
                                    std::regex::ECMAScript | std::regex::icase |
                                        std::regex::optimize);
    return !version.empty() && version.size() <= max_text &&
           std::regex_match(version.begin(), version.end(), pattern);
}

bool valid_sha256(std::string_view digest) noexcept {
    return digest.size() == 64 && std::all_of(digest.begin(), digest.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
           });
}

std::string truncate(std::string_view text, std::size_t max) {
    const auto characters =
        static_cast<std::size_t>(std::count_if(text.begin(), text.end(), starts_character));
    if (characters <= max) {
        return std::string(text);
    }
    constexpr std::string_view omission = "...";
    const std::size_t keep = max > omission.size() ? max - omission.size() : 0;
    std::size_t seen = 0;
    std::size_t end = 0;
    for (; end < text.size(); ++end) {
        if (starts_character(text[end]) && seen++ == keep) {
            break;
        }
    }
    return std::string(text.substr(0, end)) + std::string(omission);
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace packyard::routing::pypi
