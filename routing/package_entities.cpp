#include "routing/package_entities.hpp"

#include "routing/entities.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"
#include "store/pipelines.hpp"

#include <string>

namespace packyard::routing {
namespace {

void write_pipeline_fields(const store::txn& t, json_writer& w, const store::pipeline& p,
                           std::string_view base) {
    w.field_u("id", p.id).field_u("iid", p.iid).field_u("project_id", p.project_id);
    w.field("sha", p.sha).field("ref", p.ref).field("status", p.status).field("source", p.source);
    w.key("created_at").time(p.created_at).key("updated_at").time(p.updated_at);
    std::string web(base);
    if (auto proj = store::find_project(t, p.project_id)) {
        web += "/" + proj->full_path;
    }
    web += "/-/pipelines/" + std::to_string(p.id);
    w.field("web_url", web);
    w.key("user");
    if (auto u = p.user_id != 0 ? store::find_user(t, p.user_id) : std::nullopt) {
        write_user_basic(w, *u, {base});
    } else {
        w.null();
    }
}

/// `pipeline` (newest build info's pipeline, or null) and `pipelines` ([] when any build info
/// still has its pipeline); both absent without build infos.
void write_build_fields(const store::txn& t, json_writer& w, const store::package& p,
                        std::string_view base, pipeline_memo* memo) {
    if (!p.may_have_build_infos) {
        return;
    }
    const auto infos = store::build_infos(t, p.id);
    if (infos.empty()) {
        return;
    }
    w.key("pipeline");
    const std::uint64_t newest_id = infos.front().pipeline_id;
    const std::string* cached = nullptr;
    if (memo != nullptr && newest_id != 0) {
        for (const auto& [id, json] : memo->rendered) {
            if (id == newest_id) {
                cached = &json;
                break;
            }
        }
    }
    if (cached != nullptr) {
        w.raw_object(*cached);
    } else if (auto newest = newest_id != 0 ? store::find_pipeline(t, newest_id) : std::nullopt) {
        if (memo != nullptr) {
            json_writer pw;
            write_pipeline(t, pw, *newest, base);
            memo->rendered.emplace_back(newest_id, pw.take());
            w.raw_object(memo->rendered.back().second);
        } else {
            write_pipeline(t, w, *newest, base);
        }
    } else {
        w.null();
    }
    for (const auto& bi : infos) {
        if (bi.pipeline_id != 0) {
            w.key("pipelines").begin_array().end_array();
            break;
        }
    }
}

} // namespace

void write_pipeline(const store::txn& t, json_writer& w, const store::pipeline& p,
                    std::string_view base) {
    w.begin_object();
    write_pipeline_fields(t, w, p, base);
    w.end_object();
}

void write_package(const store::txn& t, json_writer& w, const package_view& v,
                   std::string_view base) {
    const auto& p = v.pkg;
    w.begin_object();
    w.field_u("id", p.id);
    if (p.type == store::package_type::conan) {
        // Conan recipes are "name/version@user/channel"; the plain name is exposed apart.
        const auto slash = p.name.find('/');
        w.field("name", p.name).field("conan_package_name", p.name.substr(0, slash));
    } else {
        w.field("name", p.name);
    }
    w.key("version").opt_str(p.version);
    w.field("package_type", store::package_type_name(p.type));
    w.field("status", store::package_status_name(p.status));
    w.key("_links").begin_object();
    if (store::detailed_info(p.status)) {
        std::string web = "/" + v.project.full_path;
        web += p.type == store::package_type::terraform_module ? "/-/terraform_module_registry/"
                                                               : "/-/packages/";
        web += std::to_string(p.id);
        w.field("web_path", web);
    }
    if (v.can_destroy) {
        w.field("delete_api_path", std::string(base) + "/api/v4/projects/" +
                                       std::to_string(p.project_id) + "/packages/" +
                                       std::to_string(p.id));
    }
    w.end_object();
    w.key("created_at").time(p.created_at);
    w.key("last_downloaded_at").time(p.last_downloaded_at);
    if (v.group_list) {
        w.field_u("project_id", p.project_id).field("project_path", v.project.full_path);
    }
    w.key("tags").begin_array().end_array();
    write_build_fields(t, w, p, base, v.pipelines);
    if (v.with_versions) {
        w.key("versions").begin_array();
        for (const auto& other : store::other_versions(t, p)) {
            w.begin_object();
            w.field_u("id", other.id).key("version").opt_str(other.version);
            w.key("created_at").time(other.created_at);
            w.key("tags").begin_array().end_array();
            const auto infos = store::build_infos(t, other.id, 0, 1);
            if (!infos.empty() && infos.front().pipeline_id != 0) {
                if (auto pl = store::find_pipeline(t, infos.front().pipeline_id)) {
                    w.key("pipeline");
                    write_pipeline(t, w, *pl, base);
                }
            }
            w.end_object();
        }
        w.end_array();
    }
    w.end_object();
}

void write_package_file(const store::txn& t, json_writer& w, const store::package_file& f,
                        std::string_view base) {
    w.begin_object();
    w.field_u("id", f.id).field_u("package_id", f.package_id);
    w.key("created_at").time(f.created_at);
    w.field("file_name", f.file_name).field_u("size", f.size);
    w.field("file_md5", f.md5).field("file_sha1", f.sha1).field("file_sha256", f.sha256);
    bool opened = false;
    for (auto pid : store::file_pipelines(t, f.id)) {
        if (auto pl = store::find_pipeline(t, pid)) {
            if (!opened) {
                w.key("pipelines").begin_array();
                opened = true;
            }
            write_pipeline(t, w, *pl, base);
        }
    }
    if (opened) {
        w.end_array();
    }
    w.end_object();
}

} // namespace packyard::routing
