#pragma once

// The routing layer's entry point for the server, in two phases so that a request is routed
// and authenticated from its header alone, before any body byte is read.

#include "routing/context.hpp"
#include "routing/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>

namespace packyard::routing {

class app {
public:
    explicit app(services& s);

    struct started {
        /// Answer this now (unknown route, 405, bad credentials); the body is not wanted.
        std::optional<response> early;
        /// Otherwise: the context to finish once the body is in.
        std::unique_ptr<request_context> ctx;
        body_kind body = body_kind::none;
    };

    /// Phase 1 (header only): route, query params, authentication.
    started begin(request& req);

    /// Phase 2: body params, then the handler. Never throws; failures become a 500.
    boost::asio::awaitable<response> finish(request_context& ctx);

    const router& routes() const noexcept { return router_; }
    services& svc() noexcept { return svc_; }

private:
    services& svc_;
    router router_;
};

} // namespace packyard::routing
