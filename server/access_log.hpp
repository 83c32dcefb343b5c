#pragma once

#include "server/config.hpp"

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

/// s with every byte that is not part of valid UTF-8, and every control character, written as
/// the four characters \xHH: a log line stays one line of valid UTF-8 whatever a client sent.
std::string printable(std::string_view s);

struct access_entry {
    std::string_view remote;
    std::string_view method;
    std::string_view target; ///< raw; redacted when written
    unsigned status = 0;
    std::uint64_t bytes = 0;
    std::uint64_t micros = 0;
};

/// Writes one line to stderr with a single write(2), so lines from threads never interleave.
void write_access_log(log_format fmt, const access_entry& e);

/// Writes a free-form server message (startup, shutdown, failures).
void log_message(log_format fmt, std::string_view text);

} // namespace packyard::server
