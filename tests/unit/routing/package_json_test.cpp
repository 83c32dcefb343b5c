// The package object is appended as text for speed (routing/package_entities.cpp). Here it is
// held byte for byte against a plain reference: the same entity written field by field with
// RapidJSON's own Writer, over a corpus of every shape a package object takes. No store is
// involved: renderers take plain data.

#include "routing/package_entities.hpp"
#include "store/clock.hpp"

#include <boost/test/unit_test.hpp>
#include <optional>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <string>
#include <vector>

using namespace packyard;
using namespace packyard::routing;

namespace {

using plain_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(plain_writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void key(plain_writer& w, std::string_view k) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

void time(plain_writer& w, std::int64_t ms) {
    if (ms == 0) {
        w.Null();
    } else {
        str(w, store::iso8601(ms));
    }
}

void reference_user(plain_writer& w, const store::user& u, std::string_view base) {
    w.StartObject();
    key(w, "id");
    w.Uint64(u.id);
    key(w, "username");
    str(w, u.username);
    key(w, "name");
    str(w, u.name);
    key(w, "state");
    str(w, "active");
    key(w, "locked");
    w.Bool(false);
    key(w, "avatar_url");
    w.Null();
    key(w, "web_url");
    str(w, std::string(base) + "/" + u.username);
    w.EndObject();
}

void reference_pipeline(plain_writer& w, const store::pipeline& p, const store::pipeline_refs& r,
                        std::string_view base) {
    w.StartObject();
    key(w, "id");
    w.Uint64(p.id);
    key(w, "iid");
    w.Uint64(p.iid);
    key(w, "project_id");
    w.Uint64(p.project_id);
    key(w, "sha");
    str(w, p.sha);
    key(w, "ref");
    str(w, p.ref);
    key(w, "status");
    str(w, p.status);
    key(w, "source");
    str(w, p.source);
    key(w, "created_at");
    time(w, p.created_at);
    key(w, "updated_at");
    time(w, p.updated_at);
    const auto* path = r.project_path(p.project_id);
    key(w, "web_url");
    str(w, std::string(base) + (path != nullptr && !path->empty() ? "/" + *path : "") +
               "/-/pipelines/" + std::to_string(p.id));
    key(w, "user");
    const auto* u = p.user_id == 0 ? nullptr : r.find_user(p.user_id);
    if (u == nullptr) {
        w.Null();
    } else {
        reference_user(w, *u, base);
    }
    w.EndObject();
}

std::string reference_package(const package_view& v, const store::pipeline_refs& r,
                              std::string_view base) {
    const auto& p = v.pkg;
    rapidjson::StringBuffer sb;
    plain_writer w(sb);
    w.StartObject();
    key(w, "id");
    w.Uint64(p.id);
    key(w, "name");
    str(w, p.name);
    if (p.type == store::package_type::conan) {
        key(w, "conan_package_name");
        str(w, p.name.substr(0, p.name.find('/')));
    }
    key(w, "version");
    if (p.version) {
        str(w, *p.version);
    } else {
        w.Null();
    }
    key(w, "package_type");
    str(w, store::package_type_name(p.type));
    key(w, "status");
    str(w, store::package_status_name(p.status));
    key(w, "_links");
    w.StartObject();
    if (store::detailed_info(p.status)) {
        key(w, "web_path");
        str(w,
            "/" + v.project.full_path +
                (p.type == store::package_type::terraform_module ? "/-/terraform_module_registry/"
                                                                 : "/-/packages/") +
                std::to_string(p.id));
    }
    if (v.can_destroy) {
        key(w, "delete_api_path");
        str(w, std::string(base) + "/api/v4/projects/" + std::to_string(p.project_id) +
                   "/packages/" + std::to_string(p.id));
    }
    w.EndObject();
    key(w, "created_at");
    time(w, p.created_at);
    key(w, "last_downloaded_at");
    time(w, p.last_downloaded_at);
    if (v.group_list) {
        key(w, "project_id");
        w.Uint64(p.project_id);
        key(w, "project_path");
        str(w, v.project.full_path);
    }
    key(w, "tags");
    w.StartArray();
    w.EndArray();
    if (v.builds.any) {
        key(w, "pipeline");
        if (v.newest != nullptr) {
            reference_pipeline(w, *v.newest, r, base);
        } else {
            w.Null();
        }
        if (v.builds.any_live) {
            key(w, "pipelines");
            w.StartArray();
            w.EndArray();
        }
    }
    if (v.versions != nullptr) {
        key(w, "versions");
        w.StartArray();
        for (const auto& other : *v.versions) {
            w.StartObject();
            key(w, "id");
            w.Uint64(other.pkg.id);
            key(w, "version");
            if (other.pkg.version) {
                str(w, *other.pkg.version);
            } else {
                w.Null();
            }
            key(w, "created_at");
            time(w, other.pkg.created_at);
            key(w, "tags");
            w.StartArray();
            w.EndArray();
            if (other.newest) {
                key(w, "pipeline");
                reference_pipeline(w, *other.newest, r, base);
            }
            w.EndObject();
        }
        w.EndArray();
    }
    w.EndObject();
    return {sb.GetString(), sb.GetSize()};
}

/// Names and paths are user input: whatever bytes they hold must be escaped as RapidJSON does.
const std::vector<std::string> strings{"plain",
                                       "with \"quotes\"",
                                       "back\\slash",
                                       "tab\there",
                                       "nl\nline",
                                       std::string("ctl\x01\x1f", 5),
                                       "utf-8 \xc3\xa9\xe2\x82\xac",
                                       "exactly-sixteen!",
                                       "a/b@c/d",
                                       "longer than sixteen bytes \"q\" here",
                                       ""};

} // namespace

BOOST_AUTO_TEST_SUITE(package_json)

BOOST_AUTO_TEST_CASE(the_fast_object_equals_the_reference_over_the_corpus) {
    const std::string base = "http://h:1";
    store::pipeline_refs refs;
    store::user builder;
    builder.id = 9;
    builder.username = "bob \"b\"";
    builder.name = "Bob\\";
    refs.users.push_back(builder);
    refs.project_paths.emplace_back(3, "grp/\"q\"\\proj");
    refs.project_paths.emplace_back(4, ""); // a project that is gone
    store::pipeline with_user;
    with_user.id = 77;
    with_user.iid = 2;
    with_user.project_id = 3;
    with_user.sha = "abc";
    with_user.ref = "main";
    with_user.status = "success";
    with_user.source = "external";
    with_user.created_at = 1574825858711;
    with_user.updated_at = 1574825858999;
    with_user.user_id = 9;
    store::pipeline gone_project = with_user;
    gone_project.id = 78;
    gone_project.project_id = 4;
    gone_project.user_id = 12345; // a user that is gone
    std::vector<store::version_entry> versions(3);
    versions[0].pkg.id = 1;
    versions[0].pkg.version = "0.9";
    versions[0].pkg.created_at = 1000;
    versions[0].newest = with_user;
    versions[1].pkg.id = 2;
    versions[2].pkg.id = 3;
    versions[2].pkg.version = "tab\there";
    versions[2].newest = gone_project;

    std::size_t compared = 0;
    for (const auto& name : strings) {
        for (const auto& path : {std::string("g/p"), name}) {
            store::project proj;
            proj.id = 3;
            proj.full_path = path;
            for (const auto type :
                 {store::package_type::npm, store::package_type::conan,
                  store::package_type::terraform_module, store::package_type::generic}) {
                for (const auto status :
                     {store::package_status::default_, store::package_status::hidden,
                      store::package_status::processing, store::package_status::error,
                      store::package_status::pending_destruction,
                      store::package_status::deprecated}) {
                    for (int shape = 0; shape < 16; ++shape) {
                        store::package p;
                        p.id = 42;
                        p.project_id = 3;
                        p.name = type == store::package_type::conan ? name + "/1.0@u/c" : name;
                        if (shape % 2 == 0) {
                            p.version = name + "-v";
                        }
                        p.type = type;
                        p.status = status;
                        p.created_at = 1574825858711;
                        p.last_downloaded_at = shape % 3 == 0 ? 0 : 1574825859000;
                        store::build_summary builds;
                        const store::pipeline* newest = nullptr;
                        switch (shape / 4) {
                        case 1: // the newest build's pipeline was deleted
                            builds = {true, 0, false};
                            break;
                        case 2:
                            builds = {true, 77, true};
                            newest = &with_user;
                            break;
                        case 3:
                            builds = {true, 78, false};
                            newest = &gone_project;
                            break;
                        default:
                            break;
                        }
                        const package_view v{p,
                                             proj,
                                             shape % 4 < 2,
                                             (shape % 3) == 1,
                                             builds,
                                             newest,
                                             shape % 5 == 0 ? &versions : nullptr};
                        entity_renderer render(refs, base);
                        std::string fast;
                        render.append_package(fast, v);
                        // Twice through one renderer: the remembered pipeline object too.
                        std::string again;
                        render.append_package(again, v);
                        const auto expected = reference_package(v, refs, base);
                        BOOST_TEST_CONTEXT("name '" << name << "' path '" << path << "' type "
                                                    << static_cast<int>(type) << " status "
                                                    << static_cast<int>(status) << " shape "
                                                    << shape) {
                            BOOST_TEST(fast == expected);
                            BOOST_TEST(again == expected);
                        }
                        ++compared;
                    }
                }
            }
        }
    }
    BOOST_TEST(compared == strings.size() * 2 * 4 * 6 * 16);
}

BOOST_AUTO_TEST_CASE(fields_follow_gitlab_order_and_status_rules) {
    store::pipeline_refs refs;
    entity_renderer render(refs, "http://h:1");
    store::project proj;
    proj.id = 3;
    proj.full_path = "g/p";
    store::package p;
    p.id = 5;
    p.project_id = 3;
    p.name = "n";
    p.type = store::package_type::terraform_module;
    p.created_at = 1000;
    p.last_downloaded_at = 2000;
    std::string out;
    render.append_package(out, package_view{p, proj, false, false});
    BOOST_TEST(out ==
               R"({"id":5,"name":"n","version":null,"package_type":"terraform_module",)"
               R"("status":"default","_links":{"web_path":"/g/p/-/terraform_module_registry/5"},)"
               R"("created_at":"1970-01-01T00:00:01.000Z",)"
               R"("last_downloaded_at":"1970-01-01T00:00:02.000Z","tags":[]})");
    // No web page for an errored package; only the delete link remains for a maintainer.
    p.status = store::package_status::error;
    out.clear();
    render.append_package(out, package_view{p, proj, true, false});
    BOOST_TEST(
        out.find(R"("_links":{"delete_api_path":"http://h:1/api/v4/projects/3/packages/5"})") !=
        std::string::npos);
    out.clear();
    render.append_package(out, package_view{p, proj, false, false});
    BOOST_TEST(out.find(R"("_links":{})") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
