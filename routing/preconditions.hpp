#pragma once

// A route's needs (route.hpp), resolved in GitLab's order of checks before its handler runs:
// the handler receives the project, group or package in ctx.subject and never repeats a check.

#include "routing/context.hpp"
#include "routing/route.hpp"

#include <optional>

namespace packyard::routing {

/// Resolves what the route needs into ctx.subject; the first refusal is returned as GitLab
/// words it.
std::optional<response> resolve_needs(request_context& ctx, const store::txn& t, const needs& n);

} // namespace packyard::routing
