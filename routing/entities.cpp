#include "routing/entities.hpp"

#include "routing/context.hpp"
#include "store/identity.hpp"

#include <string>

namespace packyard::routing {
namespace {

void write_namespace(json_writer& w, const store::namespace_row& ns, url_base b) {
    const bool group = ns.kind == store::namespace_kind::group;
    w.begin_object();
    w.field_u("id", ns.id).field("name", ns.name).field("path", ns.path);
    w.field("kind", group ? "group" : "user").field("full_path", ns.full_path);
    if (ns.parent_id != 0) {
        w.field_u("parent_id", ns.parent_id);
    } else {
        w.field_null("parent_id");
    }
    w.field_null("avatar_url");
    w.field("web_url", std::string(b.base) + (group ? "/groups/" : "/") + ns.full_path);
    w.end_object();
}

} // namespace

void write_user_basic(json_writer& w, const store::user& u, url_base b) {
    w.begin_object();
    w.field_u("id", u.id).field("username", u.username).field("name", u.name);
    w.field("state", "active").field_b("locked", false).field_null("avatar_url");
    w.field("web_url", std::string(b.base) + "/" + u.username);
    w.end_object();
}

void write_user(json_writer& w, const store::user& u, url_base b, bool show_private,
                bool viewer_admin) {
    w.begin_object();
    w.field_u("id", u.id).field("username", u.username).field("name", u.name);
    w.field("state", "active").field_b("locked", false).field_null("avatar_url");
    w.field("web_url", std::string(b.base) + "/" + u.username);
    w.key("created_at").time(u.created_at);
    w.field("bio", "").field("location", "").field("public_email", "");
    w.field("linkedin", "").field("twitter", "").field("discord", "").field("website_url", "");
    w.field("organization", "").field("job_title", "").field_null("pronouns");
    w.field_b("bot", false).field_null("work_information").field_null("local_time");
    if (show_private) {
        w.field_null("last_sign_in_at").key("confirmed_at").time(u.created_at);
        w.field_null("last_activity_on").field("email", u.email);
        w.field_i("theme_id", 1).field_i("color_scheme_id", 1).field_i("projects_limit", 100000);
        w.field_null("current_sign_in_at").key("identities").begin_array().end_array();
        w.field_b("can_create_group", true).field_b("can_create_project", true);
        w.field_b("two_factor_enabled", false).field_b("external", false);
        w.field_b("private_profile", false).field("commit_email", u.email);
    }
    if (viewer_admin || (show_private && u.admin)) {
        w.field_b("is_admin", u.admin).field("note", "").field_u("namespace_id", u.namespace_id);
    }
    w.end_object();
}

void write_group(json_writer& w, const store::namespace_row& g, url_base b) {
    w.begin_object();
    w.field_u("id", g.id).field("web_url", std::string(b.base) + "/groups/" + g.full_path);
    w.field("name", g.name).field("path", g.path).field("description", g.description);
    w.field("visibility", store::visibility_name(g.vis));
    w.field_b("share_with_group_lock", false).field_b("require_two_factor_authentication", false);
    w.field_i("two_factor_grace_period", 48).field("project_creation_level", "developer");
    w.field_null("auto_devops_enabled").field("subgroup_creation_level", "maintainer");
    w.field_b("emails_disabled", false).field_b("emails_enabled", true);
    w.field_null("mentions_disabled").field_b("lfs_enabled", true);
    w.field_i("default_branch_protection", 2).field_null("avatar_url");
    w.field_b("request_access_enabled", true).field("full_name", g.full_name);
    w.field("full_path", g.full_path).key("created_at").time(g.created_at);
    if (g.parent_id != 0) {
        w.field_u("parent_id", g.parent_id);
    } else {
        w.field_null("parent_id");
    }
    w.field("shared_runners_setting", "enabled").field_null("ldap_cn").field_null("ldap_access");
    w.field("wiki_access_level", "enabled").field_null("marked_for_deletion_on");
    w.end_object();
}

project_data project_data::of(const store::txn& t, const store::project& p) {
    project_data d{p, store::find_namespace(t, p.namespace_id), std::nullopt};
    if (d.ns && d.ns->kind == store::namespace_kind::user) {
        d.owner = store::find_user(t, d.ns->owner_id);
    }
    return d;
}

void write_project(json_writer& w, const project_data& d, url_base b) {
    const store::project& p = d.project;
    const auto& ns = d.ns;
    const std::string web = std::string(b.base) + "/" + p.full_path;
    std::string name_with_ns = p.name;
    if (ns) {
        name_with_ns = ns->full_name + " / " + p.name;
    }
    w.begin_object();
    w.field_u("id", p.id).field("description", p.description).field("name", p.name);
    w.field("name_with_namespace", name_with_ns).field("path", p.path);
    w.field("path_with_namespace", p.full_path).key("created_at").time(p.created_at);
    w.field("default_branch", "main");
    w.key("tag_list").begin_array().end_array().key("topics").begin_array().end_array();
    const std::string host = [&] {
        auto s = std::string(b.base);
        const auto pos = s.find("://");
        return pos == std::string::npos ? s : s.substr(pos + 3);
    }();
    w.field("ssh_url_to_repo", "git@" + host + ":" + p.full_path + ".git");
    w.field("http_url_to_repo", web + ".git").field("web_url", web);
    w.field_null("readme_url").field_i("forks_count", 0).field_null("avatar_url");
    w.field_i("star_count", 0).key("last_activity_at").time(p.created_at);
    w.key("namespace");
    if (ns) {
        write_namespace(w, *ns, b);
    } else {
        w.null();
    }
    w.field("container_registry_image_prefix", host + "/" + p.full_path);
    w.key("_links").begin_object();
    const std::string api = std::string(b.base) + "/api/v4/projects/" + std::to_string(p.id);
    w.field("self", api).field("issues", api + "/issues");
    w.field("merge_requests", api + "/merge_requests")
        .field("repo_branches", api + "/repository/branches");
    w.field("labels", api + "/labels").field("events", api + "/events");
    w.field("members", api + "/members").field("cluster_agents", api + "/cluster_agents");
    w.end_object();
    w.field_b("packages_enabled", p.packages_enabled).field_b("empty_repo", true);
    w.field_b("archived", false).field("visibility", store::visibility_name(p.vis));
    if (ns && ns->kind == store::namespace_kind::user && d.owner) {
        w.key("owner");
        write_user_basic(w, *d.owner, b);
    }
    w.field_u("creator_id", p.creator_id).field_i("open_issues_count", 0);
    w.field("package_registry_access_level", p.packages_enabled ? "enabled" : "disabled");
    w.end_object();
}

void write_member(json_writer& w, const store::user& u, const store::member& m, url_base b) {
    w.begin_object();
    w.field_u("id", u.id).field("username", u.username).field("name", u.name);
    w.field("state", "active").field_b("locked", false).field_null("avatar_url");
    w.field("web_url", std::string(b.base) + "/" + u.username);
    w.field_i("access_level", static_cast<int>(m.access));
    w.key("created_at").time(m.created_at);
    w.key("expires_at").opt_str(m.expires_at);
    w.field("membership_state", "active");
    w.end_object();
}

void write_token(json_writer& w, const store::token& tok, std::string_view secret) {
    w.begin_object();
    w.field_u("id", tok.id).field("name", tok.name).field_b("revoked", tok.revoked);
    w.key("created_at").time(tok.created_at);
    w.field("description", tok.description);
    w.key("scopes").begin_array();
    store::for_each_scope(tok.scopes, [&](std::string_view s) { w.str(s); });
    w.end_array();
    w.field_u("user_id", tok.user_id);
    w.key("last_used_at").time(tok.last_used_at);
    const bool expired = tok.expires_at_ms != 0 && tok.expires_at_ms <= now_ms();
    w.field_b("active", !tok.revoked && !expired);
    w.key("expires_at").opt_str(tok.expires_at);
    if (!secret.empty()) {
        w.field("token", secret);
    }
    w.end_object();
}

} // namespace packyard::routing
