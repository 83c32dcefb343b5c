#pragma once

// What the package, package-file and generic handlers share: sending a stored file.

#include "routing/context.hpp"
#include "routing/outcome.hpp"
#include "store/clock.hpp"
#include "store/package_records.hpp"

#include <optional>
#include <string_view>

namespace packyard::routing::handlers {

using store::parse_http_date;

/// 412 when If-Unmodified-Since names a time before updated_at (compared at one-second
/// precision: HTTP dates have no fraction).
std::optional<response> modified_since(const request_context& ctx, std::int64_t updated_at);

/// A delete of a package or a file: the job marks it for destruction; the answer is 204 and the
/// cleanup is woken, or gone when the job found it already gone.
write_plan destroy(const request_context& ctx, store::writer::job job, std::string_view what,
                   response gone);

/// Answers with the file's bytes and GitLab's download headers. Records last_downloaded_at
/// first when it is more than a minute old (GitLab throttles the update the same way): then
/// the answer is a write plan whose render sends the file.
/// extra: headers a format adds (Maven's x-checksum-sha1 and x-checksum-md5); head_downloads:
/// whether a HEAD records a download too (Maven's does not).
outcome send_file(const request_context& ctx, const store::package& p, const store::package_file& f,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {},
                  bool head_downloads = true);

} // namespace packyard::routing::handlers
