#include "routing/upload_sink.hpp"

#include "routing/context.hpp"
#include "routing/gitlab_errors.hpp"
#include "store/log.hpp"

namespace packyard::routing {
namespace {

response too_large() {
    return message_response(413, "413 Request Entity Too Large");
}

} // namespace

std::variant<upload_sink, response> upload_sink::open(const services& svc,
                                                      std::string_view content_type,
                                                      std::optional<std::uint64_t> content_length) {
    const auto wrapping = classify_upload(content_type);
    if (wrapping == upload_wrapping::unusable) {
        return bad_params("file is missing"); // as for a form without a file part
    }
    const std::uint64_t limit = svc.cfg.max_upload_size;
    const bool multipart = wrapping == upload_wrapping::form_data;
    const std::uint64_t wire_limit = multipart ? limit + limits::multipart_envelope : limit;
    if (content_length && *content_length > wire_limit) {
        return too_large();
    }
    auto upload = store::blob_upload::create(svc.blobs->tmp_dir());
    if (!upload) {
        log::error("cannot create an upload file", upload.error());
        return internal_error();
    }
    std::optional<multipart_extractor> mp;
    if (multipart) {
        mp.emplace(*multipart_boundary(content_type), "file");
    }
    return upload_sink(std::move(*upload), std::move(mp), limit, wire_limit);
}

std::optional<response> upload_sink::write(std::string_view chunk) {
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
        return too_large();
    }
    if (ec == std::errc::bad_message) {
        return bad_params("file is missing");
    }
    if (ec) {
        log::error("upload write failed", ec);
        return internal_error();
    }
    return std::nullopt;
}

std::optional<response> upload_sink::finish() {
    if (mp_ && !mp_->complete()) {
        return bad_params("file is missing");
    }
    auto d = upload_.finish();
    if (!d) {
        log::error("upload fsync failed", d.error());
        return internal_error();
    }
    digest_ = *d;
    return std::nullopt;
}

} // namespace packyard::routing
