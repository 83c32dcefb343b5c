#include "routing/package_entities.hpp"

#include "routing/entities.hpp"

#include <charconv>
#include <string>

namespace packyard::routing {
namespace {

// The package object is the bulk of every list page, so it is appended as text: literal
// fragments for keys and fixed values, one copy per plain string, RapidJSON's escaping for any
// string that needs it, and the result spliced into the page's Writer as one raw value. The
// bytes are the ones json_writer would produce (tests/unit/routing/package_json_test.cpp).
template <std::size_t N>
void lit(std::string& out, const char (&s)[N]) {
    out.append(s, N - 1);
}

void num(std::string& out, std::uint64_t v) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits)); // not the iterator overload
}

void text(std::string& out, std::string_view s) {
    if (detail::plain_json_string(s)) {
        out.push_back('"');
        out.append(s);
        out.push_back('"');
    } else {
        out += json_quote(s);
    }
}

void when(std::string& out, std::int64_t ms) {
    if (ms == 0) {
        lit(out, "null");
        return;
    }
    char buf[24];
    format_iso8601(buf, ms);
    out.push_back('"');
    out.append(buf, 24);
    out.push_back('"');
}

} // namespace

const std::string& entity_renderer::pipeline_json(const store::pipeline& p) {
    for (const auto& [id, json] : rendered_) {
        if (id == p.id) {
            return json;
        }
    }
    json_writer w;
    w.begin_object();
    w.field_u("id", p.id).field_u("iid", p.iid).field_u("project_id", p.project_id);
    w.field("sha", p.sha).field("ref", p.ref).field("status", p.status).field("source", p.source);
    w.key("created_at").time(p.created_at).key("updated_at").time(p.updated_at);
    std::string web(base_);
    if (const auto* path = refs_.project_path(p.project_id); path != nullptr && !path->empty()) {
        web += '/';
        web += *path;
    }
    web += "/-/pipelines/" + std::to_string(p.id);
    w.field("web_url", web);
    w.key("user");
    const store::user* u = p.user_id == 0 ? nullptr : refs_.find_user(p.user_id);
    if (u == nullptr) {
        w.null();
    } else {
        write_user_basic(w, *u, {base_});
    }
    w.end_object();
    rendered_.emplace_back(p.id, w.take());
    return rendered_.back().second;
}

void entity_renderer::write_pipeline(json_writer& w, const store::pipeline& p) {
    w.raw_object(pipeline_json(p));
}

void entity_renderer::append_tags(std::string& out, std::span<const store::package_tag> tags) {
    // The raw packages_tags rows, columns in table order.
    out.push_back('[');
    bool first = true;
    for (const auto& g : tags) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        lit(out, "{\"id\":");
        num(out, g.id);
        lit(out, ",\"package_id\":");
        num(out, g.package_id);
        lit(out, ",\"name\":");
        text(out, g.name);
        lit(out, ",\"created_at\":");
        when(out, g.created_at);
        lit(out, ",\"updated_at\":");
        when(out, g.updated_at);
        lit(out, ",\"project_id\":");
        num(out, g.project_id);
        out.push_back('}');
    }
    out.push_back(']');
}

void entity_renderer::append_package(std::string& out, const package_view& v) {
    const auto& p = v.pkg;
    lit(out, "{\"id\":");
    num(out, p.id);
    lit(out, ",\"name\":");
    text(out, p.name);
    if (p.type == store::package_type::conan) {
        // Conan recipes are "name/version@user/channel"; the plain name is exposed apart.
        lit(out, ",\"conan_package_name\":");
        text(out, std::string_view(p.name).substr(0, p.name.find('/')));
    }
    lit(out, ",\"version\":");
    if (p.version) {
        text(out, *p.version);
    } else {
        lit(out, "null");
    }
    lit(out, ",\"package_type\":\"");
    out += store::package_type_name(p.type);
    lit(out, "\",\"status\":\"");
    out += store::package_status_name(p.status);
    lit(out, "\",\"_links\":{");
    bool first_link = true;
    if (store::detailed_info(p.status)) {
        thread_local std::string web;
        web.assign(1, '/');
        web += v.project.full_path;
        web += p.type == store::package_type::terraform_module ? "/-/terraform_module_registry/"
                                                               : "/-/packages/";
        num(web, p.id);
        lit(out, "\"web_path\":");
        text(out, web);
        first_link = false;
    }
    if (v.can_destroy) {
        thread_local std::string api;
        api.assign(base_);
        api += "/api/v4/projects/";
        num(api, p.project_id);
        api += "/packages/";
        num(api, p.id);
        if (!first_link) {
            out.push_back(',');
        }
        lit(out, "\"delete_api_path\":");
        text(out, api);
    }
    lit(out, "},\"created_at\":");
    when(out, p.created_at);
    lit(out, ",\"last_downloaded_at\":");
    when(out, p.last_downloaded_at);
    if (v.group_list) {
        lit(out, ",\"project_id\":");
        num(out, p.project_id);
        lit(out, ",\"project_path\":");
        text(out, v.project.full_path);
    }
    lit(out, ",\"tags\":");
    append_tags(out, v.tags);
    if (v.builds.any) {
        lit(out, ",\"pipeline\":");
        if (v.newest != nullptr) {
            out += pipeline_json(*v.newest);
        } else {
            lit(out, "null");
        }
        if (v.builds.any_live) {
            lit(out, ",\"pipelines\":[]");
        }
    }
    if (v.versions != nullptr) {
        json_writer vw;
        vw.begin_array();
        for (const auto& other : *v.versions) {
            vw.begin_object();
            vw.field_u("id", other.pkg.id).key("version").opt_str(other.pkg.version);
            vw.key("created_at").time(other.pkg.created_at);
            vw.key("tags");
            thread_local std::string tags;
            tags.clear();
            append_tags(tags, other.tags);
            vw.raw_array(tags);
            if (other.newest) {
                vw.key("pipeline");
                write_pipeline(vw, *other.newest);
            }
            vw.end_object();
        }
        vw.end_array();
        lit(out, ",\"versions\":");
        out += vw.take();
    }
    out.push_back('}');
}

void entity_renderer::write_package(json_writer& w, const package_view& v) {
    thread_local std::string object;
    object.clear();
    append_package(object, v);
    w.raw_object(object);
}

void entity_renderer::write_package_file(json_writer& w, const store::package_file& f,
                                         const std::vector<store::pipeline>& pipelines) {
    w.begin_object();
    w.field_u("id", f.id).field_u("package_id", f.package_id);
    w.key("created_at").time(f.created_at);
    w.field("file_name", f.file_name).field_u("size", f.size);
    w.field("file_md5", f.md5).field("file_sha1", f.sha1).field("file_sha256", f.sha256);
    if (!pipelines.empty()) {
        w.key("pipelines").begin_array();
        for (const auto& pl : pipelines) {
            write_pipeline(w, pl);
        }
        w.end_array();
    }
    w.end_object();
}

} // namespace packyard::routing
