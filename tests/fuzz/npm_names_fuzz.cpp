// npm names and versions as GitLab validates and orders them (routing/npm/names.cpp): the
// input is three lines, each read as a name and as a version.
//
// Invariants: a scope only on a valid scoped name, and the name is "@scope/rest"; a SemVer
// version equals itself, with a leading 'v' and with build metadata; same_version is symmetric
// and transitive; version_sorter_compare is -1, 0 or 1, 0 on equal text, and antisymmetric.

#include "fuzz_support.hpp"
#include "routing/npm/names.hpp"

#include <string>

using namespace packyard::routing::npm;
namespace fuzz = packyard::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parts = fuzz::lines(fuzz::text(data, size));
    parts.resize(3);

    for (const auto s : parts) {
        if (const auto scope = scope_of(s)) {
            FUZZ_CHECK(valid_name(s));
            FUZZ_CHECK(s.starts_with("@" + std::string(*scope) + "/"));
        } else {
            FUZZ_CHECK(!valid_name(s) || !s.starts_with('@'));
        }
        if (valid_semver(s)) {
            FUZZ_CHECK(same_version(s, s) == true);
            FUZZ_CHECK(same_version("v" + std::string(s), s) == true);
            if (s.find('+') == std::string_view::npos) {
                FUZZ_CHECK(valid_semver(std::string(s) + "+build.7"));
                FUZZ_CHECK(same_version(std::string(s) + "+build.7", s) == true);
            }
        }
        FUZZ_CHECK(version_sorter_compare(s, s) == 0);
    }
    for (std::size_t i = 0; i < 3; ++i) {
        const auto a = parts[i];
        const auto b = parts[(i + 1) % 3];
        const auto c = parts[(i + 2) % 3];
        const auto ab = same_version(a, b);
        FUZZ_CHECK(ab == same_version(b, a));
        if (ab == true && same_version(b, c) == true) {
            FUZZ_CHECK(same_version(a, c) == true);
        }
        const int cmp = version_sorter_compare(a, b);
        FUZZ_CHECK(cmp >= -1 && cmp <= 1);
        FUZZ_CHECK(version_sorter_compare(b, a) == -cmp);
    }
    return 0;
}
