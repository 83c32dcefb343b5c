#pragma once

#include "server/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace packyard::server {

/// The request target with the values of private_token, job_token and token replaced by
/// [FILTERED]: tokens never reach the log.
std::string redact_target(std::string_view target);

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
