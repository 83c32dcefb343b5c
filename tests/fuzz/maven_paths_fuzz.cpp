// Maven's URL rules (routing/maven/paths.cpp) and the metadata document
// (routing/maven/metadata_xml.cpp). The first line is a request's encoded `*path/:file_name`;
// the other lines are versions for the document.
//
// Invariants: a split target's path and file name decode the segments of the URL (re-joining
// them with '/' gives the decoded URL when no segment held an encoded '/'); a target Grape
// accepts for upload has a file name of GitLab's characters; extract_format only strips
// ".md5"/".sha1"; a new package's name and version give back the path; a package that passes
// validation has GitLab's characters, no "..", and fits the store's bounds; the document is
// well formed (every '<' of its text is escaped) and lists each version once, in order.

#include "fuzz_support.hpp"
#include "routing/handlers/common.hpp"
#include "routing/maven/metadata_xml.hpp"
#include "routing/maven/paths.hpp"
#include "store/maven.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace packyard::routing;
namespace fuzz = packyard::fuzz;

namespace {

bool gitlab_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '+';
}

std::size_t count(std::string_view s, std::string_view what) {
    std::size_t n = 0;
    for (auto at = s.find(what); at != std::string_view::npos; at = s.find(what, at + 1)) {
        ++n;
    }
    return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text(data, size);
    const auto newline = input.find('\n');
    const std::string_view url = input.substr(0, newline);

    if (auto t = maven::split_target(url)) {
        FUZZ_CHECK(!t->file_name.empty());
        const auto decoded = handlers::pct_decode(url);
        if (decoded && url.find("%2F") == std::string_view::npos &&
            url.find("%2f") == std::string_view::npos) {
            FUZZ_CHECK(t->path + "/" + t->file_name == *decoded);
        }
        if (maven::parameter_errors(*t, true).empty()) {
            FUZZ_CHECK(std::all_of(t->file_name.begin(), t->file_name.end(), gitlab_char));
            FUZZ_CHECK(t->path.find("/../") == std::string::npos && !t->path.starts_with("/"));
        }
        const auto want = maven::extract_format(t->file_name);
        FUZZ_CHECK(std::string_view(t->file_name).starts_with(want.base));
        const auto rest = std::string_view(t->file_name).substr(want.base.size());
        FUZZ_CHECK(rest == (want.what == maven::format::md5    ? ".md5"
                            : want.what == maven::format::sha1 ? ".sha1"
                                                               : ""));
        const auto pkg = maven::package_for(t->path, t->file_name);
        if (pkg.versionless) {
            FUZZ_CHECK(pkg.name == t->path && t->file_name == "maven-metadata.xml");
        } else if (t->path.find('/') != std::string::npos) {
            FUZZ_CHECK(pkg.name + "/" + pkg.version == t->path);
        }
        if (maven::validation_errors(t->path, pkg).empty()) {
            FUZZ_CHECK(!pkg.name.empty() && pkg.name.size() <= 255);
            FUZZ_CHECK(t->path.size() <= packyard::store::maven_path_max);
            if (!pkg.versionless) {
                FUZZ_CHECK(!pkg.version.empty() && pkg.version.size() <= 255);
                FUZZ_CHECK(pkg.version.find("..") == std::string::npos);
                FUZZ_CHECK(std::all_of(pkg.version.begin(), pkg.version.end(), gitlab_char));
            }
            const auto c = maven::coordinates_of(pkg.name);
            FUZZ_CHECK(!c.group_id.empty() && !c.artifact_id.empty());
        }
    }

    // The document, from the other lines as versions (their bytes as they come).
    std::vector<maven::listed_version> versions;
    std::string_view rest =
        newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
    std::int64_t at = 0;
    while (!rest.empty() && versions.size() < 64) {
        const auto end = rest.find('\n');
        versions.push_back({std::string(rest.substr(0, end)), at += 1000});
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
    const auto doc = maven::render_metadata(maven::coordinates_of(url), versions);
    FUZZ_CHECK(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n"));
    FUZZ_CHECK(doc.ends_with("</versioning>\n</metadata>\n"));
    // Element tags only: 2 (xml decl, metadata) + 2×(groupId, artifactId) + versioning pair +
    // latest/release pairs + versions pair + 2 per version + lastUpdated pair + metadata close.
    const bool any = !versions.empty();
    const bool release = std::any_of(versions.begin(), versions.end(), [](const auto& v) {
        return !v.version.ends_with("-SNAPSHOT");
    });
    const std::size_t tags =
        2 + 4 + 2 + (any ? 2 : 0) + (release ? 2 : 0) + 2 + 2 * versions.size() + 2 + 1;
    FUZZ_CHECK(count(doc, "<") == tags);
    FUZZ_CHECK(count(doc, "<version>") == versions.size());
    const auto sums = maven::checksums_of(doc);
    FUZZ_CHECK(sums.md5.size() == 32 && sums.sha1.size() == 40);
    return 0;
}
