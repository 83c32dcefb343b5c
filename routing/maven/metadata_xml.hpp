#pragma once

// The artifact-level maven-metadata.xml, written from the stored packages. GitLab writes it
// only when a version is deleted (app/services/packages/maven/metadata/sync_service.rb and
// create_versions_xml_service.rb) and otherwise serves what the last client uploaded; packyard
// serves this document on every read instead, so that a deleted release never stays listed or
// "latest" and two concurrent deploys never drop each other's version
// (docs/decisions/0020-maven-registry.md).

#include "routing/maven/paths.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::routing::maven {

struct listed_version {
    std::string version;
    std::int64_t created_at = 0; ///< ms since the epoch
};

/// The document: groupId, artifactId, then <versioning> with <latest> (the newest version),
/// <release> (the newest that is not a SNAPSHOT; absent when there is none), <versions> in
/// the order given (oldest first) and <lastUpdated> (the newest version's creation, UTC,
/// yyyyMMddHHmmss, so that the bytes and their checksums change only with the versions).
std::string render_metadata(const coordinates& c, const std::vector<listed_version>& versions);

/// Lower-case hex digests of bytes served without a stored file.
struct checksums {
    std::string md5;
    std::string sha1;
};
checksums checksums_of(std::string_view bytes);

} // namespace packyard::routing::maven
