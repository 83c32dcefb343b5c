#pragma once

// The packument (an npm package's metadata document) and its dist-tags, rendered from plain data
// (store::npm_version rows), as GitLab's Packages::Npm::GenerateMetadataService and
// API::Entities::NpmPackage build them. The abbreviated form is GitLab's; the full form
// (asked for with Accept: application/json, which `npm install` and `npm view` send) is
// packyard's answer to gitlab#344107: every stored package.json field, plus `time`.

#include "store/npm.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace packyard::routing::npm {

/// The rendered-page cache's key of a packument: what its bytes depend on (project, name, form,
/// tarball prefix).
std::string packument_key(std::uint64_t project_id, std::string_view name, bool full,
                          std::string_view tarball_prefix);

enum class packument_form : std::uint8_t { abbreviated, full };

/// tarball_prefix: the URL up to and including ".../packages/npm/" that tarball links start
/// with (the tarball route of the level the packument was asked at).
std::string render_packument(std::string_view name, const std::vector<store::npm_version>& versions,
                             std::string_view tarball_prefix, packument_form form);

/// {"latest":"1.0.1","beta":"1.1.0-rc1"}: each tag on the version of its package, `latest`
/// added (last) as the highest version by github/version_sorter when no package carries it.
std::string render_dist_tags(const std::vector<store::npm_version>& versions);

/// Which form an Accept header asks for: the full document for a plain application/json
/// (npm >= 10.4 install, npm view, deprecate's ?write=true with */*), the abbreviated one when
/// npm's install-v1 media type is preferred.
packument_form form_for(std::string_view accept) noexcept;

} // namespace packyard::routing::npm
