#pragma once

// Every endpoint's handler, grouped by resource; routes.cpp maps paths onto them and names what
// each needs resolved first. A handler is a plain function over one read snapshot: it answers,
// or returns a write plan for routing::app to commit and render (routing/outcome.hpp).

#include "routing/context.hpp"
#include "routing/outcome.hpp"

#include <optional>

namespace packyard::routing::handlers {

using snapshot = store::read_txn;

// health.cpp
outcome health(request_context& ctx, const snapshot& t);
outcome liveness(request_context& ctx, const snapshot& t);
outcome readiness(request_context& ctx, const snapshot& t);

// metrics.cpp
outcome metrics(request_context& ctx, const snapshot& t);

// users.cpp
outcome current_user(request_context& ctx, const snapshot& t);
outcome get_user(request_context& ctx, const snapshot& t);
outcome list_users(request_context& ctx, const snapshot& t);
outcome create_user(request_context& ctx, const snapshot& t);

// tokens.cpp
outcome create_user_token(request_context& ctx, const snapshot& t);
outcome list_tokens(request_context& ctx, const snapshot& t);
outcome get_token_self(request_context& ctx, const snapshot& t);
outcome revoke_token_self(request_context& ctx, const snapshot& t);
outcome revoke_token(request_context& ctx, const snapshot& t);

// groups.cpp
outcome list_groups(request_context& ctx, const snapshot& t);
outcome get_group(request_context& ctx, const snapshot& t);
outcome create_group(request_context& ctx, const snapshot& t);
outcome delete_group(request_context& ctx, const snapshot& t);

// projects.cpp
outcome list_projects(request_context& ctx, const snapshot& t);
outcome get_project(request_context& ctx, const snapshot& t);
outcome create_project(request_context& ctx, const snapshot& t);
outcome delete_project(request_context& ctx, const snapshot& t);

// members.cpp
outcome list_members(request_context& ctx, const snapshot& t);
outcome get_member(request_context& ctx, const snapshot& t);
outcome add_member(request_context& ctx, const snapshot& t);
outcome edit_member(request_context& ctx, const snapshot& t);
outcome remove_member(request_context& ctx, const snapshot& t);

// packages.cpp (GitLab's Packages API: lib/api/project_packages.rb, group_packages.rb)
outcome list_project_packages(request_context& ctx, const snapshot& t);
outcome list_group_packages(request_context& ctx, const snapshot& t);
outcome get_package(request_context& ctx, const snapshot& t);
outcome list_package_pipelines(request_context& ctx, const snapshot& t);
outcome delete_package(request_context& ctx, const snapshot& t);

// package_files.cpp (E6-E8)
outcome list_package_files(request_context& ctx, const snapshot& t);
outcome delete_package_file(request_context& ctx, const snapshot& t);
outcome download_package_file(request_context& ctx, const snapshot& t);

// generic.cpp (E9, E11)
std::optional<response> generic_upload_check(request_context& ctx);
outcome generic_upload(request_context& ctx, const snapshot& t);
outcome generic_download(request_context& ctx, const snapshot& t);

// npm.cpp, npm_publish.cpp (lib/api/npm_project_packages.rb, npm_group_packages.rb,
// npm_instance_packages.rb)
outcome npm_packument(request_context& ctx, const snapshot& t);
outcome npm_dist_tags(request_context& ctx, const snapshot& t);
outcome npm_set_dist_tag(request_context& ctx, const snapshot& t);
outcome npm_delete_dist_tag(request_context& ctx, const snapshot& t);
outcome npm_audit(request_context& ctx, const snapshot& t);
outcome npm_tarball(request_context& ctx, const snapshot& t);
std::optional<response> npm_publish_check(request_context& ctx);
outcome npm_publish(request_context& ctx, const snapshot& t);

// pypi.cpp (lib/api/pypi_packages.rb)
std::optional<response> pypi_upload_check(request_context& ctx);
outcome pypi_upload(request_context& ctx, const snapshot& t);
outcome pypi_simple_index(request_context& ctx, const snapshot& t);
outcome pypi_simple_package(request_context& ctx, const snapshot& t);
outcome pypi_download(request_context& ctx, const snapshot& t);

// maven.cpp (lib/api/maven_packages.rb)
std::optional<response> maven_read_params(request_context& ctx);
std::optional<response> maven_upload_params(request_context& ctx);
std::optional<response> maven_upload_check(request_context& ctx);
outcome maven_upload(request_context& ctx, const snapshot& t);
outcome maven_download(request_context& ctx, const snapshot& t);

// pipelines.cpp
outcome create_commit_status(request_context& ctx, const snapshot& t);
outcome list_pipelines(request_context& ctx, const snapshot& t);
outcome get_pipeline(request_context& ctx, const snapshot& t);
outcome delete_pipeline(request_context& ctx, const snapshot& t);
outcome create_job_token(request_context& ctx, const snapshot& t);

// The web pages (docs/web.md): web_sign_in.cpp, web_home.cpp, web_packages.cpp,
// web_actions.cpp. Errors are turned into pages by routing::app (web::as_page).
outcome web_sign_in_form(request_context& ctx, const snapshot& t);
outcome web_sign_in(request_context& ctx, const snapshot& t);
outcome web_sign_out(request_context& ctx, const snapshot& t);
outcome web_home(request_context& ctx, const snapshot& t);
outcome web_project_packages(request_context& ctx, const snapshot& t);
outcome web_group_packages(request_context& ctx, const snapshot& t);
outcome web_package(request_context& ctx, const snapshot& t);
outcome web_delete_package(request_context& ctx, const snapshot& t);
outcome web_delete_package_file(request_context& ctx, const snapshot& t);
outcome web_download(request_context& ctx, const snapshot& t);
outcome web_asset(request_context& ctx, const snapshot& t);

} // namespace packyard::routing::handlers
