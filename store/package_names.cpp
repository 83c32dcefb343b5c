#include "store/package_names.hpp"

#include "store/codec.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace packyard::store {
namespace {

// Names never contain NUL, so no trigram of a name can be this one.
constexpr std::string_view all_names_gram{"\0\0\0", 3};

char fold(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

namespace detail {

std::vector<std::string> grams_of(std::string_view s) {
    std::vector<std::string> out;
    out.emplace_back(all_names_gram);
    for (std::size_t i = 0; i + 3 <= s.size(); ++i) {
        out.push_back({fold(s[i]), fold(s[i + 1]), fold(s[i + 2])});
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace detail

std::uint64_t gram_signature(std::string_view lower) noexcept {
    std::uint64_t sig = 0;
    for (std::size_t i = 0; i + 3 <= lower.size(); ++i) {
        const std::uint64_t g =
            (static_cast<std::uint64_t>(static_cast<unsigned char>(lower[i])) << 16) |
            (static_cast<std::uint64_t>(static_cast<unsigned char>(lower[i + 1])) << 8) |
            static_cast<unsigned char>(lower[i + 2]);
        sig |= 1ULL << ((g * 0x9E3779B97F4A7C15ULL) >> 58);
    }
    return sig;
}

namespace {

std::string lower_copy(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = fold(c);
    }
    return out;
}

using detail::entry_key;
using detail::grams_of;
using detail::list_prefix;

std::uint64_t read_u64(const txn& t, std::string_view key) {
    auto v = get(t, t.db().package_names, key);
    if (!v) {
        return 0;
    }
    value_reader r(*v);
    return r.u64();
}

std::error_code write_u64(write_txn& t, std::string_view key, std::uint64_t n) {
    if (n == 0) {
        auto r = del(t, t.db().package_names, key);
        return r ? std::error_code{} : r.error();
    }
    return put(t, t.db().package_names, key, detail::count_value(n));
}

std::uint64_t read_refs(const txn& t, std::string_view key) {
    auto v = get(t, t.db().package_names, key);
    if (!v || v->size() < 16) {
        return 0;
    }
    value_reader r(v->substr(8));
    return r.u64();
}

std::error_code write_entry(write_txn& t, std::string_view key, std::uint64_t sig,
                            std::optional<std::uint64_t> refs) {
    return put(t, t.db().package_names, key, detail::entry_value(sig, refs));
}

} // namespace

namespace detail {

std::string list_prefix(std::uint64_t project_id, std::string_view gram) {
    key_builder k;
    k.u64(project_id).bytes(gram);
    return k.str();
}

std::string entry_key(std::uint64_t project_id, std::string_view gram, std::string_view name) {
    key_builder k;
    k.u64(project_id).bytes(gram).str0(name);
    return k.str();
}

std::string entry_value(std::uint64_t sig, std::optional<std::uint64_t> refs) {
    char buf[16];
    std::memcpy(buf, &sig, 8);
    if (refs) {
        value_writer w;
        w.u64(*refs);
        std::memcpy(buf + 8, w.view().data(), 8);
    }
    return {buf, refs ? 16U : 8U};
}

std::uint64_t name_signature(std::string_view name) {
    return gram_signature(lower_copy(name));
}

std::string count_value(std::uint64_t names) {
    value_writer w;
    w.u64(names);
    return w.take();
}

} // namespace detail

bool contains_folded(std::string_view hay, std::string_view needle) noexcept {
    if (needle.empty()) {
        return true;
    }
    if (needle.size() > hay.size()) {
        return false;
    }
    const char first = needle.front();
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        if (fold(hay[i]) != first) {
            continue;
        }
        std::size_t j = 1;
        while (j < needle.size() && fold(hay[i + j]) == needle[j]) {
            ++j;
        }
        if (j == needle.size()) {
            return true;
        }
    }
    return false;
}

std::error_code add_package_name(write_txn& t, std::uint64_t project_id, std::string_view name) {
    // The all-names entry carries how many packages of the project use the name.
    const std::string all = entry_key(project_id, all_names_gram, name);
    const std::uint64_t sig = gram_signature(lower_copy(name));
    if (const auto refs = read_refs(t, all); refs > 0) {
        return write_entry(t, all, sig, refs + 1);
    }
    for (const auto& g : grams_of(name)) {
        if (g != all_names_gram) {
            if (auto ec = write_entry(t, entry_key(project_id, g, name), sig, std::nullopt)) {
                return ec;
            }
        }
        const std::string count = list_prefix(project_id, g);
        if (auto ec = write_u64(t, count, read_u64(t, count) + 1)) {
            return ec;
        }
    }
    return write_entry(t, all, sig, 1);
}

std::error_code drop_package_name(write_txn& t, std::uint64_t project_id, std::string_view name) {
    const std::string all = entry_key(project_id, all_names_gram, name);
    const auto refs = read_refs(t, all);
    if (refs > 1) {
        return write_entry(t, all, gram_signature(lower_copy(name)), refs - 1);
    }
    if (refs == 0) {
        return {};
    }
    for (const auto& g : grams_of(name)) {
        if (auto r = del(t, t.db().package_names, entry_key(project_id, g, name)); !r) {
            return r.error();
        }
        const std::string count = list_prefix(project_id, g);
        const auto n = read_u64(t, count);
        if (auto ec = write_u64(t, count, n > 0 ? n - 1 : 0)) {
            return ec;
        }
    }
    return {};
}

namespace detail {

std::string best_posting_prefix(const txn& t, std::uint64_t project_id,
                                const std::vector<std::string>& terms) {
    std::string best = list_prefix(project_id, all_names_gram);
    std::uint64_t best_count = read_u64(t, best);
    if (best_count == 0) {
        return {};
    }
    for (const auto& term : terms) {
        for (std::size_t i = 0; i + 3 <= term.size(); ++i) {
            std::string prefix = list_prefix(project_id, term.substr(i, 3));
            const auto n = read_u64(t, prefix);
            if (n == 0) {
                return {}; // no name holds this trigram, so none holds the term
            }
            if (n < best_count) {
                best_count = n;
                best = std::move(prefix);
            }
        }
    }
    return best;
}

} // namespace detail
} // namespace packyard::store
