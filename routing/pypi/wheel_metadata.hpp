#pragma once

// A wheel's core metadata (PEP 658): the METADATA file of its one top-level .dist-info
// directory, read at upload so that pip can resolve from "<file>.metadata" without downloading
// every wheel. GitLab does not serve it (its users ask: native-formats §4); packyard keeps it
// beside the file.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace packyard::routing::pypi {

/// The METADATA text, or none when the file is not a readable wheel, has no single
/// <name>.dist-info/METADATA, or it is larger than max_core_metadata.
std::optional<std::string> wheel_metadata(const std::filesystem::path& wheel);

/// Bounds on what a hostile wheel can cost: METADATA of at most 1 MiB, 200,000 entries.
inline constexpr std::uint64_t max_core_metadata = 1024 * 1024;
inline constexpr std::uint64_t max_wheel_entries = 200000;

} // namespace packyard::routing::pypi
