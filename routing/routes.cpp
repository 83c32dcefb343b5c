// THE route table: one row per endpoint, grouped as GitLab's docs group them. A row names the
// handler and what must hold before it runs (routing/route.hpp: needs), in GitLab's order of
// checks; adding an endpoint is one row here plus its handler.

#include "routing/handlers/handlers.hpp"
#include "routing/router.hpp"

namespace packyard::routing {
namespace {

namespace h = handlers;
using m = method;
constexpr auto read = scope_need::read;
constexpr auto read_user = scope_need::read_user;
constexpr auto write = scope_need::write;
constexpr auto none = body_kind::none;
constexpr auto small = body_kind::small;
constexpr auto stream = body_kind::stream;
using upload_format = routing::upload_format;

// What routes need, by name (fields: signed_in, admin, on, may, package, missing).
constexpr needs signed_in{true};
constexpr needs admin{true, true};
constexpr needs project{false, false, subject::project};
constexpr needs group{false, false, subject::group};
constexpr needs member_of_project{true, false, subject::project};
constexpr needs member_of_group{true, false, subject::group};
constexpr needs project_owner{false, false, subject::project, owner};
constexpr needs group_owner{false, false, subject::group, owner};
constexpr needs project_developer{true, false, subject::project, developer};
constexpr needs project_pipelines{false, false, subject::project, read_pipelines};
constexpr needs packages{false, false, subject::project, read_packages};
constexpr needs package{false, false, subject::project, read_packages, true};
constexpr needs package_to_delete{false, false, subject::project, read_packages | maintainer, true};
constexpr needs generic_upload{true,   false, subject::project,
                               upload, false, when_missing::not_found};
constexpr needs generic_download{false,         false, subject::project,
                                 read_packages, false, when_missing::generic_download};

// npm (fields as above; npm's 404 bodies, and 401 first for the anonymous where GitLab has
// authenticate_non_public).
constexpr auto npm = when_missing::npm;
constexpr auto npm_public = when_missing::npm_non_public;
constexpr needs npm_read{false, false, subject::project, read_packages, false, npm_public};
constexpr needs npm_download{false, false, subject::project, read_packages, false, npm};
constexpr needs npm_write{true, false, subject::project, read_packages | upload, false, npm};
constexpr needs npm_untag{true, false, subject::project, read_packages | maintainer, false, npm};
constexpr needs npm_audit{true, false, subject::project, read_packages, false, npm};
constexpr needs npm_group_read{false, false, subject::group, 0, false, npm_public};
constexpr needs npm_group{false, false, subject::group, 0, false, npm};
constexpr needs npm_group_signed_in{true, false, subject::group, 0, false, npm};

// PyPI (lib/api/pypi_packages.rb): a hidden project or group is 401 with the Basic realm for
// the anonymous (pip and twine then send credentials), 404 for others.
constexpr auto basic_realm = when_missing::generic_download;
constexpr needs pypi_read{false, false, subject::project, read_packages, false, basic_realm};
constexpr needs pypi_upload{true, false, subject::project, upload, false, basic_realm};
constexpr needs pypi_group{false, false, subject::group, 0, false, basic_realm};

// Maven (lib/api/maven_packages.rb): reads as PyPI's (Maven sends Basic credentials only after
// a 401 with the realm); an upload is authenticate_non_get!, then user_project, then
// authorize_upload!.
constexpr needs maven_upload{true, false, subject::project, upload};
constexpr auto maven_format = upload_format::maven;

constexpr unsigned job = allow_job_token;
constexpr unsigned web = web_page;
constexpr unsigned kept = kept_answers;
constexpr unsigned job_or_basic = allow_job_token | allow_basic_auth;
constexpr unsigned pypi_read_flags = job_or_basic | trailing_slash;

const route table[] = {
    // Health (GitLab's /-/ endpoints); no credentials involved.
    {m::get, "/-/health", h::health, read, no_auth, none},
    {m::get, "/-/liveness", h::liveness, read, no_auth, none},
    {m::get, "/-/readiness", h::readiness, read, no_auth | store_probe, none},
    {m::get, "/-/metrics", h::metrics, read, no_auth, none},

    // Users and tokens
    {m::get, "/api/v4/user", h::current_user, read_user, 0, none, signed_in},
    {m::get, "/api/v4/users", h::list_users, read_user, 0, none},
    {m::get, "/api/v4/users/:id", h::get_user, read_user, 0, none},
    {m::post, "/api/v4/users", h::create_user, write, 0, small, admin},
    {m::post, "/api/v4/users/:user_id/personal_access_tokens", h::create_user_token, write, 0,
     small, admin},
    {m::get, "/api/v4/personal_access_tokens", h::list_tokens, read, 0, none, signed_in},
    {m::get, "/api/v4/personal_access_tokens/self", h::get_token_self, read, 0, none, signed_in},
    {m::delete_, "/api/v4/personal_access_tokens/self", h::revoke_token_self, write, 0, none,
     signed_in},
    {m::delete_, "/api/v4/personal_access_tokens/:token_id", h::revoke_token, write, 0, none,
     signed_in},

    // Groups
    {m::get, "/api/v4/groups", h::list_groups, read, 0, none},
    {m::post, "/api/v4/groups", h::create_group, write, 0, small, signed_in},
    {m::get, "/api/v4/groups/:id", h::get_group, read, 0, none, group},
    {m::delete_, "/api/v4/groups/:id", h::delete_group, write, 0, none, group_owner},
    {m::get, "/api/v4/groups/:id/members", h::list_members, read, 0, none, group},
    {m::post, "/api/v4/groups/:id/members", h::add_member, write, 0, small, member_of_group},
    {m::get, "/api/v4/groups/:id/members/:user_id", h::get_member, read, 0, none, group},
    {m::put, "/api/v4/groups/:id/members/:user_id", h::edit_member, write, 0, small,
     member_of_group},
    {m::delete_, "/api/v4/groups/:id/members/:user_id", h::remove_member, write, 0, none,
     member_of_group},

    // Projects
    {m::get, "/api/v4/projects", h::list_projects, read, 0, none},
    {m::post, "/api/v4/projects", h::create_project, write, 0, small, signed_in},
    {m::get, "/api/v4/projects/:id", h::get_project, read, 0, none, project},
    {m::delete_, "/api/v4/projects/:id", h::delete_project, write, 0, none, project_owner},
    {m::get, "/api/v4/projects/:id/members", h::list_members, read, 0, none, project},
    {m::post, "/api/v4/projects/:id/members", h::add_member, write, 0, small, member_of_project},
    {m::get, "/api/v4/projects/:id/members/:user_id", h::get_member, read, 0, none, project},
    {m::put, "/api/v4/projects/:id/members/:user_id", h::edit_member, write, 0, small,
     member_of_project},
    {m::delete_, "/api/v4/projects/:id/members/:user_id", h::remove_member, write, 0, none,
     member_of_project},

    // Packages (GitLab's lib/api/project_packages.rb, group_packages.rb, package_files.rb)
    {m::get, "/api/v4/projects/:id/packages", h::list_project_packages, read, job | kept, none,
     packages},
    {m::get, "/api/v4/groups/:id/packages", h::list_group_packages, read, kept, none, group},
    {m::get, "/api/v4/projects/:id/packages/:package_id", h::get_package, read, job, none, package},
    {m::get, "/api/v4/projects/:id/packages/:package_id/pipelines", h::list_package_pipelines, read,
     job, none, package},
    {m::delete_, "/api/v4/projects/:id/packages/:package_id", h::delete_package, write, job, none,
     package_to_delete},
    {m::get, "/api/v4/projects/:id/packages/:package_id/package_files", h::list_package_files, read,
     job, none, package},
    {m::delete_, "/api/v4/projects/:id/packages/:package_id/package_files/:package_file_id",
     h::delete_package_file, write, job, none, package_to_delete},
    {m::get, "/api/v4/projects/:id/packages/:package_id/package_files/:package_file_id/download",
     h::download_package_file, read, job, none, package},

    // Generic packages (E9, E11): :rest* is version/(path/)file_name
    {m::put, "/api/v4/projects/:id/packages/generic/:package_name/:rest*", h::generic_upload, write,
     job_or_basic, stream, generic_upload, h::generic_upload_check},
    {m::get, "/api/v4/projects/:id/packages/generic/:package_name/:rest*", h::generic_download,
     read, job_or_basic, none, generic_download},

    // Maven (lib/api/maven_packages.rb): :rest* is *path/:file_name. Uploads at project level.
    {m::put, "/api/v4/projects/:id/packages/maven/:rest*", h::maven_upload, write, job_or_basic,
     stream, maven_upload, h::maven_upload_check, maven_format, h::maven_upload_params},
    {m::get, "/api/v4/projects/:id/packages/maven/:rest*", h::maven_download, read, job_or_basic,
     none, pypi_read, nullptr, maven_format, h::maven_read_params},
    {m::get, "/api/v4/groups/:id/-/packages/maven/:rest*", h::maven_download, read, job_or_basic,
     none, pypi_group, nullptr, maven_format, h::maven_read_params},
    {m::get,
     "/api/v4/packages/maven/:rest*",
     h::maven_download,
     read,
     job_or_basic,
     none,
     {},
     nullptr,
     maven_format,
     h::maven_read_params},

    // npm (lib/api/npm_project_packages.rb, npm_group_packages.rb, npm_instance_packages.rb).
    // At group and instance level the project follows from the package name
    // (routing/handlers/npm_scope.hpp). Tarballs are served at every level (gitlab#503703).
    {m::get, "/api/v4/projects/:id/packages/npm/-/package/:package_name/dist-tags",
     h::npm_dist_tags, read, job, none, npm_read},
    {m::put, "/api/v4/projects/:id/packages/npm/-/package/:package_name/dist-tags/:tag",
     h::npm_set_dist_tag, write, job | raw_body, small, npm_write},
    {m::delete_, "/api/v4/projects/:id/packages/npm/-/package/:package_name/dist-tags/:tag",
     h::npm_delete_dist_tag, write, job, none, npm_untag},
    {m::post, "/api/v4/projects/:id/packages/npm/-/npm/v1/security/advisories/bulk", h::npm_audit,
     read, job, none, npm_audit},
    {m::post, "/api/v4/projects/:id/packages/npm/-/npm/v1/security/audits/quick", h::npm_audit,
     read, job, none, npm_audit},
    {m::get, "/api/v4/projects/:id/packages/npm/:package_name*/-/:file_name*", h::npm_tarball, read,
     job, none, npm_download},
    {m::put, "/api/v4/projects/:id/packages/npm/:package_name", h::npm_publish, write, job, stream,
     npm_write, h::npm_publish_check, upload_format::npm_publish},
    {m::get, "/api/v4/projects/:id/packages/npm/:package_name*", h::npm_packument, read, job, none,
     npm_read},

    // PyPI (lib/api/pypi_packages.rb); no instance level, uploads at project level only.
    {m::post, "/api/v4/projects/:id/packages/pypi", h::pypi_upload, write, job_or_basic, stream,
     pypi_upload, h::pypi_upload_check, upload_format::pypi},
    {m::get, "/api/v4/projects/:id/packages/pypi/simple", h::pypi_simple_index, read,
     pypi_read_flags, none, pypi_read},
    {m::get, "/api/v4/projects/:id/packages/pypi/simple/:package_name*", h::pypi_simple_package,
     read, pypi_read_flags, none, pypi_read},
    {m::get, "/api/v4/projects/:id/packages/pypi/files/:sha256/:file_identifier*", h::pypi_download,
     read, job_or_basic, none, pypi_read},
    {m::get, "/api/v4/groups/:id/-/packages/pypi/simple", h::pypi_simple_index, read,
     pypi_read_flags, none, pypi_group},
    {m::get, "/api/v4/groups/:id/-/packages/pypi/simple/:package_name*", h::pypi_simple_package,
     read, pypi_read_flags, none, pypi_group},
    {m::get, "/api/v4/groups/:id/-/packages/pypi/files/:sha256/:file_identifier*", h::pypi_download,
     read, job_or_basic, none, pypi_group},

    {m::get, "/api/v4/groups/:id/-/packages/npm/-/package/:package_name/dist-tags",
     h::npm_dist_tags, read, job, none, npm_group_read},
    {m::put, "/api/v4/groups/:id/-/packages/npm/-/package/:package_name/dist-tags/:tag",
     h::npm_set_dist_tag, write, job | raw_body, small, npm_group_signed_in},
    {m::delete_, "/api/v4/groups/:id/-/packages/npm/-/package/:package_name/dist-tags/:tag",
     h::npm_delete_dist_tag, write, job, none, npm_group_signed_in},
    {m::post, "/api/v4/groups/:id/-/packages/npm/-/npm/v1/security/advisories/bulk", h::npm_audit,
     read, job, none, npm_group_signed_in},
    {m::post, "/api/v4/groups/:id/-/packages/npm/-/npm/v1/security/audits/quick", h::npm_audit,
     read, job, none, npm_group_signed_in},
    {m::get, "/api/v4/groups/:id/-/packages/npm/:package_name*/-/:file_name*", h::npm_tarball, read,
     job, none, npm_group},
    {m::get, "/api/v4/groups/:id/-/packages/npm/:package_name*", h::npm_packument, read, job, none,
     npm_group_read},

    {m::get, "/api/v4/packages/npm/-/package/:package_name/dist-tags", h::npm_dist_tags, read, job,
     none},
    {m::put, "/api/v4/packages/npm/-/package/:package_name/dist-tags/:tag", h::npm_set_dist_tag,
     write, job | raw_body, small},
    {m::delete_, "/api/v4/packages/npm/-/package/:package_name/dist-tags/:tag",
     h::npm_delete_dist_tag, write, job, none, signed_in},
    {m::post, "/api/v4/packages/npm/-/npm/v1/security/advisories/bulk", h::npm_audit, read, job,
     none, signed_in},
    {m::post, "/api/v4/packages/npm/-/npm/v1/security/audits/quick", h::npm_audit, read, job, none,
     signed_in},
    {m::get, "/api/v4/packages/npm/:package_name*/-/:file_name*", h::npm_tarball, read, job, none},
    {m::get, "/api/v4/packages/npm/:package_name*", h::npm_packument, read, job, none},

    // Pipelines, as external CI reports them, and packyard's job-token extension
    {m::post, "/api/v4/projects/:id/statuses/:sha", h::create_commit_status, write, 0, small,
     project_developer},
    {m::get, "/api/v4/projects/:id/pipelines", h::list_pipelines, read, 0, none, project_pipelines},
    {m::get, "/api/v4/projects/:id/pipelines/:pipeline_id", h::get_pipeline, read, 0, none,
     project_pipelines},
    {m::delete_, "/api/v4/projects/:id/pipelines/:pipeline_id", h::delete_pipeline, write, 0, none,
     project_owner},
    {m::post, "/api/v4/projects/:id/pipelines/:pipeline_id/job_token", h::create_job_token, write,
     0, small, project_developer},

    // Web pages (docs/web.md) where _links.web_path and web_url point: the visitor is the
    // session cookie's, errors are pages. After every API row: a namespace path is any path.
    {m::get, "/", h::web_home, read, web, none},
    {m::get, "/-/sign_in", h::web_sign_in_form, read, web, none},
    {m::post, "/-/sign_in", h::web_sign_in, read, web, small},
    {m::post, "/-/sign_out", h::web_sign_out, read, web, small},
    {m::get, "/-/assets/:file", h::web_asset, read, no_auth, none},
    {m::get, "/groups/:id*/-/packages", h::web_group_packages, read, web | kept, none, group},
    {m::get, "/:id*/-/packages", h::web_project_packages, read, web | kept, none, packages},
    {m::get, "/:id*/-/packages/:package_id", h::web_package, read, web, none, package},
    {m::post, "/:id*/-/packages/:package_id/delete", h::web_delete_package, write, web, small,
     package_to_delete},
    {m::post, "/:id*/-/packages/:package_id/package_files/:package_file_id/delete",
     h::web_delete_package_file, write, web, small, package_to_delete},
    {m::get, "/:id*/-/package_files/:package_file_id/download", h::web_download, read, web, none,
     packages},
};

} // namespace

std::span<const route> all_routes() {
    return table;
}

} // namespace packyard::routing
