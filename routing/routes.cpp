// THE route table: one row per endpoint, grouped as GitLab's docs group them. Adding an
// endpoint is one row here plus its handler.

#include "routing/handlers/handlers.hpp"
#include "routing/router.hpp"

namespace packyard::routing {
namespace {

namespace h = handlers;
using m = method;
constexpr auto read = scope_need::read;
constexpr auto read_user = scope_need::read_user;

const route table[] = {
    // Health (GitLab's /-/ endpoints); no credentials involved.
    {m::get, "/-/health", h::health, nullptr, read, no_auth, body_kind::none},
    {m::get, "/-/liveness", h::liveness, nullptr, read, no_auth, body_kind::none},
    {m::get, "/-/readiness", h::readiness, nullptr, read, no_auth, body_kind::none},

    // Users and tokens
    read_route(m::get, "/api/v4/user", h::current_user, read_user),
    read_route(m::get, "/api/v4/users", h::list_users, read_user),
    read_route(m::get, "/api/v4/users/:id", h::get_user, read_user),
    write_route(m::post, "/api/v4/users", h::create_user),
    write_route(m::post, "/api/v4/users/:user_id/personal_access_tokens", h::create_user_token),
    read_route(m::get, "/api/v4/personal_access_tokens", h::list_tokens),
    read_route(m::get, "/api/v4/personal_access_tokens/self", h::get_token_self),
    write_route(m::delete_, "/api/v4/personal_access_tokens/self", h::revoke_token_self,
                body_kind::none),
    write_route(m::delete_, "/api/v4/personal_access_tokens/:token_id", h::revoke_token,
                body_kind::none),

    // Groups
    read_route(m::get, "/api/v4/groups", h::list_groups),
    write_route(m::post, "/api/v4/groups", h::create_group),
    read_route(m::get, "/api/v4/groups/:id", h::get_group),
    write_route(m::delete_, "/api/v4/groups/:id", h::delete_group, body_kind::none),
    read_route(m::get, "/api/v4/groups/:id/members", h::list_group_members),
    write_route(m::post, "/api/v4/groups/:id/members", h::add_group_member),
    read_route(m::get, "/api/v4/groups/:id/members/:user_id", h::get_group_member),
    write_route(m::put, "/api/v4/groups/:id/members/:user_id", h::edit_group_member),
    write_route(m::delete_, "/api/v4/groups/:id/members/:user_id", h::remove_group_member,
                body_kind::none),

    // Projects
    read_route(m::get, "/api/v4/projects", h::list_projects),
    write_route(m::post, "/api/v4/projects", h::create_project),
    read_route(m::get, "/api/v4/projects/:id", h::get_project),
    write_route(m::delete_, "/api/v4/projects/:id", h::delete_project, body_kind::none),
    read_route(m::get, "/api/v4/projects/:id/members", h::list_project_members),
    write_route(m::post, "/api/v4/projects/:id/members", h::add_project_member),
    read_route(m::get, "/api/v4/projects/:id/members/:user_id", h::get_project_member),
    write_route(m::put, "/api/v4/projects/:id/members/:user_id", h::edit_project_member),
    write_route(m::delete_, "/api/v4/projects/:id/members/:user_id", h::remove_project_member,
                body_kind::none),

    // Packages (the seed's endpoints, gitlab-packages-api.md E1-E8)
    read_route(m::get, "/api/v4/projects/:id/packages", h::list_project_packages, read,
               allow_job_token),
    read_route(m::get, "/api/v4/groups/:id/packages", h::list_group_packages),
    read_route(m::get, "/api/v4/projects/:id/packages/:package_id", h::get_package, read,
               allow_job_token),
    read_route(m::get, "/api/v4/projects/:id/packages/:package_id/pipelines",
               h::list_package_pipelines, read, allow_job_token),
    write_route(m::delete_, "/api/v4/projects/:id/packages/:package_id", h::delete_package,
                body_kind::none, allow_job_token),
    read_route(m::get, "/api/v4/projects/:id/packages/:package_id/package_files",
               h::list_package_files, read, allow_job_token),
    write_route(m::delete_,
                "/api/v4/projects/:id/packages/:package_id/package_files/:package_file_id",
                h::delete_package_file, body_kind::none, allow_job_token),
    read_async_route(
        m::get, "/api/v4/projects/:id/packages/:package_id/package_files/:package_file_id/download",
        h::download_package_file, allow_job_token),

    // Generic packages (E9, E11): :rest* is version/(path/)file_name
    upload_route(m::put, "/api/v4/projects/:id/packages/generic/:package_name/:rest*",
                 h::generic_upload_precheck, h::generic_upload, allow_job_token | allow_basic_auth),
    read_async_route(m::get, "/api/v4/projects/:id/packages/generic/:package_name/:rest*",
                     h::generic_download, allow_job_token | allow_basic_auth),

    // Pipelines, as external CI reports them, and packyard's job-token extension
    write_route(m::post, "/api/v4/projects/:id/statuses/:sha", h::create_commit_status),
    read_route(m::get, "/api/v4/projects/:id/pipelines", h::list_pipelines),
    read_route(m::get, "/api/v4/projects/:id/pipelines/:pipeline_id", h::get_pipeline),
    write_route(m::delete_, "/api/v4/projects/:id/pipelines/:pipeline_id", h::delete_pipeline,
                body_kind::none),
    write_route(m::post, "/api/v4/projects/:id/pipelines/:pipeline_id/job_token",
                h::create_job_token),
};

} // namespace

std::span<const route> all_routes() {
    return table;
}

} // namespace packyard::routing
