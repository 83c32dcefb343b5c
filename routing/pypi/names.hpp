#pragma once

// PyPI names, versions and metadata text as GitLab treats them (lib/gitlab/regex/packages.rb,
// app/models/packages/pypi/{package,metadatum}.rb, app/services/packages/pypi/
// create_package_service.rb).

#include <cstddef>
#include <string>
#include <string_view>

namespace packyard::routing::pypi {

/// PEP 503's normalized name (Packages::Pypi::Package#normalized_pypi_name): runs of '-', '_'
/// and '.' become one '-', then lower case.
std::string normalize(std::string_view name);

/// Gitlab::Regex.package_name_regex, which the PyPI upload applies to the name.
bool valid_name(std::string_view name);

/// Gitlab::Regex.pypi_version_regex (PEP 440 as packaging 16.7 reads it, case-insensitive,
/// an optional leading 'v').
bool valid_version(std::string_view version);

/// Gitlab::Regex.sha256_regex: 64 hex digits, either case.
bool valid_sha256(std::string_view digest) noexcept;

/// ActiveSupport's String#truncate(max): at most max characters, ending in "..." when cut
/// (GitLab truncates the metadata fields that are too long instead of refusing them). Counts
/// UTF-8 characters, as Ruby does.
std::string truncate(std::string_view text, std::size_t max);

/// ERB::Util.html_escape: & < > " ' as entities.
std::string html_escape(std::string_view text);

} // namespace packyard::routing::pypi
