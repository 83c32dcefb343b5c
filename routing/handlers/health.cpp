#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"

namespace packyard::routing::handlers {

response health(request_context&) {
    response r;
    r.content_type = "text/plain";
    r.body = "packyard OK";
    return r;
}

response liveness(request_context&) {
    return json_response(200, R"({"status":"ok"})");
}

response readiness(request_context& ctx) {
    // Ready means the store answers a read.
    try {
        (void)ctx.rtxn();
    } catch (const std::exception&) {
        return json_response(503, R"({"status":"failed"})");
    }
    return json_response(200, R"({"status":"ok"})");
}

} // namespace packyard::routing::handlers
