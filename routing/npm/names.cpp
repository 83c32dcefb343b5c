#include "routing/npm/names.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace packyard::routing::npm {
namespace {

bool alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}

bool valid_scope(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    if (s.size() == 1) {
        return alnum(s[0]) || s[0] == '_';
    }
    const auto first_ok = alnum(s.front()) || s.front() == '_' || s.front() == '.';
    const auto last_ok = alnum(s.back()) || s.back() == '_' || s.back() == '-';
    const bool middle_ok = std::all_of(s.begin() + 1, s.end() - 1, [](char c) {
        return alnum(c) || c == '_' || c == '-' || c == '.';
    });
    return first_ok && last_ok && middle_ok && !s.ends_with(".git") && !s.ends_with(".atom");
}

bool valid_bare(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return alnum(c) || c == '-' || c == '+' || c == '.' || c == '_';
    });
}

/// A numeric identifier: 0 or no leading zero.
bool numeric_part(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), digit) && (s.size() == 1 || s[0] != '0');
}

bool identifier_char(char c) {
    return alnum(c) || c == '-';
}

/// A pre-release identifier: numeric without leading zero, or alphanumeric with a non-digit.
bool prerelease_part(std::string_view s) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), identifier_char)) {
        return false;
    }
    const bool all_digits = std::all_of(s.begin(), s.end(), digit);
    return !all_digits || numeric_part(s);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) {
            return out;
        }
        s.remove_prefix(at + 1);
    }
}

struct semver {
    std::string_view core[3];
    std::vector<std::string_view> pre;
};

std::optional<semver> parse(std::string_view v) {
    const auto plus = v.find('+');
    if (plus != std::string_view::npos) {
        const auto build = v.substr(plus + 1);
        for (auto part : split(build, '.')) {
            if (part.empty() || !std::all_of(part.begin(), part.end(), identifier_char)) {
                return std::nullopt;
            }
        }
        v = v.substr(0, plus);
    }
    semver out;
    const auto dash = v.find('-');
    if (dash != std::string_view::npos) {
        for (auto part : split(v.substr(dash + 1), '.')) {
            if (!prerelease_part(part)) {
                return std::nullopt;
            }
            out.pre.push_back(part);
        }
        v = v.substr(0, dash);
    }
    const auto core = split(v, '.');
    if (core.size() != 3) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < 3; ++i) {
        if (!numeric_part(core[i])) {
            return std::nullopt;
        }
        out.core[i] = core[i];
    }
    return out;
}

int compare_numeric(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return a.size() < b.size() ? -1 : 1;
    }
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

// ---- github/version_sorter (ext/version_sorter/version_sorter.c)

struct component {
    bool number = false;
    std::string_view text;
    std::uint64_t value = 0;
};

std::vector<component> components(std::string_view s) {
    std::vector<component> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (digit(c)) {
            std::size_t j = i;
            while (j < s.size() && digit(s[j])) {
                ++j;
            }
            component k;
            k.text = s.substr(i, j - i);
            // A number that overflows 32 bits compares as a string (as version_sorter does).
            k.number = k.text.size() <= 9 || (k.text.size() == 10 && k.text <= "4294967295");
            for (char d : k.text) {
                k.value = k.value * 10 + static_cast<std::uint64_t>(d - '0');
            }
            out.push_back(k);
            i = j;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-') {
            std::size_t j = i;
            while (j < s.size() &&
                   ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') || s[j] == '-')) {
                ++j;
            }
            out.push_back(component{false, s.substr(i, j - i), 0});
            i = j;
        } else {
            ++i; // separators: '.', '+', '_' and the rest
        }
    }
    return out;
}

int compare_components(const component& a, const component& b) {
    if (a.number && b.number) {
        return a.value < b.value ? -1 : (a.value == b.value ? 0 : 1);
    }
    if (a.number != b.number) {
        return a.number ? 1 : -1;
    }
    const auto n = std::min(a.text.size(), b.text.size());
    if (const int c = std::memcmp(a.text.data(), b.text.data(), n); c != 0) {
        return c < 0 ? -1 : 1;
    }
    return a.text.size() < b.text.size() ? -1 : (a.text.size() == b.text.size() ? 0 : 1);
}

} // namespace

bool valid_name(std::string_view name) noexcept {
    if (name.starts_with('@')) {
        const auto slash = name.find('/');
        if (slash == std::string_view::npos) {
            return false;
        }
        return valid_scope(name.substr(1, slash - 1)) && valid_bare(name.substr(slash + 1));
    }
    return valid_bare(name);
}

std::optional<std::string_view> scope_of(std::string_view name) noexcept {
    if (!name.starts_with('@') || name.find('/') == std::string_view::npos || !valid_name(name)) {
        return std::nullopt;
    }
    return name.substr(1, name.find('/') - 1);
}

bool valid_semver(std::string_view version) noexcept {
    return parse(version).has_value();
}

std::optional<bool> same_version(std::string_view a, std::string_view b) noexcept {
    auto loose = [](std::string_view v) {
        while (!v.empty() && (v.front() == ' ' || v.front() == 'v' || v.front() == '=')) {
            v.remove_prefix(1);
        }
        while (!v.empty() && v.back() == ' ') {
            v.remove_suffix(1);
        }
        return v;
    };
    auto x = parse(loose(a));
    auto y = parse(loose(b));
    if (!x || !y) {
        return std::nullopt;
    }
    for (int i = 0; i < 3; ++i) {
        if (compare_numeric(x->core[i], y->core[i]) != 0) {
            return false;
        }
    }
    return x->pre == y->pre;
}

int version_sorter_compare(std::string_view a, std::string_view b) noexcept {
    const auto ca = components(a);
    const auto cb = components(b);
    if (ca.empty() && cb.empty()) {
        const int c = a.compare(b);
        return c < 0 ? -1 : (c == 0 ? 0 : 1);
    }
    const auto n = std::min(ca.size(), cb.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (const int c = compare_components(ca[i], cb[i]); c != 0) {
            return c;
        }
    }
    if (ca.size() == cb.size()) {
        return 0;
    }
    // One is a prefix of the other: the longer wins when it continues with a number
    // (1.0.0.1 > 1.0.0) and loses when it continues with a word (1.0.0-beta < 1.0.0).
    if (ca.size() > cb.size()) {
        return ca[n].number ? 1 : -1;
    }
    return cb[n].number ? -1 : 1;
}

} // namespace packyard::routing::npm
