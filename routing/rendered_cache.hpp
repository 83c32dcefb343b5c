#pragma once

// Rendered pages (npm packuments, PyPI simple pages), shared by every I/O thread. An entry is
// keyed by what its bytes depend on and stamped with the generation of the data it was rendered
// from (store/npm.hpp, store/pypi.hpp). Every write that changes what a page shows takes a new
// generation in the same transaction, so a reader that finds the generation its snapshot shows
// serves bytes rendered from the same data; any other generation is a miss, rendered anew from
// the reader's own snapshot. Stale entries are never served, whatever the interleaving of
// writes and readers (docs/decisions/0011-npm-registry.md).

#include "routing/shared_body.hpp"

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace packyard::routing {

class rendered_cache {
public:
    explicit rendered_cache(std::size_t max_bytes) noexcept
        : max_bytes_(max_bytes) {}

    /// The body rendered at exactly this generation, or null.
    std::shared_ptr<const shared_body> find(std::string_view key, std::uint64_t generation);
    /// Keeps a body (entries least recently used go past max_bytes).
    void insert(std::string key, std::uint64_t generation, std::shared_ptr<const shared_body> body);

    std::size_t bytes() const;

private:
    struct entry {
        std::uint64_t generation = 0;
        std::shared_ptr<const shared_body> body;
        std::list<std::string>::iterator lru;
    };
    mutable std::mutex mu_;
    std::unordered_map<std::string, entry> entries_;
    std::list<std::string> lru_; ///< most recently used first
    std::size_t bytes_ = 0;
    std::size_t max_bytes_;
};

} // namespace packyard::routing
