#pragma once

// Package rows: packages, their files and pipelines, with GitLab's enum numbers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace packyard::store {

/// GitLab's package_type enum (packages_packages.package_type).
enum class package_type : std::uint8_t {
    maven = 1,
    npm = 2,
    conan = 3,
    nuget = 4,
    pypi = 5,
    composer = 6,
    generic = 7,
    golang = 8,
    debian = 9,
    rubygems = 10,
    helm = 11,
    terraform_module = 12,
    rpm = 13,
    ml_model = 14,
};
inline constexpr std::uint8_t package_type_max = 14;

/// GitLab's package status enum.
enum class package_status : std::uint8_t {
    default_ = 0,
    hidden = 1,
    processing = 2,
    error = 3,
    pending_destruction = 4,
    deprecated = 5,
};

/// GitLab's package file status enum.
enum class file_status : std::uint8_t {
    default_ = 0,
    pending_destruction = 1,
    processing = 2,
    error = 3,
};

std::string_view package_type_name(package_type t) noexcept;
std::optional<package_type> parse_package_type(std::string_view s) noexcept;
std::string_view package_status_name(package_status s) noexcept;
std::optional<package_status> parse_package_status(std::string_view s) noexcept;

/// Statuses shown by lists and the single GET: default, error, deprecated.
inline bool displayable(package_status s) noexcept {
    return s == package_status::default_ || s == package_status::error ||
           s == package_status::deprecated;
}
/// Statuses whose files can be downloaded: default, hidden, deprecated.
inline bool installable(package_status s) noexcept {
    return s == package_status::default_ || s == package_status::hidden ||
           s == package_status::deprecated;
}
/// Statuses with a web page (_links.web_path): default, deprecated.
inline bool detailed_info(package_status s) noexcept {
    return s == package_status::default_ || s == package_status::deprecated;
}

struct package {
    std::uint64_t id = 0;
    std::uint64_t project_id = 0;
    std::uint64_t creator_id = 0; ///< 0: none
    std::string name;
    std::optional<std::string> version;
    package_type type = package_type::generic;
    package_status status = package_status::default_;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t last_downloaded_at = 0; ///< 0: never
    /// Set when a build info is recorded, never cleared: false lets readers skip the
    /// build_infos lookup (most packages have none).
    bool may_have_build_infos = false;
    /// Why the package is in status error (GitLab's status_message); empty otherwise.
    std::string status_message;
};

struct package_file {
    std::uint64_t id = 0;
    std::uint64_t package_id = 0;
    std::uint64_t project_id = 0;
    std::string file_name; ///< as stored (path-joined names are percent-encoded)
    std::uint64_t size = 0;
    std::string md5;    ///< hex
    std::string sha1;   ///< hex
    std::string sha256; ///< hex; also the blob's name
    file_status status = file_status::default_;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct pipeline {
    std::uint64_t id = 0;
    std::uint64_t project_id = 0;
    std::uint64_t iid = 0;
    std::string sha;
    std::string ref;
    std::string status; ///< pending, running, success, failed, canceled
    std::string source; ///< "external"
    std::string name;
    std::uint64_t user_id = 0;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

std::string encode(const package& v);
std::string encode(const package_file& v);
std::string encode(const pipeline& v);
bool decode(std::string_view data, package& out);
bool decode(std::string_view data, package_file& out);
bool decode(std::string_view data, pipeline& out);

} // namespace packyard::store
