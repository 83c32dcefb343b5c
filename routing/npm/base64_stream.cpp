#include "routing/npm/base64_stream.hpp"

#include <array>
#include <openssl/evp.h>
#include <stdexcept>

namespace packyard::routing::npm {

void base64_stream::free_ctx::operator()(evp_Encode_Ctx_st* c) const noexcept {
    EVP_ENCODE_CTX_free(c);
}

base64_stream::base64_stream()
    : ctx_(EVP_ENCODE_CTX_new()) {
    if (!ctx_) {
        throw std::bad_alloc();
    }
    EVP_DecodeInit(ctx_.get());
}

base64_stream::~base64_stream() = default;
base64_stream::base64_stream(base64_stream&&) noexcept = default;

bool base64_stream::feed(std::string_view text, const sink& out) {
    if (failed_) {
        return false;
    }
    // 48 KiB of text at a time: its bytes fit the output buffer with EVP's partial quantum.
    constexpr std::size_t piece = 48 * 1024;
    std::array<unsigned char, piece / 4 * 3 + 96> buf{};
    while (!text.empty()) {
        const auto part = text.substr(0, piece);
        text.remove_prefix(part.size());
        for (char c : part) {
            if (c == '=') {
                padded_ = true;
            } else if (padded_) {
                failed_ = true; // text after the padding
                return false;
            }
        }
        int n = 0;
        if (EVP_DecodeUpdate(ctx_.get(), buf.data(), &n,
                             reinterpret_cast<const unsigned char*>(part.data()),
                             static_cast<int>(part.size())) < 0) {
            failed_ = true;
            return false;
        }
        decoded_ += static_cast<std::uint64_t>(n);
        if (n > 0 && !out(std::string_view(reinterpret_cast<const char*>(buf.data()),
                                           static_cast<std::size_t>(n)))) {
            failed_ = true;
            return false;
        }
    }
    return true;
}

bool base64_stream::finish(const sink& out) {
    if (failed_) {
        return false;
    }
    std::array<unsigned char, 96> buf{};
    int n = 0;
    if (EVP_DecodeFinal(ctx_.get(), buf.data(), &n) < 0) {
        failed_ = true;
        return false;
    }
    decoded_ += static_cast<std::uint64_t>(n);
    return n == 0 || out(std::string_view(reinterpret_cast<const char*>(buf.data()),
                                          static_cast<std::size_t>(n)));
}

} // namespace packyard::routing::npm
