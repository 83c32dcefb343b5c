#pragma once

// A bounded LRU of values keyed by what they depend on and stamped with the generation of the
// data they were computed from, shared by every I/O thread. A reader asks for the generation
// its own snapshot shows: any other generation is a miss, recomputed from that snapshot, so a
// stale value is never used whatever the interleaving of writes and readers. What it holds:
// rendered npm packuments and PyPI simple pages (rendered_cache.hpp), list totals
// (list_totals.hpp), whole list answers (list_pages.hpp).

#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace packyard::routing {

template <class Value>
class generation_cache {
public:
    explicit generation_cache(std::size_t max_bytes) noexcept
        : max_bytes_(max_bytes) {}

    /// The value computed at exactly this generation.
    std::optional<Value> find(std::string_view key, std::uint64_t generation) {
        std::lock_guard lock(mu_);
        auto it = entries_.find(key); // no copy of the key: the lookup is heterogeneous
        if (it == entries_.end() || it->second.generation != generation) {
            return std::nullopt;
        }
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second.value;
    }

    /// The value and the generation it was computed at, for values that name what their
    /// generation is of (list_pages.hpp): the caller compares it with its snapshot's.
    std::optional<std::pair<Value, std::uint64_t>> find_stamped(std::string_view key) {
        std::lock_guard lock(mu_);
        auto it = entries_.find(key);
        if (it == entries_.end()) {
            return std::nullopt;
        }
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return std::pair<Value, std::uint64_t>{it->second.value, it->second.generation};
    }

    /// Keeps a value that costs size bytes (with its key); the least recently used entries go
    /// past max_bytes. An entry of a newer generation is never replaced by an older one.
    void insert(std::string key, std::uint64_t generation, Value value, std::size_t size) {
        size += key.size();
        if (size > max_bytes_) {
            return;
        }
        std::lock_guard lock(mu_);
        auto it = entries_.find(key);
        if (it != entries_.end()) {
            if (it->second.generation > generation) {
                return;
            }
            bytes_ -= it->second.size;
            lru_.erase(it->second.lru);
            entries_.erase(it);
        }
        while (bytes_ + size > max_bytes_ && !lru_.empty()) {
            auto victim = entries_.find(lru_.back());
            bytes_ -= victim->second.size;
            entries_.erase(victim);
            lru_.pop_back();
        }
        lru_.push_front(key);
        entries_.emplace(std::move(key), entry{generation, std::move(value), size, lru_.begin()});
        bytes_ += size;
    }

    std::size_t bytes() const {
        std::lock_guard lock(mu_);
        return bytes_;
    }

private:
    struct entry {
        std::uint64_t generation = 0;
        Value value;
        std::size_t size = 0;
        typename std::list<std::string>::iterator lru;
    };
    struct key_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view k) const noexcept {
            return std::hash<std::string_view>{}(k);
        }
    };
    mutable std::mutex mu_;
    std::unordered_map<std::string, entry, key_hash, std::equal_to<>> entries_;
    std::list<std::string> lru_; ///< most recently used first
    std::size_t bytes_ = 0;
    std::size_t max_bytes_;
};

} // namespace packyard::routing
