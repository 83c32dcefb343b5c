#include "server/request_framing.hpp"

#include "store/text.hpp"

#include <ostream> // before Beast's http headers (GCC 12 + Boost 1.81)

namespace packyard::server {
namespace http = boost::beast::http;
std::optional<framing_error> check_framing(const http::fields& fields, unsigned version) {
    const auto hosts = fields.count(http::field::host);
    if (hosts > 1 || (version >= 11 && hosts == 0)) {
        return framing_error{400, "Host"};
    }
    const auto lengths = fields.count(http::field::content_length);
    if (lengths > 1) {
        return framing_error{400, "repeated Content-Length"};
    }
    if (lengths == 1 && fields[http::field::content_length].find(',') != std::string_view::npos) {
        return framing_error{400, "Content-Length list"};
    }
    if (fields.count(http::field::transfer_encoding) == 0) {
        return std::nullopt;
    }
    if (version < 11) {
        return framing_error{400, "Transfer-Encoding in HTTP/1.0"};
    }
    if (lengths != 0) {
        return framing_error{400, "Transfer-Encoding with Content-Length"};
    }
    // The codings of every Transfer-Encoding field, in order, form one list (RFC 9110 §5.3).
    unsigned chunked = 0;
    bool other = false;
    bool last_is_chunked = false;
    auto [it, end] = fields.equal_range(http::field::transfer_encoding);
    for (; it != end; ++it) {
        std::string_view list = it->value();
        while (true) {
            const auto comma = list.find(',');
            const auto coding = store::trim_ows(list.substr(0, comma));
            if (!coding.empty()) {
                last_is_chunked = store::iequals(coding, "chunked");
                chunked += last_is_chunked ? 1U : 0U;
                other = other || !last_is_chunked;
            }
            if (comma == std::string_view::npos) {
                break;
            }
            list.remove_prefix(comma + 1);
        }
    }
    if (!last_is_chunked || chunked != 1) {
        return framing_error{400, "Transfer-Encoding must end in chunked, once"};
    }
    if (other) {
        return framing_error{501, "transfer coding not implemented"};
    }
    return std::nullopt;
}

} // namespace packyard::server
