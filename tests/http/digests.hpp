#pragma once

// Lower-case hex digests through OpenSSL's EVP interface, for tests that compute what the
// server should answer (checksum files, digest fields, checksum headers).

#include <openssl/evp.h>
#include <string>

namespace packyard::testing {

inline std::string hex_digest(const EVP_MD* md, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < n; ++i) {
        hex += digits[out[i] >> 4U];
        hex += digits[out[i] & 15U];
    }
    return hex;
}

} // namespace packyard::testing
