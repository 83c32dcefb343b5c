#pragma once

// One ordered run of the listing index, and the merge of several runs of equal prefix length:
// what every list walk reads (store-private). A run is the entries under one prefix of
// package_order (the plain index of a scope and order, or one class of the class facet), in
// the list's order and direction as GitLab orders them: project_path DESC keeps id DESC
// inside each path, so it walks the paths backwards and each path forwards.

#include "store/packages.hpp"
#include "store/txn.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::store {

class order_stream {
public:
    order_stream(const txn& t, std::string prefix, list_order o, bool desc)
        : c_(t, t.db().package_order)
        , prefix_(std::move(prefix))
        , path_desc_(desc && o == list_order::project_path)
        , desc_(desc) {
        if (!desc_) {
            ok_ = c_.seek(prefix_) && inside();
            return;
        }
        ok_ = c_.seek_last_with_prefix(prefix_) && inside();
        if (ok_ && path_desc_) {
            enter_path();
        }
    }

    bool valid() const noexcept { return ok_; }
    std::string_view key() const noexcept { return c_.key(); }
    std::string_view value() const noexcept { return c_.value(); }
    /// The sort key and package id: what orders entries of runs with equal-length prefixes.
    std::string_view suffix() const noexcept { return c_.key().substr(prefix_.size()); }
    std::size_t head() const noexcept { return prefix_.size(); }

    void next() {
        if (!desc_) {
            ok_ = c_.next() && inside();
        } else if (!path_desc_) {
            ok_ = c_.prev() && inside();
        } else if (!(c_.next() && has_prefix(c_.key(), path_))) {
            // This path is done: the entry before its first one ends the previous path.
            ok_ = c_.seek(path_) && c_.prev() && inside();
            if (ok_) {
                enter_path();
            }
        }
    }

private:
    bool inside() const noexcept { return has_prefix(c_.key(), prefix_); }
    /// From the last entry of a path to its first.
    void enter_path() {
        const auto key = c_.key();
        const auto nul = key.find('\0', prefix_.size());
        path_.assign(key.substr(0, nul + 1));
        ok_ = c_.seek(path_);
    }

    cursor c_;
    std::string prefix_;
    std::string path_; ///< project_path DESC: the prefix plus the current path\0
    bool path_desc_;
    bool desc_;
    bool ok_ = false;
};

/// Whether entry suffix a comes before b in the list's order and direction.
inline bool suffix_before(std::string_view a, std::string_view b, list_order o, bool desc) {
    if (!desc) {
        return a < b;
    }
    if (o != list_order::project_path) {
        return a > b;
    }
    const auto pa = a.substr(0, a.find('\0'));
    const auto pb = b.substr(0, b.find('\0'));
    return pa != pb ? pa > pb : a < b; // paths backwards, ids (stored as ~id) forwards
}

/// Calls visit(key, value, head) for the entries of every run in one merged order (the runs'
/// prefixes have one length); visit returns false to stop.
template <class Visit>
void walk_runs(std::vector<order_stream>& runs, list_order o, bool desc, Visit&& visit) {
    if (runs.size() == 1) {
        for (auto& r = runs.front(); r.valid(); r.next()) {
            if (!visit(r.key(), r.value(), r.head())) {
                return;
            }
        }
        return;
    }
    // A few runs (one per class present in the scope): a linear pick beats a heap here.
    for (;;) {
        order_stream* best = nullptr;
        for (auto& r : runs) {
            if (r.valid() &&
                (best == nullptr || suffix_before(r.suffix(), best->suffix(), o, desc))) {
                best = &r;
            }
        }
        if (best == nullptr || !visit(best->key(), best->value(), best->head())) {
            return;
        }
        best->next();
    }
}

} // namespace packyard::store
