#pragma once

// What an `npm publish` (or `npm deprecate`) body says, read from the metadata the splitter kept
// (publish_body.hpp): the fields GitLab's Packages::Npm::CreatePackageService and
// DeprecatePackageService use, and the package.json GitLab stores (npm_metadata.package_json).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace packyard::routing::npm {

struct publish_request {
    /// Grape's `requires :versions, type: Hash`: present, and an object.
    bool versions_missing = true;
    bool versions_invalid = false;

    std::string name;    ///< the body's "name" ("" when absent or not a string)
    std::string version; ///< the first key of "versions"

    /// The version object as GitLab stores it: without readme, readmeFilename, licenseText,
    /// contributors and exports, with hasInstallScript when an install script exists.
    std::string package_json;
    /// Ruby's Hash#inspect length of that object (GitLab's limit is < 20,000 characters).
    std::size_t package_json_inspect_size = 0;
    /// app/validators/json_schemas/npm_package_json.json: name and version strings, a dist
    /// object with tarball and shasum strings.
    bool package_json_schema_ok = false;
    std::optional<std::string> shasum;    ///< versions[v].dist.shasum
    std::optional<std::string> integrity; ///< versions[v].dist.integrity

    /// The first key of "dist-tags" (CreateTagService's tag).
    std::optional<std::string> dist_tag;

    /// _attachments["<name>-<version>.tgz"]: whether its data is what the splitter streamed, or
    /// else its data as base64 text (empty: GitLab's "Attachment data is empty.").
    bool attachment_streamed = false;
    std::string inline_attachment;

    /// npm deprecate: versions whose "deprecated" member is present and not null or false,
    /// with its text, in body order (an empty text un-deprecates).
    std::vector<std::pair<std::string, std::string>> deprecations;
};

/// Reads the metadata document. streamed_member: which member of _attachments the splitter
/// streamed (-1: none). Empty when the document is not JSON or not an object.
std::optional<publish_request> read_publish_request(std::string_view metadata, int streamed_member);

/// The length of Ruby's Hash#inspect of a JSON document (Ruby 3.3 and earlier: "k"=>"v").
std::size_t ruby_inspect_size(std::string_view json);

} // namespace packyard::routing::npm
