#pragma once

// The package-name trigram index: what makes a package_name search in a project of 100k
// packages touch only the names that can match, as GitLab's pg_trgm index on
// packages_packages.name does. One entry per (project, distinct name, trigram of its lower-case
// form), plus one entry per name under the "all names" gram for searches with no term of three
// characters, and a per-(project, gram) count so a search walks the shortest posting list.

#include "store/txn.hpp"

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::store {

/// A package with this name was added to the project.
std::error_code add_package_name(write_txn& t, std::uint64_t project_id, std::string_view name);
/// A package with this name left the project; the name leaves the index with its last package.
std::error_code drop_package_name(write_txn& t, std::uint64_t project_id, std::string_view name);

/// Calls sink(key, value) for every package_names entry of a project whose packages use these
/// names (each with how many packages use it): what add_package_name builds one package at a
/// time, for the check to compare and its repair to write (store/derived.cpp).
template <class Names>
void name_index_entries(std::uint64_t project_id, const Names& names, const entry_sink& sink);

/// Calls visit(name) for every distinct name in the project whose lower-case form contains
/// every term (terms are lower-case). Names come in byte order; each view lives as long as t.
template <class Visit>
void for_each_matching_name(const txn& t, std::uint64_t project_id,
                            const std::vector<std::string>& terms, Visit&& visit);

/// A 64-bit Bloom signature of the trigrams of a lower-case string: a name can contain a term
/// only if the name's signature holds every bit of the term's.
std::uint64_t gram_signature(std::string_view lower) noexcept;

/// ASCII case-insensitive substring test; needle is lower-case.
bool contains_folded(std::string_view hay, std::string_view needle) noexcept;

namespace detail {
/// The distinct trigrams of lower(name), plus the all-names gram (which sorts first).
std::vector<std::string> grams_of(std::string_view name);
std::string list_prefix(std::uint64_t project_id, std::string_view gram);
std::string entry_key(std::uint64_t project_id, std::string_view gram, std::string_view name);
/// A name entry's value: the name's gram signature, then (all-names entry only) how many
/// packages use the name.
std::string entry_value(std::uint64_t sig, std::optional<std::uint64_t> refs);
/// The gram signature of a name as stored (of its lower-case form).
std::uint64_t name_signature(std::string_view name);
/// A (project, gram) count entry's value.
std::string count_value(std::uint64_t names);

/// The posting-list prefix (project · gram) a search should walk: the rarest trigram among the
/// terms, or the all-names list when no term has three characters. Empty: nothing can match.
std::string best_posting_prefix(const txn& t, std::uint64_t project_id,
                                const std::vector<std::string>& terms);
} // namespace detail

template <class Names>
void name_index_entries(std::uint64_t project_id, const Names& names, const entry_sink& sink) {
    std::map<std::string, std::uint64_t> counts; // gram -> names holding it
    for (const auto& [name, packages] : names) {
        const std::uint64_t sig = detail::name_signature(name);
        for (const auto& g : detail::grams_of(name)) {
            ++counts[g];
            const bool all = g == std::string_view("\0\0\0", 3);
            sink(detail::entry_key(project_id, g, name),
                 detail::entry_value(sig,
                                     all ? std::optional<std::uint64_t>(packages) : std::nullopt));
        }
    }
    for (const auto& [gram, n] : counts) {
        sink(detail::list_prefix(project_id, gram), detail::count_value(n));
    }
}

template <class Visit>
void for_each_matching_name(const txn& t, std::uint64_t project_id,
                            const std::vector<std::string>& terms, Visit&& visit) {
    const std::string prefix = detail::best_posting_prefix(t, project_id, terms);
    if (prefix.empty()) {
        return;
    }
    std::uint64_t want = 0;
    for (const auto& term : terms) {
        want |= gram_signature(term);
    }
    static_assert(sizeof(std::uint64_t) == 8);
    cursor c(t, t.db().package_names);
    for (bool ok = c.seek(prefix); ok; ok = c.next()) {
        const auto key = c.key();
        // Fixed-size compares inline; a posting list can hold 10^5 names.
        if (key.size() < 11 || std::memcmp(key.data(), prefix.data(), 11) != 0) {
            break;
        }
        const auto value = c.value();
        if (key.size() <= 12 || value.size() < 8) {
            continue; // the list's count entry
        }
        std::uint64_t sig = 0;
        std::memcpy(&sig, value.data(), 8);
        if ((sig & want) != want) {
            continue; // some gram of the terms is missing from the name
        }
        const auto name = key.substr(11, key.size() - 12);
        bool all = true;
        for (const auto& term : terms) {
            if (!contains_folded(name, term)) {
                all = false;
                break;
            }
        }
        if (all) {
            visit(name);
        }
    }
}

} // namespace packyard::store
