// An `npm publish` body on its way in (routing/npm/publish_stream.cpp): the splitter
// (publish_body.cpp) streams the first attachment's base64 through the decoder
// (base64_stream.cpp) into an upload file while it keeps the metadata, which
// read_publish_request (publish_request.cpp) reads at the end. The body is fed whole, a byte at
// a time and in drawn chunks.
//
// Invariants: whatever the chunks, the same verdict, request, integrity and file bytes; an
// accepted body is JSON, and its request and tarball are what reading the whole body at once
// gives (RapidJSON's DOM, the attachment GitLab reads decoded in one piece); the splitter's
// metadata is JSON exactly when the body is (publish_body.hpp).

#include "fuzz_support.hpp"
#include "routing/npm/base64_stream.hpp"
#include "routing/npm/publish_body.hpp"
#include "routing/npm/publish_request.hpp"
#include "routing/npm/publish_stream.hpp"
#include "store/blobs.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <rapidjson/document.h>
#include <string>

using namespace packyard;
using routing::npm::publish_stream;
using verdict = publish_stream::verdict;

namespace {

// Small bounds, so that inputs of a few KiB reach them too.
constexpr std::uint64_t max_tarball = 16 * 1024;
constexpr std::size_t metadata_limit = 32 * 1024;

const std::filesystem::path& tmp_dir() {
    static const std::filesystem::path dir = [] {
        const std::filesystem::path shm = "/dev/shm";
        auto base = std::filesystem::exists(shm) ? shm : std::filesystem::temp_directory_path();
        auto d = base / ("packyard-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct result {
    verdict v = verdict::ok;
    std::optional<routing::npm::publish_request> request;
    std::string integrity;
    std::string file;
};

bool same_request(const routing::npm::publish_request& a, const routing::npm::publish_request& b,
                  bool attachment_too) {
    return a.versions_missing == b.versions_missing && a.versions_invalid == b.versions_invalid &&
           a.name == b.name && a.version == b.version && a.package_json == b.package_json &&
           a.package_json_inspect_size == b.package_json_inspect_size &&
           a.package_json_schema_ok == b.package_json_schema_ok && a.shasum == b.shasum &&
           a.integrity == b.integrity && a.dist_tag == b.dist_tag &&
           a.deprecations == b.deprecations &&
           (!attachment_too || (a.attachment_streamed == b.attachment_streamed &&
                                a.inline_attachment == b.inline_attachment));
}

bool operator==(const result& a, const result& b) {
    if (a.v != b.v || a.integrity != b.integrity || a.file != b.file ||
        a.request.has_value() != b.request.has_value()) {
        return false;
    }
    return !a.request || same_request(*a.request, *b.request, true);
}

result publish(std::string_view body, fuzz::split how) {
    auto file = store::blob_upload::create(tmp_dir());
    FUZZ_CHECK(file.has_value());
    publish_stream ps(max_tarball, metadata_limit);
    result r;
    for (const auto chunk : fuzz::chunks(body, how)) {
        r.v = ps.write(chunk, *file);
        if (r.v != verdict::ok) {
            return r;
        }
    }
    r.v = ps.finish(*file);
    if (r.v != verdict::ok) {
        return r;
    }
    FUZZ_CHECK(ps.has_request());
    r.request = ps.request();
    r.integrity = ps.integrity();
    r.file = read_file(file->path());
    FUZZ_CHECK(r.file.size() == file->size());
    return r;
}

/// The splitter alone, with a sink that takes everything.
struct split_result {
    routing::npm::publish_body_splitter::status status;
    std::string metadata;
    std::string streamed;
};
split_result split_only(std::string_view body) {
    routing::npm::publish_body_splitter s(metadata_limit);
    split_result r;
    const routing::npm::publish_body_splitter::sink sink = [&r](std::string_view b) {
        r.streamed.append(b);
        return true;
    };
    r.status = s.feed(body, sink);
    if (r.status == routing::npm::publish_body_splitter::status::ok) {
        r.status = s.finish();
    }
    r.metadata = s.metadata();
    return r;
}

bool json_ok(std::string_view text) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag>(text.data(),
                                                                                 text.size());
    return !d.HasParseError();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = fuzz::text(data, size);

    const result whole = publish(body, fuzz::split::whole);
    FUZZ_CHECK(publish(body, fuzz::split::bytes) == whole);
    FUZZ_CHECK(publish(body, fuzz::split::drawn) == whole);

    const split_result split = split_only(body);
    if (split.status == routing::npm::publish_body_splitter::status::ok) {
        FUZZ_CHECK(json_ok(split.metadata) == json_ok(body));
    }
    if (whole.v != verdict::ok) {
        return 0;
    }
    // Accepted: the body is JSON, and reading it whole says the same.
    FUZZ_CHECK(json_ok(body));
    const auto at_once = routing::npm::read_publish_request(body, -1);
    FUZZ_CHECK(at_once.has_value());
    FUZZ_CHECK(same_request(*whole.request, *at_once, false));
    if (whole.request->attachment_streamed || !whole.request->inline_attachment.empty()) {
        // The attachment GitLab reads, decoded in one piece, is the file.
        std::string expected;
        routing::npm::base64_stream b64;
        const routing::npm::base64_stream::sink out = [&expected](std::string_view bytes) {
            expected.append(bytes);
            return true;
        };
        FUZZ_CHECK(b64.feed(at_once->inline_attachment, out));
        FUZZ_CHECK(b64.finish(out));
        FUZZ_CHECK(expected == whole.file);
    }
    return 0;
}
