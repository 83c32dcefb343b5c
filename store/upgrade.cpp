#include "store/upgrade.hpp"

#include "store/codec.hpp"
#include "store/derived.hpp"
#include "store/package_counts.hpp"
#include "store/package_keys.hpp"
#include "store/package_names.hpp"
#include "store/packages.hpp"
#include "store/schema.hpp"
#include "store/txn.hpp"

namespace packyard::store {
namespace {

/// Rebuilds the package-name trigram index and the name-order summaries from the package rows
/// (layout 1 had neither).
std::error_code rebuild_name_index(write_txn& t) {
    if (const int rc = mdb_drop(t.handle(), t.db().package_names, 0); rc != 0) {
        return lmdb_error(rc);
    }
    return for_each_placed_package(t, [&](const package& p, const package_place& place) {
        // Only the project's name-order entry changed shape (it gained the other sort keys).
        if (auto ec = put_entries(t, p, place, keys::is_project_name_order)) {
            return ec;
        }
        return add_package_name(t, p.project_id, p.name);
    });
}

/// Builds the class and version facets of the listing index and the class counters from the
/// package rows (layout 5; layout 4 had the plain index only).
std::error_code build_list_facets(write_txn& t) {
    return for_each_placed_package(t, [&](const package& p, const package_place& place) {
        if (auto ec = put_entries(t, p, place, keys::is_facet)) {
            return ec;
        }
        return adjust_class_counts(t, place, p, 1);
    });
}

} // namespace

std::error_code upgrade(environment& env) {
    const std::uint32_t found = env.found_schema_version();
    if (found >= schema_version) {
        return {};
    }
    auto t = write_txn::begin(env);
    if (!t) {
        return t.error();
    }
    if (found < 2) {
        // 2: the package-name trigram index (package_names) and sort keys in the project's
        // name-order summaries.
        if (auto ec = rebuild_name_index(*t)) {
            return ec;
        }
    }
    // 3: npm (npm_names, npm_metadata, package_tags, tags_by_package): new databases, empty
    // in an older folder, so nothing to convert.
    // 4: PyPI (pypi_metadata, pypi_names, pypi_files, pypi_core_metadata, pypi_pages): new
    // databases, empty
    // in an older folder, so nothing to convert either.
    if (found < 5) {
        // 5: the class and version facets of package_order and package_classes.
        if (auto ec = build_list_facets(*t)) {
            return ec;
        }
    }
    if (found < 6) {
        // 6: the blob bytes counter (meta `blob_bytes`), kept with the blob references since.
        if (auto ec = recount_blob_bytes(*t)) {
            return ec;
        }
    }
    // 7: the web pages' sessions (web_sessions): a new database, empty in an older folder.
    if (found < 8) {
        // 8: Maven (maven_paths): packages of type maven may exist already (the Packages API
        // and the seeder make them), so the index is built from the rows.
        if (auto ec = rebuild(*t, *find_derived_table("maven_paths")); !ec) {
            return ec.error();
        }
    }
    value_writer w;
    w.u32(schema_version);
    if (auto ec = put(*t, t->db().meta, "schema_version", w.view())) {
        return ec;
    }
    if (auto ec = t->commit()) {
        return ec;
    }
    env.set_found_schema_version(schema_version);
    return {};
}

} // namespace packyard::store
