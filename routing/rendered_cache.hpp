#pragma once

// Rendered pages (npm packuments, PyPI simple pages), shared by every I/O thread. An entry is
// keyed by what its bytes depend on and stamped with the generation of the data it was rendered
// from (store/npm.hpp, store/pypi.hpp). Every write that changes what a page shows takes a new
// generation in the same transaction, so a reader that finds the generation its snapshot shows
// serves bytes rendered from the same data; any other generation is a miss, rendered anew from
// the reader's own snapshot. Stale entries are never served, whatever the interleaving of
// writes and readers (docs/decisions/0011-npm-registry.md).

#include "routing/generation_cache.hpp"
#include "routing/shared_body.hpp"

#include <memory>

namespace packyard::routing {

class rendered_cache {
public:
    explicit rendered_cache(std::size_t max_bytes) noexcept
        : cache_(max_bytes) {}

    /// The body rendered at exactly this generation, or null.
    std::shared_ptr<const shared_body> find(std::string_view key, std::uint64_t generation) {
        return cache_.find(key, generation).value_or(nullptr);
    }
    /// Keeps a body (entries least recently used go past max_bytes).
    void insert(std::string key, std::uint64_t generation,
                std::shared_ptr<const shared_body> body) {
        const std::size_t size = body->size();
        cache_.insert(std::move(key), generation, std::move(body), size);
    }

    std::size_t bytes() const { return cache_.bytes(); }

private:
    generation_cache<std::shared_ptr<const shared_body>> cache_;
};

} // namespace packyard::routing
