#pragma once

// Packages and their files: rows (packages.cpp), list pages over the ordered index
// (package_index.cpp) and the default-filter counters (package_counts.cpp). The listing index
// keeps one entry per (scope, order) so that every list page is one ordered cursor walk: scope
// is the project and each of its ancestor groups, so a group list never visits its projects one
// by one (docs/store-schema.md). Removal lives in gc.hpp, composite writes in operations.hpp.

#include "store/error.hpp"
#include "store/package_records.hpp"
#include "store/records.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace packyard::store {

enum class list_scope : std::uint8_t { project = 1, group = 2 };
enum class list_order : std::uint8_t {
    created_at = 1,
    name = 2,
    version = 3,
    type = 4,
    project_path = 5, ///< group scope only
};

/// Where a package sits: what its index entries need to know about its project.
struct package_place {
    std::uint64_t project_id = 0;
    std::string project_path; ///< the project's own path segment
    visibility vis = visibility::private_;
    std::vector<std::uint64_t> groups; ///< every ancestor group, nearest first
};
std::optional<package_place> place_of(const txn& t, std::uint64_t project_id);

struct list_filter {
    std::optional<package_type> type; ///< none: every type but terraform_module
    bool include_versionless = false;
    std::vector<std::string> name_terms;  ///< lower-case; each must occur in lower(name)
    std::optional<package_status> status; ///< none: the displayable set
    std::optional<std::string> version;   ///< exact version

    /// True when the filter is GitLab's default (what the counters count).
    bool is_default() const noexcept {
        return !type && !include_versionless && name_terms.empty() && !status && !version;
    }
};

/// A package class: what the class facet of the listing index partitions by and the class
/// counters count (docs/decisions/0013-list-filters.md).
struct package_class {
    std::uint8_t vis = 0; ///< the project's visibility in a group scope; 0 in a project scope
    package_type type{};
    package_status status{};
    bool has_version = false;
};

/// Whether a package of this class passes the filter's status, type and version conditions.
bool class_matches(const list_filter& f, package_status status, package_type type,
                   bool has_version) noexcept;

/// Visibility levels of a group's projects, for the counters kept per level.
struct visibility_levels {
    bool private_ = true;
    bool internal = true;
    bool public_ = true;
    bool has(std::uint8_t vis) const noexcept {
        return vis == static_cast<std::uint8_t>(visibility::private_)
                   ? private_
                   : (vis == static_cast<std::uint8_t>(visibility::internal) ? internal : public_);
    }
};

struct list_query {
    list_scope scope = list_scope::project;
    std::uint64_t scope_id = 0;
    list_order order = list_order::created_at;
    bool desc = false;
    std::uint64_t offset = 0;
    std::uint64_t limit = 20;
    list_filter filter;
    /// Group scope: sorted ids of the projects whose packages may be shown; null = all.
    const std::vector<std::uint64_t>* projects = nullptr;
    /// Group scope: set when `projects` is exactly the group's projects of these visibility
    /// levels, so that the counters and the class facet can answer for it.
    std::optional<visibility_levels> levels;
    /// A total the caller already knows (from the counters); skips counting.
    std::optional<std::uint64_t> known_total;
    /// Stop counting past this many matches (GitLab's 10,000 rule).
    std::uint64_t count_limit = 10000;
    /// The caller knows that more than count_limit packages match: nothing is counted.
    bool known_over_limit = false;
};

struct list_page {
    std::vector<package> rows;
    std::optional<std::uint64_t> total; ///< empty: more than count_limit
    bool has_more = false;
};

/// One page of packages in the query's order, with the total when it is cheap enough.
list_page list_packages(const txn& t, const list_query& q);

/// Packages matching the default filter in a project, or in a group's projects of the given
/// visibility levels.
std::uint64_t default_count(const txn& t, list_scope scope, std::uint64_t scope_id,
                            visibility_levels levels = {});

/// Packages per class in a scope (classes without packages are absent).
struct class_count {
    package_class cls;
    std::uint64_t packages = 0;
};
std::vector<class_count> class_counts(const txn& t, list_scope scope, std::uint64_t scope_id);

/// A number that changes with every change of which packages the scope's lists hold or where
/// (0 before the first): what a cache of list totals keys on.
std::uint64_t list_generation(const txn& t, list_scope scope, std::uint64_t scope_id);

std::optional<package> find_package(const txn& t, std::uint64_t id);
/// The newest package of the project with this type, name and version that is not being
/// destroyed.
std::optional<package> find_package_by_version(const txn& t, std::uint64_t project_id,
                                               package_type type, std::string_view name,
                                               std::string_view version);
/// Other versions of the same name and type (GitLab's Package#versions): displayable, version
/// different from this one, ordered by version.
std::vector<package> other_versions(const txn& t, const package& p);

/// Creates a package; fills p.id.
std::error_code create_package(write_txn& t, package& p, const package_place& place);
/// Rewrites a package whose status, timestamps or other fields changed.
std::error_code update_package(write_txn& t, const package& before, const package& after,
                               const package_place& place);
/// Records a download time on the package row (not part of any index).
std::error_code set_last_downloaded(write_txn& t, std::uint64_t package_id, std::int64_t ms);

/// Marks a package pending_destruction and queues its removal.
std::error_code mark_package_for_destruction(write_txn& t, const package& p);

std::optional<package_file> find_file(const txn& t, std::uint64_t id);
/// Every file of a package (all statuses), in id order.
std::vector<package_file> files_of(const txn& t, std::uint64_t package_id);
/// The newest file of a package with this name in status default (GitLab's
/// PackageFileFinder: the last installable file of that name).
std::optional<package_file> newest_file_named(const txn& t, std::uint64_t package_id,
                                              std::string_view name);
/// Adds a file row and takes a reference on its blob (a new blob adds its size to the blob
/// bytes counter); fills f.id.
std::error_code add_file(write_txn& t, package_file& f);
/// Marks a file pending_destruction and queues its removal.
std::error_code mark_file_for_destruction(write_txn& t, const package_file& f);

/// Blob reference count (0: unknown blob).
std::uint64_t blob_refcount(const txn& t, std::string_view sha256_hex);
/// Drops one reference; true when it was the last (the blob's row is gone, and its size,
/// `size`, leaves the blob bytes counter).
result<bool> release_blob(write_txn& t, std::string_view sha256_hex, std::uint64_t size);

/// What the blob files hold, from the committed rows: one blob_refs entry per blob (LMDB keeps
/// the count) and the meta counter `blob_bytes`, kept in the transactions that add and drop
/// references. O(1) each: no walk of the rows or of DATA/blobs.
struct blob_totals {
    std::uint64_t blobs = 0;
    std::uint64_t bytes = 0;
};
blob_totals blob_stats(const txn& t);
/// Sets `blob_bytes` from the file rows: each blob's size once (layout 6's upgrade).
std::error_code recount_blob_bytes(write_txn& t);

} // namespace packyard::store
