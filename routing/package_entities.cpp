#include "routing/package_entities.hpp"

#include "routing/entities.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"
#include "store/pipelines.hpp"

#include <charconv>
#include <string>

namespace packyard::routing {
namespace {

/// Looks up a value by id in a short per-response list, computing it on a miss.
template <class Make>
const std::string& memo_find(std::vector<std::pair<std::uint64_t, std::string>>* memo,
                             std::uint64_t id, std::string& scratch, Make&& make) {
    if (memo == nullptr) {
        scratch = make();
        return scratch;
    }
    for (const auto& [key, value] : *memo) {
        if (key == id) {
            return value;
        }
    }
    memo->emplace_back(id, make());
    return memo->back().second;
}

/// What a pipeline's web_url puts between the base URL and "/-/pipelines/".
std::string web_path(const store::project& p) {
    return "/" + p.full_path;
}

void write_pipeline_fields(const store::txn& t, json_writer& w, const store::pipeline& p,
                           std::string_view base, pipeline_memo* memo) {
    w.field_u("id", p.id).field_u("iid", p.iid).field_u("project_id", p.project_id);
    w.field("sha", p.sha).field("ref", p.ref).field("status", p.status).field("source", p.source);
    w.key("created_at").time(p.created_at).key("updated_at").time(p.updated_at);
    // A page's pipelines share few projects and users: read and render each once.
    std::string scratch;
    const std::string& path =
        memo_find(memo != nullptr ? &memo->project_paths : nullptr, p.project_id, scratch, [&] {
            auto proj = store::find_project(t, p.project_id);
            return proj ? web_path(*proj) : std::string();
        });
    std::string web(base);
    web += path;
    web += "/-/pipelines/" + std::to_string(p.id);
    w.field("web_url", web);
    w.key("user");
    if (p.user_id == 0) {
        w.null();
        return;
    }
    std::string user_scratch;
    const std::string& user =
        memo_find(memo != nullptr ? &memo->users : nullptr, p.user_id, user_scratch, [&] {
            auto u = store::find_user(t, p.user_id);
            if (!u) {
                return std::string();
            }
            json_writer uw;
            write_user_basic(uw, *u, {base});
            return uw.take();
        });
    if (user.empty()) {
        w.null();
    } else {
        w.raw_object(user);
    }
}

} // namespace

void pipeline_memo::add_project(const store::project& p) {
    project_paths.emplace_back(p.id, web_path(p));
}

void write_pipeline(const store::txn& t, json_writer& w, const store::pipeline& p,
                    std::string_view base, pipeline_memo* memo) {
    w.begin_object();
    write_pipeline_fields(t, w, p, base, memo);
    w.end_object();
}

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

void append_build_fields(std::string& out, const store::txn& t, const store::package& p,
                         std::string_view base, pipeline_memo* memo) {
    if (!p.may_have_build_infos) {
        return;
    }
    store::build_summary builds;
    if (memo != nullptr) {
        if (!memo->build_infos) {
            memo->build_infos.emplace(t, t.db().build_infos);
        }
        builds = store::summarize_build_infos(*memo->build_infos, p.id);
    } else {
        builds = store::summarize_build_infos(t, p.id);
    }
    if (!builds.any) {
        return;
    }
    lit(out, ",\"pipeline\":");
    const std::uint64_t newest_id = builds.newest_pipeline;
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
        out += *cached;
    } else if (auto newest = newest_id != 0 ? store::find_pipeline(t, newest_id) : std::nullopt) {
        json_writer pw;
        write_pipeline(t, pw, *newest, base, memo);
        if (memo != nullptr) {
            memo->rendered.emplace_back(newest_id, pw.take());
            out += memo->rendered.back().second;
        } else {
            out += pw.take();
        }
    } else {
        lit(out, "null");
    }
    if (builds.any_live) {
        lit(out, ",\"pipelines\":[]");
    }
}

} // namespace

void append_package_json(std::string& out, const store::txn& t, const package_view& v,
                         std::string_view base) {
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
        api.assign(base);
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
    lit(out, ",\"tags\":[]");
    append_build_fields(out, t, p, base, v.pipelines);
    if (v.with_versions) {
        json_writer vw;
        vw.begin_array();
        for (const auto& other : store::other_versions(t, p)) {
            vw.begin_object();
            vw.field_u("id", other.id).key("version").opt_str(other.version);
            vw.key("created_at").time(other.created_at);
            vw.key("tags").begin_array().end_array();
            const auto infos = store::build_infos(t, other.id, 0, 1);
            if (!infos.empty() && infos.front().pipeline_id != 0) {
                if (auto pl = store::find_pipeline(t, infos.front().pipeline_id)) {
                    vw.key("pipeline");
                    write_pipeline(t, vw, *pl, base);
                }
            }
            vw.end_object();
        }
        vw.end_array();
        lit(out, ",\"versions\":");
        out += vw.take();
    }
    out.push_back('}');
}

void write_package(const store::txn& t, json_writer& w, const package_view& v,
                   std::string_view base) {
    thread_local std::string object;
    object.clear();
    append_package_json(object, t, v, base);
    w.raw_object(object);
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
