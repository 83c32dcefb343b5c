#pragma once

// What a Maven URL names, by GitLab's rules (lib/api/maven_packages.rb,
// lib/api/helpers/packages/maven.rb, app/models/packages/maven/metadatum.rb,
// lib/gitlab/regex/packages.rb): the path and file name of a request, the checksum format a
// file name asks for, and the package a stored file would go to.

#include <optional>
#include <string>
#include <string_view>

namespace packyard::routing::maven {

/// A request's `*path/:file_name`, decoded.
struct target {
    std::string path;      ///< groupId with '/' · artifactId [· version]
    std::string file_name; ///< the last segment
};

/// Splits an encoded `rest` (everything after ".../packages/maven/") into path and file name,
/// decoding each segment; none when it has fewer than two segments or a malformed escape (no
/// route of GitLab's matches then).
std::optional<target> split_target(std::string_view encoded_rest);

/// Grape's parameter errors for path and file name, in declaration order ("" when valid): the
/// file_path validator on both for a read; for an upload maven_file_name_regex on the file
/// name (all GitLab declares there), and the traversal checks GitLab's PathTraversalCheck
/// middleware makes in front of it (docs/decisions/0020-maven-registry.md).
std::string parameter_errors(const target& t, bool upload);

/// extract_format: "x.jar.sha1" asks for the sha1 of "x.jar"; any other name asks for itself.
enum class format { file, md5, sha1 };
struct wanted {
    std::string_view base; ///< the stored file's name
    format what = format::file;
};
wanted extract_format(std::string_view file_name);

/// The package a stored upload goes to when the project has none at the path
/// (Packages::Maven::CreatePackageService): an artifact's maven-metadata.xml makes the
/// versionless package named after the whole path; anything else splits off the version.
struct new_package {
    std::string name;
    std::string version; ///< empty for the versionless package
    bool versionless = false;
};
new_package package_for(std::string_view path, std::string_view file_name);

/// The validation messages creating that package would fail with, joined as Rails joins them
/// ("" when valid): Version (maven_version_regex), then the metadatum's path, app_group and
/// app_name; plus the store's length bounds.
std::string validation_errors(std::string_view path, const new_package& p);

/// "com/acme/demo" -> groupId "com.acme", artifactId "demo" (the metadatum's app_group and
/// app_name).
struct coordinates {
    std::string group_id;
    std::string artifact_id;
};
coordinates coordinates_of(std::string_view name);

} // namespace packyard::routing::maven
