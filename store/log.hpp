#pragma once

// The process's one logger: every line packyard writes (access lines, start-up and shutdown,
// the cause of a 500) goes through here, in the --log-format chosen at start, as one write(2)
// to stderr so lines from different threads never interleave. It sits on the lowest floor so
// that the store and the routing layer log the same way the server does.

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace packyard::log {

enum class format : std::uint8_t { text, json };

/// Chosen once at start-up (text until then).
void set_format(format f) noexcept;
format current_format() noexcept;

/// A server message: "<time> packyard: <text>" or {"time":…,"message":…}, with the request
/// id of the current request_scope: " request_id=<id>" or "correlation_id":"<id>" (GitLab's
/// name for it in its JSON logs).
void message(std::string_view text);
/// A failure and its cause: message("<what>: <ec.message()>").
void error(std::string_view what, const std::error_code& ec);
/// While alive, the lines this thread writes carry this request id: one synchronous stretch of
/// a request's handling, never across a co_await, where other requests run on the thread. The
/// id must outlive the scope.
class request_scope {
public:
    explicit request_scope(std::string_view id) noexcept;
    ~request_scope();
    request_scope(const request_scope&) = delete;
    request_scope& operator=(const request_scope&) = delete;

private:
    std::string_view outer_;
};
/// The id of the innermost request_scope of this thread, or empty.
std::string_view current_request_id() noexcept;

/// A finished line (the access log builds its own); a newline is added.
void write_line(std::string_view line);

/// s with every byte that is not part of valid UTF-8, every control character and the
/// backslash written as the four characters \xHH: a line stays one line of valid UTF-8 (and a
/// valid JSON string once quotes are escaped) whatever a client sent.
std::string printable(std::string_view s);
/// Appends s as a JSON string literal (made printable first).
void append_json_string(std::string& out, std::string_view s);

} // namespace packyard::log
