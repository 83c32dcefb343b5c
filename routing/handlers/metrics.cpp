// GET /-/metrics: Prometheus' text format, for the addresses of --metrics-allow only
// (app/controllers/metrics_controller.rb with RequiresAllowlistedMonitoringClient).

#include "routing/metrics.hpp"

#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "store/gc.hpp"

namespace packyard::routing::handlers {

outcome metrics(request_context& ctx, const snapshot& t) {
    // Anyone else, and everyone with --metrics false, sees a path that does not exist: the
    // same 404 as an unknown route.
    if (ctx.svc.metrics == nullptr || !ctx.svc.cfg.metrics_allow.allows(ctx.req.remote)) {
        return error_response(404, "404 Not Found");
    }
    metrics::store_figures figures;
    figures.map = ctx.svc.env.stats();
    figures.blobs = store::blob_stats(t);
    figures.cleanup_backlog = store::cleanup_backlog(t);
    figures.writer = ctx.svc.writer.stats();
    figures.bucket = ctx.svc.blobs->bucket();
    response r;
    r.content_type = metrics::content_type;
    r.body = ctx.svc.metrics->render(figures);
    return r;
}

} // namespace packyard::routing::handlers
