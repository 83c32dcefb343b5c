#pragma once

#include "store/text.hpp" // to_hex

#include <array>
#include <string>
#include <string_view>

namespace packyard::store {

using sha256_digest = std::array<unsigned char, 32>;

/// SHA-256 of data through OpenSSL's EVP interface.
sha256_digest sha256(std::string_view data);
/// The digest as the raw 32-byte key the token table uses.
inline std::string digest_key(const sha256_digest& d) {
    return {reinterpret_cast<const char*>(d.data()), d.size()};
}
/// n characters from [A-Za-z0-9_-] drawn from OpenSSL's CSPRNG.
std::string random_token_chars(std::size_t n);

} // namespace packyard::store
