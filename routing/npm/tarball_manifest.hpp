#pragma once

// GitLab's Packages::Npm::ProcessPackageFileService and CheckManifestCoherenceService, run
// while the publish request is still open instead of in a background job: the tarball's own
// package.json must name the package and version the publish body declared.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace packyard::routing::npm {

/// Empty when coherent; otherwise GitLab's status_message for a package in status error:
/// "invalid package file", "package.json not found", "package.json file too large",
/// "Package manifest is not coherent", "Version in package.json is not SemVer compliant".
std::string check_tarball(const std::filesystem::path& tgz, std::string_view name,
                          std::string_view version);

/// Bounds on the work a hostile tarball can cause: GitLab reads a package.json of at most
/// 4 MiB; packyard also stops at 64 times the compressed size plus 1 MiB of unpacked bytes
/// (a gzip bomb) and at 200,000 entries.
inline constexpr std::uint64_t max_package_json = 4 * 1024 * 1024;
inline constexpr std::uint64_t max_expansion = 64;
inline constexpr std::uint64_t max_entries = 200000;

} // namespace packyard::routing::npm
