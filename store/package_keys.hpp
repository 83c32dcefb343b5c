#pragma once

// Every key and index value of the package databases, built and read through named functions
// so that no other file knows an offset (docs/store-schema.md describes the same layouts).
// Private to store/: the rest of the tree sees packages, not keys.

#include "store/package_records.hpp"
#include "store/packages.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::store::keys {

// ---- package_order: scope · scope id · order · sort key · package id -> summary
//
// The same database holds two facets of that index (layout 5, docs/decisions/0013):
// * the class facet: scope · scope id · (0x10 | order) · visibility · type · status · has
//   version · sort key · package id, one ordered run per package class, so a filter on type,
//   status or include_versionless merges the runs it wants instead of skipping the others;
// * the version facet: scope · scope id · 0x20 · version\0 · created_at · package id, the
//   packages of one exact version.

/// Bytes before the sort key: scope u8 · scope id u64 · order u8.
inline constexpr std::size_t order_head = 10;
/// Bytes before the sort key in the class facet: the head, then visibility · type · status ·
/// has-version.
inline constexpr std::size_t class_head = order_head + 4;
inline constexpr std::uint8_t class_facet = 0x10;
inline constexpr std::uint8_t version_facet = 0x20;

/// The start of one class's run of the class facet.
std::string class_prefix(list_scope s, std::uint64_t scope_id, list_order o,
                         const package_class& c);
/// The start of one version's run of the version facet.
std::string version_prefix(list_scope s, std::uint64_t scope_id, std::string_view version);
/// created_at in a version-facet key under a prefix of prefix_size bytes.
std::int64_t created_in_version_key(std::string_view key, std::size_t prefix_size) noexcept;

/// The summary every list filter can be answered from without reading the package row:
/// status · type · flags · project id (LE) [· name]. In a project's name order the value
/// carries created_at (LE) · version instead of the name (the name is in the key), so a
/// package_name search can sort its matches in any order.
struct summary {
    package_status status{};
    package_type type{};
    bool has_version = false;
    std::uint64_t project_id = 0;
    std::string_view name;       ///< empty in name orders (read it from the key)
    std::int64_t created_at = 0; ///< project name order only
    std::string_view version;    ///< project name order only
};

/// Decodes an index value; a value too short to be one means a damaged data folder (throws).
summary read_summary(std::string_view value, bool project_name_order);

std::string order_prefix(list_scope s, std::uint64_t scope_id, list_order o);
/// The package id at the end of an order key.
std::uint64_t package_id_of(std::string_view key, list_order o) noexcept;
/// The name in a name-order key whose sort key starts at head (the prefix's length).
std::string_view name_of(std::string_view key, std::size_t head = order_head) noexcept;
/// The version in a version-order key (empty for a versionless package).
std::string_view version_of(std::string_view key, std::size_t head = order_head) noexcept;
/// True for an entry of the class or version facet.
bool is_facet(std::string_view key) noexcept;
/// True for an entry of a project's name order (the one whose value carries sort keys).
bool is_project_name_order(std::string_view key) noexcept;

struct index_entry {
    std::string key;
    std::string value;
};
/// Every package_order entry of a package: four orders in its project, five in each ancestor
/// group, each once in the plain index and once in the class facet, and one version-facet
/// entry per scope for a versioned package.
std::vector<index_entry> entries_for(const package& p, const package_place& pl);

// ---- package_versions: project id · type · name\0 · version\0 · package id -> status

std::string versions_key(const package& p);
std::string versions_prefix(std::uint64_t project_id, package_type type, std::string_view name);
/// The version in a versions key under prefix.
std::string_view version_in(std::string_view key, std::size_t prefix_size) noexcept;
std::uint64_t package_id_in_versions_key(std::string_view key) noexcept;

// ---- package_counts: scope · scope id · visibility -> u64

std::string count_key(list_scope s, std::uint64_t scope_id, std::uint8_t vis);

// ---- package_classes: scope · scope id -> u64 generation;
//      scope · scope id · visibility · type · status · has version -> u64 packages

std::string generation_key(list_scope s, std::uint64_t scope_id);
std::string class_count_key(list_scope s, std::uint64_t scope_id, const package_class& c);
/// The class of a package in a scope.
package_class class_of(const package& p, list_scope s, visibility vis) noexcept;
/// Decodes a class-count key (13 bytes: the 9 of the scope, then the class).
package_class read_class_key(std::string_view key) noexcept;
/// Whether a package counts toward GitLab's default filter (displayable, versioned, not a
/// terraform module).
bool counted(const package& p) noexcept;

// ---- cleanup: kind · id -> ""

enum class cleanup_kind : std::uint8_t { file = 1, package = 2 };
std::string cleanup_key(cleanup_kind kind, std::uint64_t id);
struct cleanup_entry {
    cleanup_kind kind;
    std::uint64_t id;
};
/// Decodes a cleanup key; one of the wrong size means a damaged data folder (throws).
cleanup_entry read_cleanup_key(std::string_view key);

// ---- blob_refs: sha256 hex -> u64

std::string blob_key(std::string_view sha256_hex);

} // namespace packyard::store::keys
