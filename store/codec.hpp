#pragma once

// Keys are built big-endian and fixed width so LMDB's memcmp order is numeric order; values are
// a small versioned binary encoding read with bounds checks (never reinterpret_cast into the map:
// LMDB guarantees only 2-byte alignment).

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace packyard::store {

/// Builds a composite key: fixed-width big-endian integers and raw byte strings.
class key_builder {
public:
    key_builder& u8(std::uint8_t v) {
        buf_.push_back(static_cast<char>(v));
        return *this;
    }
    key_builder& u32(std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            buf_.push_back(static_cast<char>((v >> shift) & 0xffU));
        }
        return *this;
    }
    key_builder& u64(std::uint64_t v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf_.push_back(static_cast<char>((v >> shift) & 0xffU));
        }
        return *this;
    }
    /// Signed 64-bit with the sign bit flipped so negative values sort first.
    key_builder& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v) ^ (1ULL << 63)); }
    /// Raw bytes; only safe as the last variable-length part, or before a fixed-width tail.
    key_builder& bytes(std::string_view s) {
        buf_.append(s);
        return *this;
    }
    /// Bytes followed by a 0x00 terminator so that "ab" sorts before "ab\x01..." prefixes of
    /// longer names; callers must reject NUL in the string itself.
    key_builder& str0(std::string_view s) {
        buf_.append(s);
        buf_.push_back('\0');
        return *this;
    }

    std::string_view view() const noexcept { return buf_; }
    const std::string& str() const noexcept { return buf_; }
    std::size_t size() const noexcept { return buf_.size(); }

private:
    std::string buf_;
};

/// Reads big-endian integers out of a key at a byte offset (no bounds check: keys are ours).
inline std::uint64_t key_u64(std::string_view key, std::size_t offset) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        v = (v << 8) | static_cast<unsigned char>(key[offset + i]);
    }
    return v;
}
inline std::uint32_t key_u32(std::string_view key, std::size_t offset) noexcept {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        v = (v << 8) | static_cast<unsigned char>(key[offset + i]);
    }
    return v;
}
inline std::int64_t key_i64(std::string_view key, std::size_t offset) noexcept {
    return static_cast<std::int64_t>(key_u64(key, offset) ^ (1ULL << 63));
}

inline std::string u64_key(std::uint64_t v) {
    key_builder k;
    k.u64(v);
    return k.str();
}

/// Two ids as one key: (parent, child) relations sorted by parent, then child.
inline std::string u64_pair_key(std::uint64_t a, std::uint64_t b) {
    key_builder k;
    k.u64(a).u64(b);
    return k.str();
}

/// Appends fields of a stored value (little-endian fixed ints, length-prefixed strings).
class value_writer {
public:
    value_writer& u8(std::uint8_t v) {
        buf_.push_back(static_cast<char>(v));
        return *this;
    }
    value_writer& boolean(bool v) { return u8(v ? 1 : 0); }
    value_writer& u32(std::uint32_t v) {
        char b[4];
        std::memcpy(b, &v, 4);
        buf_.append(b, 4);
        return *this;
    }
    value_writer& u64(std::uint64_t v) {
        char b[8];
        std::memcpy(b, &v, 8);
        buf_.append(b, 8);
        return *this;
    }
    value_writer& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
    value_writer& str(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        buf_.append(s);
        return *this;
    }
    /// An optional string: a presence byte, then the string.
    value_writer& opt_str(const std::optional<std::string>& s) {
        u8(s ? 1 : 0);
        if (s) {
            str(*s);
        }
        return *this;
    }
    std::string take() { return std::move(buf_); }
    std::string_view view() const noexcept { return buf_; }

private:
    std::string buf_;
};

/// Reads what value_writer wrote; every read checks bounds and sets a sticky failure flag.
class value_reader {
public:
    explicit value_reader(std::string_view data) noexcept
        : data_(data) {}

    std::uint8_t u8() noexcept {
        if (!need(1)) {
            return 0;
        }
        return static_cast<std::uint8_t>(data_[pos_++]);
    }
    bool boolean() noexcept { return u8() != 0; }
    std::uint32_t u32() noexcept {
        std::uint32_t v = 0;
        if (need(4)) {
            std::memcpy(&v, data_.data() + pos_, 4);
            pos_ += 4;
        }
        return v;
    }
    std::uint64_t u64() noexcept {
        std::uint64_t v = 0;
        if (need(8)) {
            std::memcpy(&v, data_.data() + pos_, 8);
            pos_ += 8;
        }
        return v;
    }
    std::int64_t i64() noexcept { return static_cast<std::int64_t>(u64()); }
    std::string str() {
        const std::uint32_t n = u32();
        if (!need(n)) {
            return {};
        }
        std::string s(data_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    std::optional<std::string> opt_str() {
        if (u8() == 0) {
            return std::nullopt;
        }
        return str();
    }
    /// True when every read so far stayed inside the value.
    bool ok() const noexcept { return ok_; }
    bool at_end() const noexcept { return pos_ == data_.size(); }

private:
    bool need(std::size_t n) noexcept {
        if (!ok_ || data_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }

    std::string_view data_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

} // namespace packyard::store
