#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"

namespace packyard::routing::handlers {

outcome health(request_context&, const snapshot&) {
    response r;
    r.content_type = "text/plain";
    r.body = "packyard OK";
    return r;
}

outcome liveness(request_context&, const snapshot&) {
    return json_response(200, R"({"status":"ok"})");
}

outcome readiness(request_context&, const snapshot&) {
    // Ready means the store answers a read: the snapshot this handler got is that read (the
    // route's store_probe flag turns a failure to open it into a 503).
    return json_response(200, R"({"status":"ok"})");
}

} // namespace packyard::routing::handlers
