#pragma once

// Which project an npm request is about, in GitLab's words for each refusal. At project level
// it is :id (lib/api/npm_project_packages.rb, user_project with read_package); at group and
// instance level it is the project holding the newest installable package of that name under
// the group, or under the top-level namespace the name's scope names
// (lib/api/concerns/packages/npm_namespace_endpoints.rb, FF npm_allow_packages_in_multiple_projects
// off). These rules depend on the package name in the path, so they live here rather than in
// the route table's needs (routing/route.hpp).

#include "routing/context.hpp"
#include "store/records.hpp"
#include "store/txn.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace packyard::routing::handlers {

enum class npm_level : std::uint8_t { project, group, instance };

/// The level of the matched route (its pattern's prefix).
npm_level npm_level_of(const request_context& ctx) noexcept;

struct npm_target {
    store::project project;
    /// The URL tarball links of this level start with, ".../packages/npm/" (packyard serves
    /// tarballs at every level: one _authToken line covers `npm ci`, gitlab#503703).
    std::string tarball_prefix;
};

/// The project an npm request reads or writes. At project level the route's needs resolved it
/// (visible, packages readable, the route's rights); at group level the needs resolved the
/// group, and the project is the one with the newest installable package of that name under
/// it; at instance level the same under the top-level namespace of the name's scope.
/// non_public: GitLab's authenticate_non_public (packument, dist-tags GET): an anonymous caller
/// of a hidden project gets 401, so that npm sends its token.
std::variant<npm_target, response> npm_project(request_context& ctx, const store::txn& t,
                                               std::string_view package_name, bool non_public);

/// The decoded package name of :package_name, or GitLab's refusal of it (the route's
/// file_path validator).
std::variant<std::string, response> npm_package_name(const request_context& ctx);

/// The publish route's check before its body is read: the package name.
std::optional<response> npm_publish_check(request_context& ctx);

} // namespace packyard::routing::handlers
