#include "store/operations.hpp"

#include "store/gc.hpp"
#include "store/identity.hpp"
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
        pkg.creator_id = r.creator_id;
        pkg.created_at = r.now;
        pkg.updated_at = r.now;
        if (auto ec = create_package(t, pkg, *place)) {
            return out(boost::system::in_place_error, ec);
        }
    }
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
    // Last: the bytes move into place only when every row is written.
    if (auto ec = blobs.link(bytes, r.digest.sha256)) {
        return out(boost::system::in_place_error, ec);
    }
    return file;
}

std::error_code destroy_package(write_txn& t, std::uint64_t package_id) {
    auto cur = find_package(t, package_id);
    if (!cur || !displayable(cur->status)) {
        return make_error_code(errc::not_found);
    }
    return mark_package_for_destruction(t, *cur);
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
