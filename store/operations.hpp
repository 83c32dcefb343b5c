#pragma once

// The composite writes handlers ask for by name: each is one writer job's body, keeping every
// row, index, counter and file side effect of the operation in one place in the store. The
// routing layer decides whether an operation may run and renders what it returns; it never
// assembles rows itself.

#include "store/blobs.hpp"
#include "store/error.hpp"
#include "store/package_records.hpp"
#include "store/pypi.hpp"
#include "store/txn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::store {

/// A finished upload (fsynced, digests computed) and where it goes.
struct upload_record {
    std::uint64_t project_id = 0;
    package_type type = package_type::generic;
    std::string name;
    std::string version;
    std::string file_name;                ///< as stored and looked up
    std::optional<package_status> status; ///< none: default for a new package, kept otherwise
    std::string status_message;           ///< a new package's, with status error
    std::uint64_t creator_id = 0;
    std::uint64_t pipeline_id = 0; ///< a job token's pipeline: recorded as build info
    std::int64_t now = 0;
    blob_digest digest;
};

/// GitLab's find-or-create of a package version plus one more file: the package (created, or
/// updated with the new status and updated_at), the file row and its blob reference, the build
/// infos of the uploading pipeline, and last, the bytes moved into the blob folder. Moving the
/// bytes is idempotent (an existing blob is kept, the temp file dropped), and the folder is
/// fsynced before the batch commits. Returns the file row (GitLab's select=package_file).
result<package_file> record_upload(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                   const upload_record& r);
/// record_upload's second half, for a package the caller found or created: the file row, its
/// blob reference and build infos, then the bytes moved into place.
result<package_file> add_uploaded_file(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                       const package& pkg, const upload_record& r);

/// A Maven upload of a file that is stored (GitLab's Packages::Maven::FindOrCreatePackageService
/// and CreatePackageFileService): the project's newest package with this Maven path, or a new
/// one (versionless for an artifact's maven-metadata.xml), then one more file. The name and
/// version were validated by the caller.
struct maven_upload_record {
    upload_record upload; ///< type maven; name and version as a new package would get them
    std::string path;     ///< the Maven path the package is found by
    bool versionless = false;
};
result<package_file> record_maven_upload(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                         const maven_upload_record& r);
/// The project's newest Maven package with this path that is not being destroyed (GitLab's
/// Packages::Maven::PackageFinder for one project, which FindOrCreatePackageService uses).
std::optional<package> maven_package_in_project(const txn& t, std::uint64_t project_id,
                                                std::string_view path);

/// An npm publish (GitLab's Packages::Npm::CreatePackageService, with the tarball already
/// checked): the package, its one file, build infos, the stored package.json and the dist-tag,
/// in one transaction. errc::conflict when the version exists in the project (a publish that
/// raced another).
struct npm_publish_record {
    upload_record upload;     ///< name, version, file "<name>-<version>.tgz", status
    std::string package_json; ///< GitLab's npm_metadata.package_json
    std::optional<std::string> tag;
};
result<package> record_npm_publish(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                   const npm_publish_record& r);

/// npm deprecate (GitLab's Packages::Npm::DeprecatePackageService): each package gets its new
/// package.json (the message set, or removed) and status deprecated (or default again). A
/// package whose package.json is no longer `before`, or that is no longer installable, changed
/// since the caller read it and is left alone. Returns how many changed.
struct npm_deprecation {
    std::uint64_t package_id = 0;
    std::string before;
    std::string after;
    bool deprecated = false;
};
/// A PyPI upload (GitLab's Packages::Pypi::CreatePackageService): the package of that exact
/// name and version found or created, its metadata replaced, one more file (with its core
/// metadata), build infos, the indexes, in one transaction. errc::conflict when the package
/// already has a file of that name (GitLab: "File name has already been taken").
struct pypi_upload_record {
    upload_record upload; ///< type pypi; file_name as the multipart part named it
    pypi_metadata metadata;
    std::optional<std::string> core_metadata;
};
result<package_file> record_pypi_upload(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                        const pypi_upload_record& r);

result<std::size_t> deprecate_npm_packages(write_txn& t, const std::vector<npm_deprecation>& d,
                                           std::int64_t now);

/// GitLab's destroy of a package (or of one file): marks it pending_destruction and queues its
/// removal for the cleanup. errc::not_found when it is already gone or being destroyed (a
/// delete that lost a race to another).
std::error_code destroy_package(write_txn& t, std::uint64_t package_id);
std::error_code destroy_file(write_txn& t, std::uint64_t file_id);

/// The download time on the package row (GitLab updates it at most once a minute).
std::error_code record_download(write_txn& t, std::uint64_t package_id, std::int64_t now);

/// A project and everything in it: packages, files, pipelines, members, the project row.
/// Blob files no longer referenced are unlinked after the commit. errc::not_found if the
/// project is already gone.
std::error_code delete_project_cascade(write_txn& t, blob_store& blobs, std::uint64_t project_id);

} // namespace packyard::store
