#include "server/request_id.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <openssl/rand.h>

namespace packyard::server {
namespace {

constexpr char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// A busy thread starts a new millisecond on nearly every request, and one RAND_bytes call
// costs thousands of instructions whatever it returns: the random bits are drawn 64 ids at a
// time.
constexpr std::size_t id_bytes = 10;
constexpr std::size_t pool_ids = 64;

struct ulid_state {
    std::uint64_t ms = 0;
    std::uint16_t hi = 0; ///< the top 16 of the 80 random bits
    std::uint64_t lo = 0; ///< the low 64
    std::array<unsigned char, id_bytes * pool_ids> pool{};
    std::size_t used = pool_ids; ///< ids of the pool taken
};

void draw(ulid_state& s) {
    if (s.used == pool_ids) {
        s.used = RAND_bytes(s.pool.data(), static_cast<int>(s.pool.size())) == 1 ? 0 : pool_ids;
    }
    unsigned char bytes[id_bytes];
    if (s.used < pool_ids) {
        std::memcpy(bytes, s.pool.data() + s.used * id_bytes, id_bytes);
        ++s.used;
    } else {
        // No entropy (never seen): fall back on the time and the address of the state, still
        // unique per thread and millisecond together with the count below.
        const auto now =
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        const auto where = reinterpret_cast<std::uintptr_t>(&s);
        std::memcpy(bytes, &now, 8);
        std::memcpy(bytes + 8, &where, 2);
    }
    s.hi = static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
    std::memcpy(&s.lo, bytes + 2, 8);
}

} // namespace

std::array<char, 26> next_request_id() {
    thread_local ulid_state s;
    const auto ms =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    if (ms != s.ms) {
        s.ms = ms;
        draw(s);
    } else if (++s.lo == 0) {
        ++s.hi; // 80 bits do not run out within a millisecond
    }
    // 128 bits, most significant first: 48 of time, 16 + 64 random; 26 digits of 5 bits
    // (the first holds the top 3 bits of the 130).
    const std::uint64_t high = (ms & 0xFFFFFFFFFFFFULL) << 16 | s.hi;
    const std::uint64_t low = s.lo;
    std::array<char, 26> out{};
    for (int i = 25; i >= 0; --i) {
        const int bit = (25 - i) * 5; // of the digit's lowest bit, from the least significant
        std::uint64_t v = 0;
        if (bit >= 64) {
            v = high >> (bit - 64);
        } else {
            v = low >> bit;
            if (bit > 59) {
                v |= high << (64 - bit);
            }
        }
        out[static_cast<std::size_t>(i)] = crockford[v & 31U];
    }
    return out;
}

} // namespace packyard::server
