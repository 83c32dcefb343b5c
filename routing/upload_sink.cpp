#include "routing/upload_sink.hpp"

#include "routing/context.hpp"
#include "routing/gitlab_errors.hpp"
#include "routing/npm/responses.hpp"
#include "routing/pypi/wheel_metadata.hpp"
#include "store/error.hpp"
#include "store/log.hpp"

#include <set>

namespace packyard::routing {
namespace {

response too_large() {
    return message_response(413, "413 Request Entity Too Large");
}

/// The answer to a temp file that could not be created, written or synced: 507 when the disk
/// is full (decision 0017), 500 otherwise; the cause is logged.
response write_failure(std::string_view what, const std::error_code& ec) {
    log::error(what, ec);
    return store::out_of_space(ec) ? insufficient_storage() : internal_error();
}

/// The temp file an upload streams into, or the answer when it cannot be created.
std::variant<store::blob_upload, response> temp_upload(const services& svc) {
    auto upload = store::blob_upload::create(svc.blobs->tmp_dir(), svc.blobs->part_size());
    if (!upload) {
        return write_failure("cannot create an upload file", upload.error());
    }
    return std::move(*upload);
}

/// lib/api/pypi_packages.rb and maven_packages.rb: bad_request!('File is too large').
response pypi_too_large() {
    return message_response(400, "400 Bad request - File is too large");
}

} // namespace

std::variant<upload_sink, response> upload_sink::open(const services& svc,
                                                      std::string_view content_type,
                                                      std::optional<std::uint64_t> content_length,
                                                      upload_format format) {
    using why = metrics::upload_failure;
    const auto refuse = [&svc](why reason, response r) {
        if (svc.metrics != nullptr) {
            svc.metrics->upload_failed(reason);
        }
        return r;
    };
    if (format == upload_format::npm_publish) {
        const std::uint64_t limit = svc.cfg.max_upload_size;
        // The tarball in base64 (4 characters per 3 bytes) next to its metadata.
        const std::uint64_t wire_limit = (limit + 2) / 3 * 4 + limits::npm_metadata;
        if (content_length && *content_length > wire_limit) {
            return refuse(why::too_large, npm::error(400, "File is too large."));
        }
        auto upload = temp_upload(svc);
        if (auto* refused = std::get_if<response>(&upload)) {
            return refuse(why::disk, std::move(*refused));
        }
        upload_sink sink(std::move(std::get<store::blob_upload>(upload)), std::nullopt, limit,
                         wire_limit);
        sink.npm_ = std::make_unique<npm::publish_stream>(limit, limits::npm_metadata);
        sink.metrics_ = svc.metrics;
        return sink;
    }
    const auto wrapping = classify_upload(content_type);
    if (format == upload_format::pypi) {
        // twine's form (lib/api/pypi_packages.rb's params): the file part "content" streams to
        // the upload, the parts GitLab declares are kept (each cut at limits::pypi_field, more
        // than the longest value GitLab stores: description's 4,000 characters of UTF-8).
        if (wrapping != upload_wrapping::form_data) {
            return refuse(why::malformed, bad_params("content is missing"));
        }
        const std::uint64_t limit = svc.cfg.max_upload_size;
        const std::uint64_t wire_limit = limit + limits::multipart_envelope;
        if (content_length && *content_length > wire_limit) {
            return refuse(why::too_large, pypi_too_large());
        }
        auto upload = temp_upload(svc);
        if (auto* refused = std::get_if<response>(&upload)) {
            return refuse(why::disk, std::move(*refused));
        }
        std::optional<multipart_extractor> mp;
        mp.emplace(*multipart_boundary(content_type), "content",
                   std::set<std::string, std::less<>>{
                       "name", "version", "requires_python", "md5_digest", "sha256_digest",
                       "metadata_version", "author_email", "description",
                       "description_content_type", "summary", "keywords"},
                   limits::pypi_field);
        upload_sink sink(std::move(std::get<store::blob_upload>(upload)), std::move(mp), limit,
                         wire_limit);
        sink.pypi_ = true;
        sink.metrics_ = svc.metrics;
        return sink;
    }
    if (wrapping == upload_wrapping::unusable) {
        // As for a form without a file part.
        return refuse(why::malformed, bad_params("file is missing"));
    }
    const std::uint64_t limit = svc.cfg.max_upload_size;
    const bool multipart = wrapping == upload_wrapping::form_data;
    const std::uint64_t wire_limit = multipart ? limit + limits::multipart_envelope : limit;
    const bool maven = format == upload_format::maven;
    if (content_length && *content_length > wire_limit) {
        return refuse(why::too_large, maven ? pypi_too_large() : too_large());
    }
    auto upload = temp_upload(svc);
    if (auto* refused = std::get_if<response>(&upload)) {
        return refuse(why::disk, std::move(*refused));
    }
    std::optional<multipart_extractor> mp;
    if (multipart) {
        mp.emplace(*multipart_boundary(content_type), "file");
    }
    upload_sink sink(std::move(std::get<store::blob_upload>(upload)), std::move(mp), limit,
                     wire_limit);
    sink.metrics_ = svc.metrics;
    sink.too_large_is_bad_request_ = maven;
    return sink;
}

namespace {

/// The answer to an npm body the stream refused, and why.
std::optional<std::pair<metrics::upload_failure, response>>
npm_refusal(npm::publish_stream::verdict v) {
    using verdict = npm::publish_stream::verdict;
    using why = metrics::upload_failure;
    switch (v) {
    case verdict::ok:
        return std::nullopt;
    case verdict::invalid_json:
        return std::pair(why::malformed, npm::error(400, "Invalid json"));
    case verdict::file_too_large:
        return std::pair(why::too_large, npm::error(400, "File is too large."));
    case verdict::metadata_too_large:
        return std::pair(why::too_large, too_large());
    case verdict::no_space:
        log::message("npm upload: the temp file could not be written: the disk is full");
        return std::pair(why::disk, insufficient_storage());
    case verdict::write_failed:
        break;
    }
    log::message("npm upload: the temp file could not be written");
    return std::pair(why::disk, internal_error());
}

} // namespace

response upload_sink::refuse(metrics::upload_failure why, response r) const {
    if (metrics_ != nullptr) {
        metrics_->upload_failed(why);
    }
    return r;
}

std::optional<response> upload_sink::write(std::string_view chunk) {
    auto refused = write_chunk(chunk);
    if (refused) {
        upload_.discard();
    }
    return refused;
}

std::optional<response> upload_sink::finish() {
    auto refused = finish_upload();
    if (refused) {
        upload_.discard();
    }
    return refused;
}

std::optional<response> upload_sink::write_chunk(std::string_view chunk) {
    using why = metrics::upload_failure;
    if (npm_) {
        if (auto refused = npm_refusal(npm_->write(chunk, upload_))) {
            return refuse(refused->first, std::move(refused->second));
        }
        return std::nullopt;
    }
    std::error_code ec;
    if (mp_) {
        const multipart_extractor::sink to_file = [this](std::string_view s) {
            return upload_.write(s);
        };
        if (!mp_->feed(chunk, to_file)) {
            ec = mp_->error() ? mp_->error() : std::make_error_code(std::errc::bad_message);
        }
    } else {
        ec = upload_.write(chunk);
    }
    if (upload_.size() > limit_) {
        return refuse(why::too_large,
                      pypi_ || too_large_is_bad_request_ ? pypi_too_large() : too_large());
    }
    if (ec == std::errc::bad_message) {
        return refuse(why::malformed, bad_params(pypi_ ? "content is missing" : "file is missing"));
    }
    if (ec) {
        return refuse(why::disk, write_failure("upload write failed", ec));
    }
    return std::nullopt;
}

std::optional<response> upload_sink::finish_upload() {
    using why = metrics::upload_failure;
    if (mp_ && !mp_->complete()) {
        return refuse(why::malformed, bad_params(pypi_ ? "content is missing" : "file is missing"));
    }
    if (npm_) {
        if (auto refused = npm_refusal(npm_->finish(upload_))) {
            return refuse(refused->first, std::move(refused->second));
        }
    }
    auto d = upload_.finish();
    if (!d) {
        return refuse(why::disk, write_failure("upload fsync failed", d.error()));
    }
    digest_ = *d;
    if (npm_) {
        npm_->check_tarball(upload_);
    }
    if (pypi_ && mp_->file_name() && mp_->file_name()->ends_with(".whl")) {
        core_metadata_ = pypi::wheel_metadata(upload_.path()); // off the I/O thread, as finish()
    }
    return std::nullopt;
}

} // namespace packyard::routing
