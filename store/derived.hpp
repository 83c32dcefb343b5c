#pragma once

// The derived tables: every index, lookup table and counter the store keeps beside its rows,
// each as a function of the rows. One generator per table yields the entries the rows imply;
// the integrity check (store/check.cpp) compares a table with what its generator yields, its
// repair empties the table and writes them, and the layout upgrades (store/upgrade.cpp) share
// the walk over the placed packages. Tables that rows do not determine are not here: the
// cleanup queue and the metadata kept per package are checked against the rows by the check
// itself, and the generations caches key on (list, packument, simple page) are left alone.

#include "store/package_keys.hpp"
#include "store/packages.hpp"
#include "store/schema.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <unordered_map>

namespace packyard::store {

/// Calls visit(package, place) for every package row whose project exists, reading each
/// project's place once. Rows that do not decode are skipped when skip_undecodable is set (the
/// check counts them); otherwise they throw, as every other reader does.
template <class Visit>
std::error_code for_each_placed_package(const txn& t, Visit&& visit,
                                        bool skip_undecodable = false) {
    std::unordered_map<std::uint64_t, std::optional<package_place>> places;
    cursor c(t, t.db().packages);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package p;
        if (skip_undecodable) {
            if (!decode(c.value(), p)) {
                continue;
            }
        } else {
            decode_or_fail(c.value(), p);
        }
        auto it = places.find(p.project_id);
        if (it == places.end()) {
            it = places.emplace(p.project_id, place_of(t, p.project_id)).first;
        }
        if (!it->second) {
            continue;
        }
        if (auto ec = visit(p, *it->second)) {
            return ec;
        }
    }
    return {};
}

/// Puts the index entries of a package that pass keep.
template <class Keep>
std::error_code put_entries(write_txn& t, const package& p, const package_place& place,
                            Keep&& keep) {
    for (const auto& e : keys::entries_for(p, place)) {
        if (keep(e.key)) {
            if (auto ec = put(t, t.db().package_order, e.key, e.value)) {
                return ec;
            }
        }
    }
    return {};
}

/// One derived table.
struct derived_table {
    std::string_view name;
    MDB_dbi dbis::*dbi;
    /// Key bytes that name a bucket (a scope, a project): the check compares a digest per
    /// bucket and looks closer only into buckets that differ.
    std::size_t bucket;
    /// Entries no row implies (package_classes' list generations): neither compared nor
    /// rebuilt. Null: none.
    bool (*kept)(std::string_view key) noexcept;
    /// The part of a value the rows imply (npm_names' generation is not). Null: all of it.
    std::string_view (*derived_part)(std::string_view value) noexcept;
    /// Calls sink(key, value) once for every entry the rows imply, in any order.
    void (*generate)(const txn& t, const entry_sink& sink);
    /// Writes the table from the rows when emptying it and writing what generate yields is not
    /// enough (npm_names takes new generations). Null: that.
    std::error_code (*rebuild)(write_txn& t);
};

/// Every derived table, in the order a repair rebuilds them (npm_names reads package_versions).
std::span<const derived_table> derived_tables();
const derived_table* find_derived_table(std::string_view name);

/// Empties a derived table (its kept entries stay) and writes what its generator yields, in the
/// caller's transaction. Returns the entries written (0 for a table with its own rebuild).
result<std::uint64_t> rebuild(write_txn& t, const derived_table& d);

} // namespace packyard::store
