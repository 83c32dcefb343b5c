#pragma once

// An `npm publish` body on its way in: the splitter (publish_body.hpp) sends the attachment's
// base64 through a decoder straight into the upload's temp file, hashed with SHA-512 on the way
// (npm's dist.integrity), and keeps the metadata; at the end of the body the request is read
// (publish_request.hpp) and the tarball checked (tarball_manifest.hpp). Memory: the metadata
// plus one chunk, whatever the tarball's size.

#include "routing/npm/base64_stream.hpp"
#include "routing/npm/publish_body.hpp"
#include "routing/npm/publish_request.hpp"
#include "store/blobs.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

struct evp_md_ctx_st;

namespace packyard::routing::npm {

class publish_stream {
public:
    enum class verdict : std::uint8_t {
        ok,
        invalid_json,       ///< not a JSON object, or an attachment that is not base64
        file_too_large,     ///< the decoded tarball passed the upload limit
        metadata_too_large, ///< the rest of the body passed its bound
        write_failed,       ///< the temp file could not be written
        no_space,           ///< ... because the disk is full (store::out_of_space)
    };

    publish_stream(std::uint64_t max_tarball, std::size_t metadata_limit);
    ~publish_stream();
    publish_stream(publish_stream&&) noexcept;
    publish_stream& operator=(publish_stream&&) = delete;

    verdict write(std::string_view chunk, store::blob_upload& file);
    /// At the end of the body (blocking work: call it off the I/O threads, before the file is
    /// finished): ends the decoding and reads the request; an attachment that was not streamed
    /// (its data inline in the metadata) is decoded into the file now.
    verdict finish(store::blob_upload& file);
    /// After the file is finished: the tarball's own package.json against the request.
    void check_tarball(const store::blob_upload& file);

    /// Bytes held in memory (for the server's budget of buffered bodies).
    std::size_t held() const noexcept { return splitter_.metadata().size(); }
    const publish_request& request() const noexcept { return *request_; }
    bool has_request() const noexcept { return request_.has_value(); }
    /// "sha512-<base64>" of the decoded tarball (npm's integrity string).
    const std::string& integrity() const noexcept { return integrity_; }
    /// Empty when the tarball is coherent; GitLab's status_message otherwise.
    const std::string& manifest_error() const noexcept { return manifest_error_; }

private:
    base64_stream::sink to_tarball(store::blob_upload& file, verdict& v);
    verdict decode_into(std::string_view base64, store::blob_upload& file, base64_stream& b64);

    struct free_md {
        void operator()(evp_md_ctx_st* c) const noexcept;
    };

    std::uint64_t max_tarball_;
    publish_body_splitter splitter_;
    base64_stream b64_;
    std::unique_ptr<evp_md_ctx_st, free_md> sha512_;
    verdict failed_ = verdict::ok;
    std::optional<publish_request> request_;
    std::string integrity_;
    std::string manifest_error_;
};

} // namespace packyard::routing::npm
