#pragma once

// One line per request, through the process logger (store/log.hpp) in --log-format.

#include <cstdint>
#include <string>
#include <string_view>

namespace packyard::server {

/// The request target with every secret query value replaced by [FILTERED]: a parameter whose
/// key, percent-decoded the way the router decodes it ("%70rivate%5Ftoken" is private_token)
/// and stripped of a "[...]" suffix, ends in "token" or holds "password" or "secret" (GitLab's
/// filter_parameters). Keys that do not decode cleanly are read leniently, so a query that is
/// refused as malformed is still redacted.
std::string redact_target(std::string_view target);

struct access_entry {
    std::string_view remote;
    std::string_view method;
    std::string_view target; ///< raw; redacted and made printable when written
    unsigned status = 0;
    std::uint64_t bytes = 0;
    std::uint64_t micros = 0;
    std::string_view request_id; ///< X-Request-Id (server/request_id.hpp)
};

void write_access_log(const access_entry& e);

} // namespace packyard::server
