#pragma once

// What the package, package-file and generic handlers share: sending a stored file.

#include "routing/context.hpp"
#include "routing/outcome.hpp"
#include "store/clock.hpp"
#include "store/package_records.hpp"

namespace packyard::routing::handlers {

using store::parse_http_date;

/// Answers with the file's bytes and GitLab's download headers. Records last_downloaded_at
/// first when it is more than a minute old (GitLab throttles the update the same way): then
/// the answer is a write plan whose render sends the file.
outcome send_file(const request_context& ctx, const store::package& p,
                  const store::package_file& f);

} // namespace packyard::routing::handlers
