// `packyard check --repair`: what the rows determine is rewritten from them in one write
// transaction (a crash midway leaves the store as it was); files no committed row references
// go after that commit, as the start-up sweep removes them.

#include "store/check.hpp"
#include "store/check_detail.hpp"
#include "store/derived.hpp"
#include "store/gc.hpp"
#include "store/packages.hpp"

namespace packyard::store {
namespace {

bool needs(const check_report& found, std::string_view name) {
    const auto* r = found.find(name);
    return r != nullptr && r->problems > 0;
}

} // namespace

result<repair_report> repair_store(environment& env, blob_store& blobs, const check_report& found) {
    repair_report out;
    {
        auto t = write_txn::begin(env);
        if (!t) {
            return t.error();
        }
        // The rows as this transaction sees them: no server runs, so they are the ones the
        // check read.
        std::vector<check_result> ignored;
        const auto rows = check_detail::read_rows(*t, ignored, 0);
        // First what is kept per row and the queue: the pipeline and tag indexes are derived
        // from the build infos and tags these fix, so they are rebuilt after, when touched.
        bool detached = false;
        for (const auto& r : found.results) {
            detached = detached || (r.fix == remedy::remove && r.problems > 0 &&
                                    r.name != "orphan_blobs" && r.name != "temp_files");
        }
        if (detached) {
            auto n = check_detail::remove_detached(*t, rows);
            if (!n) {
                return n.error();
            }
            out.entries_removed = *n;
        }
        if (needs(found, "cleanup")) {
            auto n = check_detail::fix_cleanup(*t, rows);
            if (!n) {
                return n.error();
            }
            out.queued = n->first;
            out.unqueued = n->second;
        }
        for (const auto& d : derived_tables()) {
            const bool follows = out.entries_removed > 0 &&
                                 (d.name == "build_infos_by_pipeline" || d.name == "package_tags");
            if (!needs(found, d.name) && !follows) {
                continue;
            }
            auto n = rebuild(*t, d);
            if (!n) {
                return n.error();
            }
            out.rebuilt.push_back({std::string(d.name), *n});
        }
        if (auto ec = t->commit()) {
            return ec;
        }
    }
    if (needs(found, "orphan_blobs")) {
        // Orphans by the file rows, and unreferenced in the committed state (whose blob_refs
        // the rebuild above agrees with the rows).
        auto t = read_txn::begin(env);
        if (!t) {
            return t.error();
        }
        if (auto ec = remove_unreferenced_blobs(*t, blobs, out.orphans_removed)) {
            return ec;
        }
    }
    if (needs(found, "temp_files")) {
        out.temps_removed = blobs.sweep_tmp();
    }
    return out;
}

} // namespace packyard::store
