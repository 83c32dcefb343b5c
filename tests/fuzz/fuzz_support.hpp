#pragma once

// What the fuzz targets share (tests/fuzz/*_fuzz.cpp; docs/decisions/0016-fuzzing.md): a check
// of an invariant that aborts with its condition, so that libFuzzer keeps the input as a crash
// like any sanitizer report, and the chunks a streamed parser is fed in. The chunks are derived
// from the input itself (a hash seeds the sizes), so a saved input replays the same splits.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

/// Aborts with the condition when an invariant does not hold (never compiled out).
#define FUZZ_CHECK(cond)                                                                           \
    ((cond) ? static_cast<void>(0) : ::packyard::fuzz::failed(#cond, __FILE__, __LINE__))

namespace packyard::fuzz {

[[noreturn]] inline void failed(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    std::abort();
}

/// The input as text.
inline std::string_view text(const std::uint8_t* data, std::size_t size) noexcept {
    return {reinterpret_cast<const char*>(data), size};
}

/// FNV-1a: an input's splits are drawn from its hash.
inline std::uint64_t hash(std::string_view s) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : s) {
        h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    }
    return h;
}

/// splitmix64: a small generator whose sequence depends on its seed only.
class generator {
public:
    explicit generator(std::uint64_t seed) noexcept
        : state_(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31U);
    }

private:
    std::uint64_t state_;
};

/// How a body is cut before it is fed: whole, a byte at a time, or in sizes drawn from the
/// input's hash (mostly 1 to 16 bytes, so that boundaries fall inside delimiters, escapes and
/// base64 quanta; now and then up to 4 KiB).
enum class split { whole, bytes, drawn };
inline constexpr split all_splits[] = {split::whole, split::bytes, split::drawn};

inline std::vector<std::string_view> chunks(std::string_view s, split how) {
    std::vector<std::string_view> out;
    if (how == split::whole) {
        out.push_back(s);
        return out;
    }
    generator g(hash(s));
    while (!s.empty()) {
        std::size_t n = 1;
        if (how == split::drawn) {
            const std::uint64_t r = g.next();
            n = (r & 7U) == 0 ? 1 + (r >> 8U) % 4096 : 1 + (r >> 8U) % 16;
        }
        n = n < s.size() ? n : s.size();
        out.push_back(s.substr(0, n));
        s.remove_prefix(n);
    }
    return out;
}

/// The input cut at its first '\n': a header line (a Content-Type, a method) and the rest.
struct line_and_rest {
    std::string_view line;
    std::string_view rest;
};
inline line_and_rest first_line(std::string_view s) noexcept {
    const auto nl = s.find('\n');
    if (nl == std::string_view::npos) {
        return {s, {}};
    }
    return {s.substr(0, nl), s.substr(nl + 1)};
}

/// The input cut at every '\n'.
inline std::vector<std::string_view> lines(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto nl = s.find('\n');
        out.push_back(s.substr(0, nl));
        if (nl == std::string_view::npos) {
            return out;
        }
        s.remove_prefix(nl + 1);
    }
}

/// One file in memory for every input of a parser that reads a path (libarchive's readers),
/// named by its /proc path.
struct memory_file {
    int fd = ::memfd_create("packyard-fuzz", 0);
    std::string path = "/proc/self/fd/" + std::to_string(fd);

    void hold(std::string_view bytes) const {
        FUZZ_CHECK(fd >= 0 && ::ftruncate(fd, 0) == 0);
        FUZZ_CHECK(::pwrite(fd, bytes.data(), bytes.size(), 0) ==
                   static_cast<ssize_t>(bytes.size()));
    }
};

} // namespace packyard::fuzz
