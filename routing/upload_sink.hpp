#pragma once

// Where a streamed request body goes: a temp file in the blob store, hashed as it is written,
// with a multipart/form-data envelope unwrapped to its "file" part on the way (what @gitbeaker
// sends). The server pumps the body's bytes in as they arrive and calls finish() off its I/O
// thread; what the bytes mean, the limits and GitLab's words for each refusal live here.

#include "routing/http_types.hpp"
#include "routing/metrics.hpp"
#include "routing/multipart.hpp"
#include "routing/npm/publish_stream.hpp"
#include "routing/route.hpp"
#include "store/blobs.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

namespace packyard::routing {

struct services;

class upload_sink {
public:
    /// The sink for a body of this Content-Type, or the answer to send instead: a multipart
    /// body packyard cannot unwrap (400 "file is missing"), a declared length over the limit
    /// (413), or a temp file that cannot be created (500; 507 when the disk is full). Each
    /// refusal, here and in write() and finish(), is counted in svc.metrics by its reason.
    static std::variant<upload_sink, response> open(const services& svc,
                                                    std::string_view content_type,
                                                    std::optional<std::uint64_t> content_length,
                                                    upload_format format = upload_format::file);

    upload_sink(upload_sink&&) noexcept = default;
    upload_sink& operator=(upload_sink&&) = delete;

    /// The most body bytes the wire may carry: the upload limit, plus room for a multipart
    /// envelope around it.
    std::uint64_t wire_limit() const noexcept { return wire_limit_; }
    /// Body bytes held in memory besides the file (an npm body's metadata), for the server's
    /// budget of buffered bodies.
    std::size_t held() const noexcept { return npm_ ? npm_->held() : (mp_ ? mp_->held() : 0); }

    /// Feeds body bytes; the answer to send instead when the body is refused or cannot be
    /// written (507 when the disk is full); its temp file is then already gone.
    std::optional<response> write(std::string_view chunk);
    /// At the end of the body: fsyncs the file and finishes the digests (blocking: call it off
    /// the I/O threads). The answer to send instead (the temp file gone), or nothing when the
    /// upload is ready.
    std::optional<response> finish();
    /// Removes the temp file now: the body was refused or cut off (a timeout, the client gone).
    void discard() noexcept { upload_.discard(); }

    /// The finished upload, for the handler (after finish()).
    store::blob_upload& bytes() noexcept { return upload_; }
    const store::blob_digest& digest() const noexcept { return *digest_; }
    bool finished() const noexcept { return digest_.has_value(); }
    /// An npm publish body's request and checks (upload_format::npm_publish only).
    const npm::publish_stream* npm() const noexcept { return npm_.get(); }
    /// The form's other parts and the file part's name (upload_format::pypi only).
    const multipart_extractor* form() const noexcept { return pypi_ ? &*mp_ : nullptr; }
    /// A PyPI wheel's core metadata, read after the body (upload_format::pypi only).
    const std::optional<std::string>& core_metadata() const noexcept { return core_metadata_; }

private:
    std::optional<response> write_chunk(std::string_view chunk);
    std::optional<response> finish_upload();
    /// Counts a refusal (when metrics are on) and returns its answer.
    response refuse(metrics::upload_failure why, response r) const;

    upload_sink(store::blob_upload upload, std::optional<multipart_extractor> mp,
                std::uint64_t limit, std::uint64_t wire_limit)
        : upload_(std::move(upload))
        , mp_(std::move(mp))
        , limit_(limit)
        , wire_limit_(wire_limit) {}

    store::blob_upload upload_;
    std::optional<multipart_extractor> mp_;
    std::unique_ptr<npm::publish_stream> npm_;
    std::uint64_t limit_;
    std::uint64_t wire_limit_;
    std::optional<store::blob_digest> digest_;
    bool pypi_ = false;
    /// Maven: past the limit is GitLab's 400 "File is too large", not the server's 413.
    bool too_large_is_bad_request_ = false;
    std::optional<std::string> core_metadata_;
    metrics::registry* metrics_ = nullptr;
};

} // namespace packyard::routing
