// The tarball check of an npm publish (routing/npm/tarball_manifest.cpp: libarchive's gzip and
// tar readers, then RapidJSON over package/package.json): the input is the tarball's bytes (a
// plain tar is read too, so the fuzzer can reach the manifest without a valid gzip stream).
//
// Invariants: the answer is one of GitLab's status messages, and the same when asked twice.

#include "fuzz_support.hpp"
#include "routing/npm/tarball_manifest.hpp"

#include <string>

using namespace packyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const fuzz::memory_file file;
    file.hold(fuzz::text(data, size));
    const std::string verdict = routing::npm::check_tarball(file.path, "@scope/pkg", "1.0.0");
    FUZZ_CHECK(verdict.empty() || verdict == "invalid package file" ||
               verdict == "package.json not found" || verdict == "package.json file too large" ||
               verdict == "Package manifest is not coherent" ||
               verdict == "Version in package.json is not SemVer compliant");
    FUZZ_CHECK(routing::npm::check_tarball(file.path, "@scope/pkg", "1.0.0") == verdict);
    return 0;
}
