#include "routing/rendered_cache.hpp"

namespace packyard::routing {

std::shared_ptr<const shared_body> rendered_cache::find(std::string_view key,
                                                        std::uint64_t generation) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(std::string(key));
    if (it == entries_.end() || it->second.generation != generation) {
        return nullptr;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.body;
}

void rendered_cache::insert(std::string key, std::uint64_t generation,
                            std::shared_ptr<const shared_body> body) {
    const std::size_t size = body->size() + key.size();
    if (size > max_bytes_) {
        return;
    }
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
        if (it->second.generation > generation) {
            return; // a newer rendering is already here
        }
        bytes_ -= it->second.body->size() + key.size();
        lru_.erase(it->second.lru);
        entries_.erase(it);
    }
    while (bytes_ + size > max_bytes_ && !lru_.empty()) {
        auto victim = entries_.find(lru_.back());
        bytes_ -= victim->second.body->size() + victim->first.size();
        entries_.erase(victim);
        lru_.pop_back();
    }
    lru_.push_front(key);
    entries_.emplace(std::move(key), entry{generation, std::move(body), lru_.begin()});
    bytes_ += size;
}

std::size_t rendered_cache::bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
}

} // namespace packyard::routing
