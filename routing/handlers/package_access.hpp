#pragma once

// Lookups shared by the package, package-file and generic handlers.

#include "routing/context.hpp"
#include "store/clock.hpp"
#include "store/package_records.hpp"
#include "store/records.hpp"

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <variant>

namespace packyard::routing::handlers {

/// Project lookup plus read_package: GitLab's first two checks on every package route.
std::variant<store::project, response> project_for_packages(request_context& ctx);
/// The displayable package :package_id of this project, or GitLab's "404 Not found".
std::variant<store::package, response> find_displayable(request_context& ctx,
                                                        const store::project& proj);
/// A package of a project, as the package routes look it up.
struct project_package {
    store::project project;
    store::package package;
};
/// project_for_packages, then (for deletes) Maintainer+, then find_displayable: GitLab's order
/// of checks on every route under /packages/:package_id.
std::variant<project_package, response> find_package_for(request_context& ctx,
                                                         bool for_delete = false);

using store::parse_http_date;
/// Answers with the file's bytes and GitLab's download headers; records last_downloaded_at
/// (at most once a minute, as GitLab throttles it).
boost::asio::awaitable<response> send_file(request_context& ctx, const store::package& p,
                                           const store::package_file& f);

} // namespace packyard::routing::handlers
