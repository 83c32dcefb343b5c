#pragma once

// Every endpoint's handler, grouped by resource; routes.cpp maps paths onto them.

#include "routing/context.hpp"

#include <boost/asio/awaitable.hpp>
#include <optional>

namespace packyard::routing::handlers {

using task = boost::asio::awaitable<response>;

// health.cpp
response health(request_context& ctx);
response liveness(request_context& ctx);
response readiness(request_context& ctx);

// users.cpp
response current_user(request_context& ctx);
response get_user(request_context& ctx);
response list_users(request_context& ctx);
task create_user(request_context& ctx);

// tokens.cpp
task create_user_token(request_context& ctx);
response list_tokens(request_context& ctx);
response get_token_self(request_context& ctx);
task revoke_token_self(request_context& ctx);
task revoke_token(request_context& ctx);

// groups.cpp
response list_groups(request_context& ctx);
response get_group(request_context& ctx);
task create_group(request_context& ctx);
task delete_group(request_context& ctx);

// projects.cpp
response list_projects(request_context& ctx);
response get_project(request_context& ctx);
task create_project(request_context& ctx);
task delete_project(request_context& ctx);

// members.cpp
response list_project_members(request_context& ctx);
response get_project_member(request_context& ctx);
task add_project_member(request_context& ctx);
task edit_project_member(request_context& ctx);
task remove_project_member(request_context& ctx);
response list_group_members(request_context& ctx);
response get_group_member(request_context& ctx);
task add_group_member(request_context& ctx);
task edit_group_member(request_context& ctx);
task remove_group_member(request_context& ctx);

// packages.cpp (gitlab-packages-api.md E1-E5)
response list_project_packages(request_context& ctx);
response list_group_packages(request_context& ctx);
response get_package(request_context& ctx);
response list_package_pipelines(request_context& ctx);
task delete_package(request_context& ctx);

// package_files.cpp (E6-E8)
response list_package_files(request_context& ctx);
task delete_package_file(request_context& ctx);
task download_package_file(request_context& ctx);

// generic.cpp (E9, E11)
std::optional<response> generic_upload_precheck(request_context& ctx);
task generic_upload(request_context& ctx);
task generic_download(request_context& ctx);

// pipelines.cpp
task create_commit_status(request_context& ctx);
response list_pipelines(request_context& ctx);
response get_pipeline(request_context& ctx);
task delete_pipeline(request_context& ctx);
task create_job_token(request_context& ctx);

} // namespace packyard::routing::handlers
