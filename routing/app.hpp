#pragma once

// The routing layer's entry point for the server. A request goes through two phases, split where
// the body is read:
//
//   begin()   header only, no await: route, query parameters, authentication; a route that
//             takes a body refuses an anonymous caller, a stream route resolves its needs, runs
//             its path checks and opens the request's upload sink.
//   finish()  after the body: decide() opens a read snapshot, parses the body, resolves the
//             route's needs and calls the handler, and closes the snapshot; if the handler
//             returned a write plan, the one writer hop; then conclude() renders the answer
//             from a snapshot opened after the commit.
//
// begin(), decide() and conclude() are plain functions and every snapshot is a local of one of
// them, so none can be open while a body is read, the writer is awaited or a response is
// written: the rule holds by construction.

#include "routing/context.hpp"
#include "routing/outcome.hpp"
#include "routing/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace packyard::routing {

class app {
public:
    explicit app(services& s, std::span<const route> table = all_routes());

    struct started {
        /// Answer this now (unknown route, 405, bad credentials, a refused upload); the body
        /// is not wanted.
        std::optional<response> early;
        /// Otherwise: the context to finish once the body is in (its upload sink open for a
        /// stream route).
        std::unique_ptr<request_context> ctx;
        body_kind body = body_kind::none;
        /// The index of the matched row in the table (the metrics' route label), -1 for none.
        int route = -1;
    };

    /// Phase 1 (header only). content_length: the declared body length, if any.
    started begin(request& req, std::optional<std::uint64_t> content_length);

    /// Phase 2: decide, write, render. Never throws; failures become a 500 and a log line.
    boost::asio::awaitable<response> finish(request_context& ctx);

    const router& routes() const noexcept { return router_; }
    services& svc() noexcept { return svc_; }

private:
    /// begin()'s work; begin() shapes its early answer for the route (web pages).
    started start(request& req, std::optional<std::uint64_t> content_length);
    /// The handler's decision over one snapshot (closed when this returns).
    outcome decide(request_context& ctx) noexcept;
    /// The plan's answer after its write, from a snapshot opened after the commit.
    response conclude(request_context& ctx, const write_plan& plan, std::error_code ec) noexcept;

    services& svc_;
    router router_;
};

} // namespace packyard::routing
