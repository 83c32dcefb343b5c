// Multipart uploads (routing/multipart.cpp): the Content-Type's boundary, and the extractor as
// the generic upload (the "file" part) and twine's PyPI form (the "content" part, the declared
// fields kept and capped) use it. The input is the Content-Type, a newline, then the body; the
// body is fed whole, a byte at a time and in drawn chunks.
//
// Invariants: a boundary is 1 to 70 characters and classify_upload agrees with it; whatever the
// chunks, the extractor ends the same way (accepted or not, complete, the file's bytes, its
// file name, the kept fields, which were cut, the bytes held); the file's bytes never hold the
// delimiter; kept fields stay within their cap and held() counts them.

#include "fuzz_support.hpp"
#include "routing/multipart.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>

using namespace packyard;
using routing::multipart_extractor;

namespace {

constexpr std::size_t field_cap = 24;

const std::set<std::string, std::less<>>& twine_fields() {
    static const std::set<std::string, std::less<>> fields{
        "name",         "version",       "requires_python",
        "md5_digest",   "sha256_digest", "metadata_version",
        "author_email", "description",   "description_content_type",
        "summary",      "keywords"};
    return fields;
}

struct result {
    bool accepted = true;
    bool complete = false;
    std::string file;
    std::optional<std::string> file_name;
    std::map<std::string, std::string, std::less<>> fields;
    std::set<std::string> cut;
    std::size_t held = 0;

    bool operator==(const result&) const = default;
};

result extract(const std::string& boundary, std::string_view body, bool pypi, fuzz::split how) {
    multipart_extractor ex =
        pypi ? multipart_extractor(boundary, "content", twine_fields(), field_cap)
             : multipart_extractor(boundary, "file");
    result r;
    const multipart_extractor::sink sink = [&r](std::string_view s) {
        r.file.append(s);
        return std::error_code{};
    };
    for (const auto chunk : fuzz::chunks(body, how)) {
        if (!ex.feed(chunk, sink)) {
            r.accepted = false;
            break;
        }
    }
    r.complete = ex.complete();
    r.file_name = ex.file_name();
    r.fields = ex.fields();
    for (const auto& name : twine_fields()) {
        if (ex.field_cut(name)) {
            r.cut.insert(name);
        }
    }
    r.held = ex.held();
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [content_type, body] = fuzz::first_line(fuzz::text(data, size));

    const auto boundary = routing::multipart_boundary(content_type);
    const auto wrapping = routing::classify_upload(content_type);
    if (boundary) {
        FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);
        FUZZ_CHECK(wrapping == routing::upload_wrapping::form_data);
    } else {
        FUZZ_CHECK(wrapping != routing::upload_wrapping::form_data);
    }
    // Without a usable boundary the body is read as if it had the one of most seeds.
    const std::string b = boundary.value_or("xx");
    const std::string delimiter = "\r\n--" + b;

    for (const bool pypi : {false, true}) {
        const result whole = extract(b, body, pypi, fuzz::split::whole);
        FUZZ_CHECK(extract(b, body, pypi, fuzz::split::bytes) == whole);
        FUZZ_CHECK(extract(b, body, pypi, fuzz::split::drawn) == whole);
        FUZZ_CHECK(whole.file.find(delimiter) == std::string::npos);
        FUZZ_CHECK(whole.file.size() <= body.size());
        std::size_t held = 0;
        for (const auto& [name, value] : whole.fields) {
            FUZZ_CHECK(pypi && twine_fields().contains(name));
            FUZZ_CHECK(value.size() <= field_cap);
            held += value.size();
        }
        FUZZ_CHECK(held == whole.held);
        for (const auto& name : whole.cut) {
            FUZZ_CHECK(!whole.complete ||
                       (whole.fields.contains(name) && whole.fields.at(name).size() == field_cap));
        }
    }

    // A sink that refuses ends the body with its error.
    multipart_extractor ex(b, "file");
    const auto refused = std::make_error_code(std::errc::no_space_on_device);
    const multipart_extractor::sink full = [&](std::string_view) { return refused; };
    bool ok = true;
    for (const auto chunk : fuzz::chunks(body, fuzz::split::drawn)) {
        ok = ex.feed(chunk, full);
        if (!ok) {
            break;
        }
    }
    FUZZ_CHECK(ok || !ex.error() || ex.error() == refused);
    FUZZ_CHECK(ok || !ex.feed("x", full));
    return 0;
}
