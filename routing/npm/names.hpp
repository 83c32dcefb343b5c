#pragma once

// npm package names and versions as GitLab validates and orders them
// (lib/gitlab/regex/packages.rb, lib/gitlab/path_regex.rb, github/version_sorter).

#include <optional>
#include <string_view>

namespace packyard::routing::npm {

/// npm_package_name_regex: \A(?:@(NAMESPACE_FORMAT_REGEX)/)?[-+._a-zA-Z0-9]+\z, where a scope is
/// a GitLab path ([a-zA-Z0-9_.][a-zA-Z0-9_.-]*[a-zA-Z0-9_-] or one [a-zA-Z0-9_]) that does not
/// end in ".git" or ".atom".
bool valid_name(std::string_view name) noexcept;

/// Packages::Npm.scope_of: the scope (without '@') of a valid scoped name; none otherwise.
std::optional<std::string_view> scope_of(std::string_view name) noexcept;

/// semver_regex: strict SemVer 2.0 (major.minor.patch, optional pre-release and build).
bool valid_semver(std::string_view version) noexcept;

/// The same version under SemVer's precedence rules, ignoring build metadata and npm's
/// tolerated leading 'v' or '=' (SemverDialects' npm equality, as the manifest check uses it).
/// Empty when `a` cannot be read as a version.
std::optional<bool> same_version(std::string_view a, std::string_view b) noexcept;

/// github/version_sorter's compare (GitLab picks `latest` with it): < 0, 0, > 0.
int version_sorter_compare(std::string_view a, std::string_view b) noexcept;

} // namespace packyard::routing::npm
