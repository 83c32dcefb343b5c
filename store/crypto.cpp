#include "store/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdexcept>
#include <vector>

namespace packyard::store {

sha256_digest sha256(std::string_view data) {
    sha256_digest out{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("EVP_Digest(sha256) failed");
    }
    return out;
}

sha256_stream::sha256_stream()
    : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx_);
        throw std::runtime_error("EVP_DigestInit_ex(sha256) failed");
    }
}

sha256_stream::~sha256_stream() {
    EVP_MD_CTX_free(ctx_);
}

void sha256_stream::update(std::string_view data) {
    if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
        throw std::runtime_error("EVP_DigestUpdate(sha256) failed");
    }
}

std::string sha256_stream::finish_hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, out, &len) != 1 ||
        EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("EVP_DigestFinal_ex(sha256) failed");
    }
    return to_hex(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::string random_token_chars(std::size_t n) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    std::vector<unsigned char> raw(n);
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    std::string out;
    out.reserve(n);
    for (const unsigned char b : raw) {
        out.push_back(alphabet[b & 63U]); // 64 symbols: no modulo bias
    }
    return out;
}

} // namespace packyard::store
