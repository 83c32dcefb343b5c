// A wheel's core metadata (routing/pypi/wheel_metadata.cpp: libarchive's seekable zip reader):
// the input is the wheel's bytes.
//
// Invariants: the METADATA found is within max_core_metadata, and the same when asked twice.

#include "fuzz_support.hpp"
#include "routing/pypi/wheel_metadata.hpp"

#include <string>

using namespace packyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const fuzz::memory_file file;
    file.hold(fuzz::text(data, size));
    const auto metadata = routing::pypi::wheel_metadata(file.path);
    if (metadata) {
        FUZZ_CHECK(metadata->size() <= routing::pypi::max_core_metadata);
    }
    FUZZ_CHECK(routing::pypi::wheel_metadata(file.path) == metadata);
    return 0;
}
