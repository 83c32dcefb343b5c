// A derived table against what the rows imply. The table can hold 40 million entries (the
// listing index of 1.1M packages), too many to hold the expected ones in memory, so the check
// narrows down instead:
// 1. a digest (count and sum of entry hashes) per bucket — a scope, a project — from the
//    generator and from one walk over the table: equal digests, equal entries;
// 2. for the buckets that differ, a digest per 256th of them (by key hash), from the generator
//    again and a walk of just those buckets;
// 3. for the 256ths that differ, the entries themselves, sorted and merged: what is missing,
//    what should not be there, and what holds the wrong value.
// A clean table costs one generator pass and one walk; damage costs two more, over its part.

#include "store/check_detail.hpp"
#include "store/codec.hpp"
#include "store/package_keys.hpp"

#include <functional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace packyard::store::check_detail {
namespace {

/// Entries held in memory for step 3, per table; past it the differences are only counted.
constexpr std::size_t max_entries_compared = 2'000'000;

std::uint64_t mix(std::uint64_t x) noexcept { // splitmix64's finalizer
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct digest {
    std::uint64_t sum = 0;
    std::uint64_t count = 0;
    bool operator==(const digest&) const = default;
};

/// Looked up by string_view: an entry's bucket is found without building a string.
struct bucket_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

/// Digests by bucket; the last bucket is remembered, since a walk meets a bucket's entries
/// one after another.
class digests {
public:
    digest& at(std::string_view bucket) {
        if (last_ == nullptr || bucket != last_key_) {
            auto it = map_.find(bucket);
            if (it == map_.end()) {
                it = map_.emplace(std::string(bucket), digest{}).first;
            }
            last_key_ = it->first;
            last_ = &it->second;
        }
        return *last_;
    }
    void add(std::string_view bucket, std::uint64_t h) {
        auto& d = at(bucket);
        d.sum += h;
        ++d.count;
    }
    const std::unordered_map<std::string, digest, bucket_hash, std::equal_to<>>& map() const {
        return map_;
    }

private:
    std::unordered_map<std::string, digest, bucket_hash, std::equal_to<>> map_;
    std::string_view last_key_; ///< a node's key: stable while the map lives
    digest* last_ = nullptr;
};

struct hashed {
    std::uint64_t key;   ///< the key's hash: picks a 256th of a bucket
    std::uint64_t entry; ///< key and value together: what digests sum
};
hashed hash_entry(std::string_view key, std::string_view value) noexcept {
    const std::uint64_t hk = std::hash<std::string_view>{}(key);
    const std::uint64_t hv = std::hash<std::string_view>{}(value);
    return {hk, mix(hk ^ mix(hv + 0x9E3779B97F4A7C15ULL))};
}

/// A derived table as the check reads it: buckets, and values reduced to what rows imply.
class table_reader {
public:
    table_reader(const txn& t, const derived_table& d)
        : t_(t)
        , d_(d) {}

    std::string_view bucket_of(std::string_view key) const noexcept {
        return key.substr(0, std::min(d_.bucket, key.size()));
    }
    static std::string sub_bucket(std::string_view bucket, std::uint64_t key_hash) {
        std::string s(bucket);
        s.push_back(static_cast<char>(key_hash >> 56));
        return s;
    }

    /// f(key, value) for every entry the rows imply (kept ones aside).
    template <class F>
    void expected(F&& f) const {
        d_.generate(t_, [&](std::string_view key, std::string_view value) {
            if (d_.kept == nullptr || !d_.kept(key)) {
                f(key, reduce(value));
            }
        });
    }

    /// f(key, value) for every entry of the table, or only of the given buckets (sorted).
    template <class F>
    void actual(const std::vector<std::string>* buckets, F&& f) const {
        cursor c(t_, t_.db().*d_.dbi);
        auto visit = [&](std::string_view key, std::string_view value) {
            if (d_.kept == nullptr || !d_.kept(key)) {
                f(key, reduce(value));
            }
        };
        if (buckets == nullptr) {
            for (bool ok = c.first(); ok; ok = c.next()) {
                visit(c.key(), c.value());
            }
            return;
        }
        for (const auto& b : *buckets) {
            // A shorter key is a bucket of its own; the keys it prefixes belong to theirs.
            for (bool ok = b.empty() ? c.first() : c.seek(b); ok && has_prefix(c.key(), b);
                 ok = c.next()) {
                if (bucket_of(c.key()) == b) {
                    visit(c.key(), c.value());
                }
            }
        }
    }

private:
    std::string_view reduce(std::string_view value) const noexcept {
        return d_.derived_part != nullptr ? d_.derived_part(value) : value;
    }
    const txn& t_;
    const derived_table& d_;
};

std::vector<std::string> differing(const digests& a, const digests& b) {
    std::set<std::string> out;
    for (const auto& [k, v] : a.map()) {
        if (auto it = b.map().find(k); it == b.map().end() || !(it->second == v)) {
            out.insert(k);
        }
    }
    for (const auto& [k, v] : b.map()) {
        if (!a.map().contains(k)) {
            out.insert(k);
        }
    }
    return {out.begin(), out.end()};
}

const char* order_name(std::uint8_t o) noexcept {
    switch (static_cast<list_order>(o)) {
    case list_order::created_at:
        return "created_at";
    case list_order::name:
        return "name";
    case list_order::version:
        return "version";
    case list_order::type:
        return "type";
    case list_order::project_path:
        return "project_path";
    }
    return "unknown order";
}

/// package_order's keys in words: which package, in which scope's which run.
std::string describe_order_key(std::string_view key) {
    if (key.size() < keys::order_head + 8) {
        return "key " + printable_key(key);
    }
    const auto scope = static_cast<std::uint8_t>(key[0]);
    const auto byte = static_cast<std::uint8_t>(key[keys::order_head - 1]);
    std::string out = "package ";
    const std::uint8_t order = byte & 0x0fU;
    const bool path_order =
        byte != keys::version_facet && order == static_cast<std::uint8_t>(list_order::project_path);
    const std::uint64_t tail = key_u64(key, key.size() - 8);
    out += std::to_string(path_order ? ~tail : tail);
    out += scope == static_cast<std::uint8_t>(list_scope::project) ? ", project " : ", group ";
    out += std::to_string(key_u64(key, 1));
    if (byte == keys::version_facet) {
        out += ", version facet";
    } else {
        out += (byte & keys::class_facet) != 0 ? ", class facet, order " : ", order ";
        out += order_name(order);
    }
    return out;
}

/// package_names' keys: project · gram (3 bytes) [· name\0].
std::string describe_name_key(std::string_view key) {
    if (key.size() < 11) {
        return "key " + printable_key(key);
    }
    const auto gram = key.substr(8, 3);
    std::string out = "project " + std::to_string(key_u64(key, 0)) + ", ";
    out += gram == std::string_view("\0\0\0", 3) ? "all names" : "gram '" + std::string(gram) + "'";
    if (key.size() > 11) {
        out += ", name '" + std::string(key.substr(11, key.size() - 12)) + "'";
    } else {
        out += ", count";
    }
    return out;
}

std::string describe(const derived_table& d, std::string_view key) {
    if (d.name == "package_order") {
        return describe_order_key(key);
    }
    if (d.name == "package_names") {
        return describe_name_key(key);
    }
    return "key " + printable_key(key);
}

} // namespace

std::string printable_key(std::string_view key) {
    std::string out;
    static constexpr char hex[] = "0123456789abcdef";
    bool in_text = false; // a NUL after text ends the string (keys' str0)
    for (std::size_t i = 0; i < key.size();) {
        const auto c = static_cast<unsigned char>(key[i]);
        if (in_text && c == 0) {
            out += '.';
            in_text = false;
            ++i;
            continue;
        }
        // A big-endian id: it starts with zero bytes (ids stay far below 2^40).
        if (key.size() - i >= 8 && key[i] == 0 && key[i + 1] == 0 && key[i + 2] == 0) {
            if (!out.empty() && out.back() != '.') {
                out += '.';
            }
            out += std::to_string(key_u64(key, i));
            out += '.';
            in_text = false;
            i += 8;
            continue;
        }
        in_text = c >= 0x20 && c < 0x7f && c != '\\';
        if (in_text) {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xfU];
        }
        ++i;
    }
    while (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    return out;
}

check_result compare_table(const txn& t, const derived_table& d, std::size_t examples) {
    check_result r;
    r.name = std::string(d.name);
    r.unit = "entries";
    r.fix = remedy::rebuild;
    const table_reader reader(t, d);

    // 1. A digest per bucket.
    digests want;
    digests have;
    reader.expected([&](std::string_view k, std::string_view v) {
        want.add(reader.bucket_of(k), hash_entry(k, v).entry);
        ++r.checked;
    });
    reader.actual(nullptr, [&](std::string_view k, std::string_view v) {
        have.add(reader.bucket_of(k), hash_entry(k, v).entry);
    });
    const auto buckets = differing(want, have);
    if (buckets.empty()) {
        return r;
    }

    // 2. A digest per 256th of each bucket that differs.
    const std::unordered_set<std::string, bucket_hash, std::equal_to<>> bad(buckets.begin(),
                                                                            buckets.end());
    digests want_part;
    digests have_part;
    reader.expected([&](std::string_view k, std::string_view v) {
        const auto b = reader.bucket_of(k);
        if (bad.contains(b)) {
            const auto h = hash_entry(k, v);
            want_part.add(table_reader::sub_bucket(b, h.key), h.entry);
        }
    });
    reader.actual(&buckets, [&](std::string_view k, std::string_view v) {
        const auto h = hash_entry(k, v);
        have_part.add(table_reader::sub_bucket(reader.bucket_of(k), h.key), h.entry);
    });
    const auto parts = differing(want_part, have_part);
    const std::unordered_set<std::string, bucket_hash, std::equal_to<>> bad_parts(parts.begin(),
                                                                                  parts.end());

    // 3. The entries of those 256ths, merged.
    using entry = std::pair<std::string, std::string>;
    std::vector<entry> expected;
    std::vector<entry> actual;
    bool too_many = false;
    auto keep = [&](std::vector<entry>& into, std::string_view k, std::string_view v) {
        if (too_many) {
            return;
        }
        const auto h = hash_entry(k, v);
        if (bad_parts.contains(table_reader::sub_bucket(reader.bucket_of(k), h.key))) {
            if (expected.size() + actual.size() >= max_entries_compared) {
                too_many = true;
                return;
            }
            into.emplace_back(k, v);
        }
    };
    reader.expected([&](std::string_view k, std::string_view v) {
        if (bad.contains(reader.bucket_of(k))) {
            keep(expected, k, v);
        }
    });
    reader.actual(&buckets, [&](std::string_view k, std::string_view v) { keep(actual, k, v); });
    if (too_many) {
        // Each differing part holds at least one difference, and at least its count's.
        r.at_least = true;
        for (const auto& p : parts) {
            const auto w = want_part.at(p).count;
            const auto h = have_part.at(p).count;
            r.problems += std::max<std::uint64_t>(1, w > h ? w - h : h - w);
        }
        r.note = "too many differences to list";
        return r;
    }
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
    tally found(r, examples);
    auto e = expected.begin();
    auto a = actual.begin();
    while (e != expected.end() || a != actual.end()) {
        if (a == actual.end() || (e != expected.end() && e->first < a->first)) {
            found.add([&] { return "missing: " + describe(d, e->first); });
            ++e;
        } else if (e == expected.end() || a->first < e->first) {
            found.add([&] { return "not implied by any row: " + describe(d, a->first); });
            ++a;
        } else {
            if (e->second != a->second) {
                found.add([&] { return "wrong value: " + describe(d, a->first); });
            }
            ++e;
            ++a;
        }
    }
    return r;
}

} // namespace packyard::store::check_detail
