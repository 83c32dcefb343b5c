#include "server/small_files.hpp"

namespace packyard::server {

std::shared_ptr<const std::string> small_files::find(const std::string& path) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(path);
    if (it == entries_.end()) {
        return nullptr;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.bytes;
}

void small_files::insert(const std::string& path, std::shared_ptr<const std::string> bytes) {
    const std::size_t size = bytes->size() + path.size();
    if (size > max_bytes_) {
        return;
    }
    std::lock_guard lock(mu_);
    if (entries_.contains(path)) {
        return; // the same bytes (another reader filled it first)
    }
    while (bytes_ + size > max_bytes_ && !lru_.empty()) {
        auto victim = entries_.find(lru_.back());
        bytes_ -= victim->second.bytes->size() + victim->first.size();
        entries_.erase(victim);
        lru_.pop_back();
    }
    lru_.push_front(path);
    entries_.emplace(path, entry{std::move(bytes), lru_.begin()});
    bytes_ += size;
}

std::size_t small_files::bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
}

} // namespace packyard::server
