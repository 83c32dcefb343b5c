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
    auto upload = store::blob_upload::create(svc.blobs->tmp_dir());
    if (!upload) {
        return write_failure("cannot create an upload file", upload.error());
    }
    return std::move(*upload);
}

/// lib/api/pypi_packages.rb: bad_request!('File is too large').
response pypi_too_large() {
    return message_response(400, "400 Bad request - File is too large");
}

} // namespace

std::variant<upload_sink, response> upload_sink::open(const services& svc,
                                                      std::string_view content_type,
                                                      std::optional<std::uint64_t> content_length,
                                                      upload_format format) {
    if (format == upload_format::npm_publish) {
        const std::uint64_t limit = svc.cfg.max_upload_size;
        // The tarball in base64 (4 characters per 3 bytes) next to its metadata.
        const std::uint64_t wire_limit = (limit + 2) / 3 * 4 + limits::npm_metadata;
        if (content_length && *content_length > wire_limit) {
            return npm::error(400, "File is too large.");
        }
        auto upload = temp_upload(svc);
        if (auto* refused = std::get_if<response>(&upload)) {
            return std::move(*refused);
        }
        upload_sink sink(std::move(std::get<store::blob_upload>(upload)), std::nullopt, limit,
                         wire_limit);
        sink.npm_ = std::make_unique<npm::publish_stream>(limit, limits::npm_metadata);
        return sink;
    }
    const auto wrapping = classify_upload(content_type);
    if (format == upload_format::pypi) {
        // twine's form (lib/api/pypi_packages.rb's params): the file part "content" streams to
        // the upload, the parts GitLab declares are kept (each cut at limits::pypi_field, more
        // than the longest value GitLab stores: description's 4,000 characters of UTF-8).
        if (wrapping != upload_wrapping::form_data) {
            return bad_params("content is missing");
        }
        const std::uint64_t limit = svc.cfg.max_upload_size;
        const std::uint64_t wire_limit = limit + limits::multipart_envelope;
        if (content_length && *content_length > wire_limit) {
            return pypi_too_large();
        }
        auto upload = temp_upload(svc);
        if (auto* refused = std::get_if<response>(&upload)) {
            return std::move(*refused);
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
        return sink;
    }
    if (wrapping == upload_wrapping::unusable) {
        return bad_params("file is missing"); // as for a form without a file part
    }
    const std::uint64_t limit = svc.cfg.max_upload_size;
    const bool multipart = wrapping == upload_wrapping::form_data;
    const std::uint64_t wire_limit = multipart ? limit + limits::multipart_envelope : limit;
    if (content_length && *content_length > wire_limit) {
        return too_large();
    }
    auto upload = temp_upload(svc);
    if (auto* refused = std::get_if<response>(&upload)) {
        return std::move(*refused);
    }
    std::optional<multipart_extractor> mp;
    if (multipart) {
        mp.emplace(*multipart_boundary(content_type), "file");
    }
    return upload_sink(std::move(std::get<store::blob_upload>(upload)), std::move(mp), limit,
                       wire_limit);
}

namespace {

/// The answer to an npm body the stream refused.
std::optional<response> npm_refusal(npm::publish_stream::verdict v) {
    using verdict = npm::publish_stream::verdict;
    switch (v) {
    case verdict::ok:
        return std::nullopt;
    case verdict::invalid_json:
        return npm::error(400, "Invalid json");
    case verdict::file_too_large:
        return npm::error(400, "File is too large.");
    case verdict::metadata_too_large:
        return too_large();
    case verdict::no_space:
        log::message("npm upload: the temp file could not be written: the disk is full");
        return insufficient_storage();
    case verdict::write_failed:
        break;
    }
    log::message("npm upload: the temp file could not be written");
    return internal_error();
}

} // namespace

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
    if (npm_) {
        return npm_refusal(npm_->write(chunk, upload_));
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
        return pypi_ ? pypi_too_large() : too_large();
    }
    if (ec == std::errc::bad_message) {
        return bad_params(pypi_ ? "content is missing" : "file is missing");
    }
    if (ec) {
        return write_failure("upload write failed", ec);
    }
    return std::nullopt;
}

std::optional<response> upload_sink::finish_upload() {
    if (mp_ && !mp_->complete()) {
        return bad_params(pypi_ ? "content is missing" : "file is missing");
    }
    if (npm_) {
        if (auto refused = npm_refusal(npm_->finish(upload_))) {
            return refused;
        }
    }
    auto d = upload_.finish();
    if (!d) {
        return write_failure("upload fsync failed", d.error());
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
