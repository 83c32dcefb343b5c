#include "store/operations.hpp"

#include "store/gc.hpp"
#include "store/identity.hpp"
#include "store/maven.hpp"
#include "store/npm.hpp"
#include "store/packages.hpp"
#include "store/pipelines.hpp"

namespace packyard::store {

result<package_file> record_upload(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                   const upload_record& r) {
    using out = result<package_file>;
    auto place = place_of(t, r.project_id);
    if (!place) {
        return out(boost::system::in_place_error, make_error_code(errc::not_found));
    }
    package pkg;
    if (auto existing = find_package_by_version(t, r.project_id, r.type, r.name, r.version)) {
        package after = *existing;
        if (r.status) {
            after.status = *r.status;
        }
        after.updated_at = r.now;
        if (auto ec = update_package(t, *existing, after, *place)) {
            return out(boost::system::in_place_error, ec);
        }
        pkg = after;
    } else {
        pkg.name = r.name;
        pkg.version = r.version;
        pkg.type = r.type;
        pkg.status = r.status.value_or(package_status::default_);
        pkg.status_message = r.status_message;
        pkg.creator_id = r.creator_id;
        pkg.created_at = r.now;
        pkg.updated_at = r.now;
        if (auto ec = create_package(t, pkg, *place)) {
            return out(boost::system::in_place_error, ec);
        }
    }
    return add_uploaded_file(t, blobs, bytes, pkg, r);
}

result<package_file> add_uploaded_file(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                       const package& pkg, const upload_record& r) {
    using out = result<package_file>;
    package_file file;
    file.package_id = pkg.id;
    file.project_id = r.project_id;
    file.file_name = r.file_name;
    file.size = r.digest.size;
    file.md5 = r.digest.md5;
    file.sha1 = r.digest.sha1;
    file.sha256 = r.digest.sha256;
    file.created_at = r.now;
    file.updated_at = r.now;
    if (auto ec = add_file(t, file)) {
        return out(boost::system::in_place_error, ec);
    }
    if (r.pipeline_id != 0 && find_pipeline(t, r.pipeline_id)) {
        if (auto ec = add_build_info(t, pkg.id, r.pipeline_id)) {
            return out(boost::system::in_place_error, ec);
        }
        if (auto ec = add_file_build_info(t, file.id, r.pipeline_id)) {
            return out(boost::system::in_place_error, ec);
        }
    }
    // Last: the bytes move into place only when every row is written. Bytes this upload put
    // there go again if the batch does not commit: a commit that failed on a full disk must
    // not keep the space it could not record.
    const bool had = blobs.has(r.digest.sha256);
    if (auto ec = blobs.link(bytes, r.digest.sha256)) {
        return out(boost::system::in_place_error, ec);
    }
    if (!had) {
        t.on_abort([&blobs, sha = r.digest.sha256] { blobs.remove(sha); });
    }
    return file;
}

result<package> record_npm_publish(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                   const npm_publish_record& r) {
    using out = result<package>;
    const auto& u = r.upload;
    if (find_package_by_version(t, u.project_id, package_type::npm, u.name, u.version)) {
        return out(boost::system::in_place_error, make_error_code(errc::conflict));
    }
    auto file = record_upload(t, blobs, bytes, u);
    if (!file) {
        return out(boost::system::in_place_error, file.error());
    }
    auto pkg = find_package(t, file->package_id);
    if (!pkg) {
        return out(boost::system::in_place_error, make_error_code(errc::not_found));
    }
    if (auto ec = put_npm_metadata(t, pkg->id, r.package_json)) {
        return out(boost::system::in_place_error, ec);
    }
    if (r.tag && installable(pkg->status)) {
        if (auto ec = set_tag(t, *pkg, *r.tag, u.now)) {
            return out(boost::system::in_place_error, ec);
        }
    }
    if (auto ec = npm_name_touched(t, pkg->project_id, pkg->name)) { // the metadata changed
        return out(boost::system::in_place_error, ec);
    }
    return *pkg;
}

result<package_file> record_pypi_upload(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                        const pypi_upload_record& r) {
    using out = result<package_file>;
    const auto& u = r.upload;
    if (auto existing = find_package_by_version(t, u.project_id, u.type, u.name, u.version)) {
        for (const auto& f : files_of(t, existing->id)) {
            if (f.file_name == u.file_name && f.status != file_status::pending_destruction) {
                return out(boost::system::in_place_error, make_error_code(errc::conflict));
            }
        }
    }
    auto file = record_upload(t, blobs, bytes, u);
    if (!file) {
        return out(boost::system::in_place_error, file.error());
    }
    auto pkg = find_package(t, file->package_id);
    if (!pkg) {
        return out(boost::system::in_place_error, make_error_code(errc::not_found));
    }
    if (auto ec = index_pypi_package(t, *pkg)) {
        return out(boost::system::in_place_error, ec);
    }
    if (auto ec = put_pypi_metadata(t, pkg->id, r.metadata)) {
        return out(boost::system::in_place_error, ec);
    }
    if (auto ec = index_pypi_file(t, *file, r.core_metadata)) {
        return out(boost::system::in_place_error, ec);
    }
    if (auto ec = pypi_changed(t, pkg->project_id, pkg->name)) {
        return out(boost::system::in_place_error, ec);
    }
    return file;
}

result<std::size_t> deprecate_npm_packages(write_txn& t, const std::vector<npm_deprecation>& d,
                                           std::int64_t now) {
    using out = result<std::size_t>;
    std::size_t changed = 0;
    for (const auto& one : d) {
        auto p = find_package(t, one.package_id);
        if (!p || !installable(p->status) ||
            npm_metadata_of(t, p->id).value_or("{}") != one.before) {
            continue;
        }
        auto place = place_of(t, p->project_id);
        if (!place) {
            continue;
        }
        if (auto ec = put_npm_metadata(t, p->id, one.after)) {
            return out(boost::system::in_place_error, ec);
        }
        package after = *p;
        after.status = one.deprecated ? package_status::deprecated : package_status::default_;
        after.updated_at = now;
        if (auto ec = update_package(t, *p, after, *place)) {
            return out(boost::system::in_place_error, ec);
        }
        ++changed;
    }
    return changed;
}

std::error_code destroy_package(write_txn& t, std::uint64_t package_id) {
    auto cur = find_package(t, package_id);
    if (!cur || !displayable(cur->status)) {
        return make_error_code(errc::not_found);
    }
    if (auto ec = mark_package_for_destruction(t, *cur)) {
        return ec;
    }
    if (cur->type == package_type::maven && cur->version &&
        maven_versions(t, cur->project_id, cur->name).empty()) {
        // GitLab's Packages::Maven::Metadata::SyncService: when the last version of an artifact
        // goes, so does its versionless package (the maven-metadata.xml listing the versions).
        for (const auto& p : maven_packages_at(t, cur->name)) {
            if (p.project_id == cur->project_id && !p.version && displayable(p.status)) {
                if (auto ec = mark_package_for_destruction(t, p)) {
                    return ec;
                }
            }
        }
    }
    return {};
}

std::error_code destroy_file(write_txn& t, std::uint64_t file_id) {
    auto cur = find_file(t, file_id);
    if (!cur || cur->status != file_status::default_) {
        return make_error_code(errc::not_found);
    }
    return mark_file_for_destruction(t, *cur);
}

std::error_code record_download(write_txn& t, std::uint64_t package_id, std::int64_t now) {
    return set_last_downloaded(t, package_id, now);
}

std::error_code delete_project_cascade(write_txn& t, blob_store& blobs, std::uint64_t project_id) {
    if (!find_project(t, project_id)) {
        return make_error_code(errc::not_found);
    }
    if (auto ec = delete_project_packages(t, blobs, project_id)) {
        return ec;
    }
    return delete_project(t, project_id);
}

} // namespace packyard::store

