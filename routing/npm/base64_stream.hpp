#pragma once

// Base64 decoding of a stream that arrives in pieces of any size (OpenSSL's EVP_Decode*, which
// keeps the partial quantum between calls). Stricter than EVP alone: text after the '='
// padding is an error rather than a second document.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

struct evp_Encode_Ctx_st;

namespace packyard::routing::npm {

class base64_stream {
public:
    /// Receives decoded bytes; false stops the stream.
    using sink = std::function<bool(std::string_view bytes)>;

    base64_stream();
    ~base64_stream();
    base64_stream(base64_stream&&) noexcept;
    base64_stream& operator=(base64_stream&&) = delete;

    /// Feeds base64 text (alphabet and '=' only). False on bad text or a refusing sink.
    bool feed(std::string_view text, const sink& out);
    /// At the end: false when the text stopped inside a quantum.
    bool finish(const sink& out);
    /// Decoded bytes so far.
    std::uint64_t decoded() const noexcept { return decoded_; }

private:
    struct free_ctx {
        void operator()(evp_Encode_Ctx_st* c) const noexcept;
    };
    std::unique_ptr<evp_Encode_Ctx_st, free_ctx> ctx_;
    std::uint64_t decoded_ = 0;
    bool padded_ = false;
    bool failed_ = false;
};

} // namespace packyard::routing::npm
