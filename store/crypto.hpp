#pragma once

#include "store/text.hpp" // to_hex

#include <array>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace packyard::store {

using sha256_digest = std::array<unsigned char, 32>;

/// SHA-256 of data through OpenSSL's EVP interface.
sha256_digest sha256(std::string_view data);
/// SHA-256 over bytes fed in pieces (a file as it is copied), through OpenSSL's EVP interface.
class sha256_stream {
public:
    sha256_stream();
    sha256_stream(const sha256_stream&) = delete;
    sha256_stream& operator=(const sha256_stream&) = delete;
    ~sha256_stream();
    void update(std::string_view data);
    /// The digest of everything fed since construction or the last finish(), as lower-case hex;
    /// the stream starts again.
    std::string finish_hex();

private:
    evp_md_ctx_st* ctx_;
};

/// The digest as the raw 32-byte key the token table uses.
inline std::string digest_key(const sha256_digest& d) {
    return {reinterpret_cast<const char*>(d.data()), d.size()};
}
/// n characters from [A-Za-z0-9_-] drawn from OpenSSL's CSPRNG.
std::string random_token_chars(std::size_t n);

} // namespace packyard::store
