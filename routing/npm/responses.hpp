#pragma once

// The npm endpoints' error bodies (GitLab's lib/api/helpers/packages/npm.rb and
// lib/api/concerns/packages/npm_endpoints.rb): every one carries an "error" member, the text the
// npm CLI prints after its status line.

#include "routing/http_types.hpp"

#include <string_view>

namespace packyard::routing::npm {

/// {"message":text,"error":text}: a service error (CreatePackageService and the like).
response error(unsigned status, std::string_view text);
/// npm's not_found!(resource): 404 {"message":"404 <Resource Titleized> Not Found",
/// "error":"<resource> not found"}.
response not_found(std::string_view resource);
/// npm's bad_request_missing_attribute!: 400 {"message":"400 Bad request - \"<attr>\" not
/// given","error":"\"<attr>\" not given"}.
response missing_attribute(std::string_view attribute);

} // namespace packyard::routing::npm
