#pragma once

// RFC 9112's framing rules that Beast's parser leaves to its caller. Beast reads a body only
// when Transfer-Encoding ends in "chunked" or a Content-Length is given, and treats any other
// Transfer-Encoding as "no body": the body's bytes would then run as the next request on the
// connection (request smuggling). A request whose length two parties could read differently is
// refused here, after its header and before anything runs.

#include <boost/beast/http/fields.hpp>
#include <optional>
#include <string_view>

namespace packyard::server {

/// Why a request header cannot be served: the status to answer (then close) and a short reason.
struct framing_error {
    unsigned status;
    std::string_view reason;
};

/// Checks Host (RFC 9112 §3.2), Content-Length (§6.3) and Transfer-Encoding (§6.1):
/// - HTTP/1.1 needs exactly one Host field; more than one Host field is refused in any version;
/// - Content-Length must appear once, as one number (Beast has checked the digits);
/// - Transfer-Encoding is refused in HTTP/1.0 and beside Content-Length, must end in `chunked`
///   exactly once (400 otherwise), and any other coding is one packyard does not decode (501).
std::optional<framing_error> check_framing(const boost::beast::http::fields& fields,
                                           unsigned version);

} // namespace packyard::server
