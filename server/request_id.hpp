#pragma once

// The id every request gets: sent back as X-Request-Id and carried by every log line written
// while the request is handled, as GitLab's correlation id is (labkit's correlation package:
// GitLab generates one per request and, unless propagation is configured, ignores the
// client's X-Request-Id).

#include <array>

namespace packyard::server {

/// A ULID, as labkit's correlation ids are: 26 characters of Crockford's base32 holding 48 bits
/// of Unix milliseconds and 80 random bits. Within one millisecond a thread counts its random
/// part up (ULID's monotonic mode), so ids of one thread sort by issue and never repeat; the
/// random part is drawn from OpenSSL once per thread and millisecond.
std::array<char, 26> next_request_id();

} // namespace packyard::server
