#pragma once

// What a handler decides: an answer now, or a write to commit and an answer to render after it.
// Handlers are plain functions over one read snapshot; the writer hop and the snapshot after it
// belong to routing::app, so no handler can hold a snapshot while it waits (app.hpp).

#include "routing/http_types.hpp"
#include "store/txn.hpp"
#include "store/writer.hpp"

#include <functional>
#include <system_error>
#include <utility>
#include <variant>

namespace packyard::routing {

/// A write and what to answer once it is durable.
struct write_plan {
    /// Runs on the writer thread in a write transaction. It owns everything it needs (the
    /// handler's locals are gone by then) and touches only its transaction and its outputs.
    store::writer::job job;
    /// Renders the answer after the commit (ec: the job's or the commit's failure), from a
    /// snapshot opened after the commit.
    std::function<response(const store::read_txn& after, std::error_code ec)> render;
    /// The job records the request's upload as a file: with a bucket, routing::app pushes the
    /// bytes there before the writer hop (a plan that only reads the upload, such as an npm
    /// deprecate's empty one, sends nothing).
    bool stores_upload = false;
};

using outcome = std::variant<response, write_plan>;

/// A write_plan from a job and its renderer.
template <class Job, class Render>
write_plan then_render(Job&& job, Render&& render) {
    return write_plan{store::writer::job(std::forward<Job>(job)), std::forward<Render>(render)};
}

/// A write_plan whose job records the request's upload as a package file.
template <class Job, class Render>
write_plan then_store_upload(Job&& job, Render&& render) {
    auto plan = then_render(std::forward<Job>(job), std::forward<Render>(render));
    plan.stores_upload = true;
    return plan;
}

} // namespace packyard::routing
