#pragma once

// GitLab's two error shapes in one place (GitLab's lib/api/helpers.rb and Grape's
// error formatter): {"message": ...} from
// GitLab's helpers, {"error": ...} from Grape (validation, routing).

#include "routing/http_types.hpp"

#include <string_view>

namespace packyard::routing {

/// {"message":"<text>"} with the given status.
response message_response(unsigned status, std::string_view text);
/// {"error":"<text>"} with the given status.
response error_response(unsigned status, std::string_view text);
/// {"message":"<message>","error":"<error>"}: GitLab's render_structured_api_error! as the
/// package-format endpoints use it (npm shows the "error" text to its user).
response structured_error(unsigned status, std::string_view message, std::string_view error);

inline response bad_params(std::string_view phrases) {
    return error_response(400, phrases);
}
/// 404 {"message":"404 <what> Not Found"}; what empty gives "404 Not Found".
response not_found(std::string_view what = {});
inline response unauthorized() {
    return message_response(401, "401 Unauthorized");
}
inline response forbidden() {
    return message_response(403, "403 Forbidden");
}
/// 403 {"message":"403 Forbidden - <reason>"}.
response forbidden(std::string_view reason);
/// 400 {"message":"400 Bad request - <reason>"}.
response bad_request(std::string_view reason);
/// 204 with an empty body.
response no_content();
/// 202 {"message":"202 Accepted"}.
inline response accepted() {
    return message_response(202, "202 Accepted");
}
/// 500 {"message":"500 Internal Server Error"}; the cause goes to the log, never the client.
response internal_error();
/// 507 {"message":"507 Insufficient Storage"}: the disk or the store's map is full. GitLab has
/// no status of its own for it (Workhorse answers any failed upload but a too large one with
/// 500: workhorse/internal/upload/body_uploader.go); decision 0017 says why packyard does.
response insufficient_storage();

} // namespace packyard::routing
