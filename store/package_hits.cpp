#include "store/package_hits.hpp"

#include "store/codec.hpp"
#include "store/identity.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

namespace packyard::store {
namespace {

/// The listing index's ascending order for each list order, ids breaking ties; project_path
/// is handled by the caller (its ties go by id DESC in both directions).
int compare_hits(list_order o, const package_hit& a, const package_hit& b) noexcept {
    switch (o) {
    case list_order::created_at:
        return a.created_at < b.created_at ? -1 : (a.created_at > b.created_at ? 1 : 0);
    case list_order::name:
        return a.name.compare(b.name);
    case list_order::version:
        if (a.has_version != b.has_version) {
            return a.has_version ? -1 : 1; // versionless last, as in the index
        }
        return a.version.compare(b.version);
    case list_order::type:
        return static_cast<int>(a.type) - static_cast<int>(b.type);
    case list_order::project_path:
        return 0;
    }
    return 0;
}

} // namespace

list_page page_of_hits(const txn& t, const list_query& q, std::vector<package_hit>& hits) {
    list_page page;
    const std::uint64_t matched = hits.size();
    if (matched <= q.count_limit) {
        page.total = matched;
    }
    page.has_more = q.offset + q.limit < matched;
    if (q.offset >= matched) {
        return page;
    }
    const auto end =
        static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(matched, q.offset + q.limit));
    if (q.order == list_order::project_path) {
        // Paths of the hits' projects, read once per project.
        std::map<std::uint64_t, std::string> paths;
        for (const auto& h : hits) {
            if (!paths.contains(h.project_id)) {
                auto p = find_project(t, h.project_id);
                paths.emplace(h.project_id, p ? p->path : std::string());
            }
        }
        std::partial_sort(hits.begin(), hits.begin() + end, hits.end(),
                          [&](const package_hit& a, const package_hit& b) {
                              const auto& pa = paths[a.project_id];
                              const auto& pb = paths[b.project_id];
                              if (pa != pb) {
                                  return q.desc ? pa > pb : pa < pb;
                              }
                              return a.id > b.id;
                          });
    } else {
        std::partial_sort(hits.begin(), hits.begin() + end, hits.end(),
                          [&](const package_hit& a, const package_hit& b) {
                              int c = compare_hits(q.order, a, b);
                              if (c == 0) {
                                  c = a.id < b.id ? -1 : 1;
                              }
                              return q.desc ? c > 0 : c < 0;
                          });
    }
    // One cursor for the page's rows: LMDB skips the tree descent when the next id is on the
    // cursor's current leaf page.
    cursor c(t, t.db().packages);
    for (auto i = static_cast<std::ptrdiff_t>(q.offset); i < end; ++i) {
        const auto k = u64_key(hits[static_cast<std::size_t>(i)].id);
        if (c.seek(k) && c.key() == k) {
            package row;
            decode_or_fail(c.value(), row);
            page.rows.push_back(std::move(row));
        }
    }
    return page;
}

} // namespace packyard::store
