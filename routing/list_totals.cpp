#include "routing/list_totals.hpp"

#include <cstring>

namespace packyard::routing {

bool total_needs_count(const store::list_query& q) noexcept {
    return !q.known_total && !q.known_over_limit &&
           (!q.filter.name_terms.empty() || q.filter.version ||
            (q.projects != nullptr && !q.levels));
}

std::string total_key(const store::list_query& q) {
    std::string k;
    auto u64 = [&](std::uint64_t v) {
        char b[8];
        std::memcpy(b, &v, 8);
        k.append(b, 8);
    };
    auto str = [&](std::string_view s) {
        u64(s.size());
        k.append(s);
    };
    k.push_back(static_cast<char>(q.scope));
    u64(q.scope_id);
    const auto& f = q.filter;
    k.push_back(static_cast<char>(f.type ? static_cast<int>(*f.type) : 0xff));
    k.push_back(static_cast<char>(f.status ? static_cast<int>(*f.status) : 0xff));
    k.push_back(static_cast<char>(f.include_versionless ? 1 : 0));
    k.push_back(static_cast<char>(f.version ? 1 : 0));
    str(f.version.value_or(std::string()));
    u64(f.name_terms.size());
    for (const auto& term : f.name_terms) {
        str(term);
    }
    if (q.projects == nullptr) {
        k.push_back('*');
    } else {
        // The caller's projects: their number and a 64-bit FNV-1a of their ids.
        std::uint64_t h = 14695981039346656037ULL;
        for (auto id : *q.projects) {
            for (int i = 0; i < 8; ++i) {
                h = (h ^ ((id >> (8 * i)) & 0xffU)) * 1099511628211ULL;
            }
        }
        u64(q.projects->size());
        u64(h);
    }
    return k;
}

} // namespace packyard::routing