namespace packyard::store {

std::optional<package> maven_package_in_project(const txn& t, std::uint64_t project_id,
                                                std::string_view path) {
    std::optional<package> newest;
    for (auto& p : maven_packages_at(t, path)) {
        if (p.project_id == project_id && p.status != package_status::pending_destruction) {
            newest = std::move(p); // oldest first: the last match is the newest
        }
    }
    return newest;
}

result<package_file> record_maven_upload(write_txn& t, blob_store& blobs, blob_upload& bytes,
                                         const maven_upload_record& r) {
    using out = result<package_file>;
    const auto& u = r.upload;
    auto place = place_of(t, u.project_id);
    if (!place) {
        return out(boost::system::in_place_error, make_error_code(errc::not_found));
    }
    package pkg;
    if (auto existing = maven_package_in_project(t, u.project_id, r.path)) {
        package after = *existing;
        after.updated_at = u.now;
        if (auto ec = update_package(t, *existing, after, *place)) {
            return out(boost::system::in_place_error, ec);
        }
        pkg = std::move(after);
    } else {
        pkg.name = u.name;
        if (!r.versionless) {
            pkg.version = u.version;
        }
        pkg.type = package_type::maven;
        pkg.creator_id = u.creator_id;
        pkg.created_at = u.now;
        pkg.updated_at = u.now;
        if (auto ec = create_package(t, pkg, *place)) {
            return out(boost::system::in_place_error, ec);
        }
        if (auto ec = index_maven_package(t, pkg)) {
            return out(boost::system::in_place_error, ec);
        }
    }
    return add_uploaded_file(t, blobs, bytes, pkg, u);
}

} // namespace packyard::store
