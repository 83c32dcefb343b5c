#include "routing/npm/publish_stream.hpp"

#include "routing/auth.hpp"
#include "routing/npm/tarball_manifest.hpp"
#include "store/error.hpp"

#include <openssl/evp.h>
#include <stdexcept>

namespace packyard::routing::npm {

void publish_stream::free_md::operator()(evp_md_ctx_st* c) const noexcept {
    EVP_MD_CTX_free(c);
}

publish_stream::publish_stream(std::uint64_t max_tarball, std::size_t metadata_limit)
    : max_tarball_(max_tarball)
    , splitter_(metadata_limit)
    , sha512_(EVP_MD_CTX_new()) {
    if (!sha512_ || EVP_DigestInit_ex(sha512_.get(), EVP_sha512(), nullptr) != 1) {
        throw std::bad_alloc();
    }
}

publish_stream::~publish_stream() = default;
publish_stream::publish_stream(publish_stream&&) noexcept = default;

base64_stream::sink publish_stream::to_tarball(store::blob_upload& file, verdict& v) {
    // Decoded bytes go to the upload and the SHA-512; the first refusal is left in v.
    return [this, &file, &v](std::string_view bytes) {
        if (file.size() + bytes.size() > max_tarball_) {
            v = verdict::file_too_large;
            return false;
        }
        EVP_DigestUpdate(sha512_.get(), bytes.data(), bytes.size());
        if (const auto ec = file.write(bytes)) {
            v = store::out_of_space(ec) ? verdict::no_space : verdict::write_failed;
            return false;
        }
        return true;
    };
}

publish_stream::verdict publish_stream::decode_into(std::string_view base64,
                                                    store::blob_upload& file, base64_stream& b64) {
    verdict v = verdict::ok;
    const base64_stream::sink out = to_tarball(file, v);
    if (!b64.feed(base64, out) && v == verdict::ok) {
        v = verdict::invalid_json;
    }
    return v;
}

publish_stream::verdict publish_stream::write(std::string_view chunk, store::blob_upload& file) {
    if (failed_ != verdict::ok) {
        return failed_;
    }
    verdict v = verdict::ok;
    const publish_body_splitter::sink attachment = [&](std::string_view base64) {
        v = decode_into(base64, file, b64_);
        return v == verdict::ok;
    };
    switch (splitter_.feed(chunk, attachment)) {
    case publish_body_splitter::status::ok:
        break;
    case publish_body_splitter::status::malformed:
        v = verdict::invalid_json;
        break;
    case publish_body_splitter::status::too_large:
        v = verdict::metadata_too_large;
        break;
    case publish_body_splitter::status::sink_failed:
        break; // v says why
    }
    failed_ = v;
    return v;
}

publish_stream::verdict publish_stream::finish(store::blob_upload& file) {
    if (failed_ != verdict::ok) {
        return failed_;
    }
    if (splitter_.finish() != publish_body_splitter::status::ok) {
        return failed_ = verdict::invalid_json;
    }
    verdict v = verdict::ok;
    const base64_stream::sink out = to_tarball(file, v);
    if (!b64_.finish(out)) {
        return failed_ = v != verdict::ok ? v : verdict::invalid_json;
    }
    request_ = read_publish_request(splitter_.metadata(), splitter_.streamed_member());
    if (!request_) {
        return failed_ = verdict::invalid_json;
    }
    if (!request_->attachment_streamed && !request_->inline_attachment.empty()) {
        // The attachment GitLab would read is not the one that streamed (an unusual body):
        // decode it from the metadata instead.
        if (file.restart() || EVP_DigestInit_ex(sha512_.get(), EVP_sha512(), nullptr) != 1) {
            return failed_ = verdict::write_failed;
        }
        base64_stream inline_b64;
        if (auto r = decode_into(request_->inline_attachment, file, inline_b64); r != verdict::ok) {
            return failed_ = r;
        }
        if (!inline_b64.finish(out)) {
            return failed_ = v != verdict::ok ? v : verdict::invalid_json;
        }
        request_->inline_attachment = "x"; // keep "not empty", drop the text
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(sha512_.get(), md, &len);
    integrity_ = "sha512-" + base64_encode(std::string_view(reinterpret_cast<const char*>(md),
                                                            static_cast<std::size_t>(len)));
    return verdict::ok;
}

void publish_stream::check_tarball(const store::blob_upload& file) {
    if (request_ && file.size() > 0) {
        manifest_error_ = npm::check_tarball(file.path(), request_->name, request_->version);
    }
}

} // namespace packyard::routing::npm
