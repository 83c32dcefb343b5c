#include "routing/package_entities.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"
#include "temp_services.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>
#include <string>
#include <vector>

using namespace packyard;
using namespace packyard::routing;

namespace {

struct rendered {
    rapidjson::Document doc;
    std::string text;
};

rendered render(const store::txn& t, const store::package& p, const store::project& proj,
                bool can_destroy, bool group_list) {
    json_writer w;
    w.begin_array();
    write_package(t, w, package_view{p, proj, can_destroy, group_list, false, nullptr},
                  "http://h:1");
    w.end_array();
    rendered r;
    r.text = w.take();
    r.doc.Parse(r.text.data(), r.text.size());
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(package_json)

// Names and versions are user input: whatever bytes they hold, the object must parse back to
// them, in GitLab's field order.
BOOST_AUTO_TEST_CASE(strings_that_need_escaping_round_trip) {
    testing::temp_services s;
    auto t = store::read_txn::begin(*s.env);
    store::project proj;
    proj.id = 7;
    proj.full_path = "grp/\"quoted\"\\proj";
    const std::vector<std::string> names{"plain",
                                         "with \"quotes\"",
                                         "back\\slash",
                                         "tab\there",
                                         "nl\nline",
                                         std::string("ctl\x01\x1f", 5),
                                         "utf-8 \xc3\xa9\xe2\x82\xac",
                                         "exactly-sixteen!",
                                         "a/b@c/d",
                                         "longer than sixteen bytes \"q\" here"};
    for (const auto& name : names) {
        store::package p;
        p.id = 42;
        p.project_id = 7;
        p.name = name;
        p.version = name + "-v";
        p.type = name == "a/b@c/d" ? store::package_type::conan : store::package_type::npm;
        p.created_at = 1574825858711;
        BOOST_TEST_CONTEXT("name " << name) {
            const auto r = render(*t, p, proj, true, true);
            BOOST_REQUIRE(!r.doc.HasParseError());
            const auto& o = r.doc[0];
            BOOST_TEST(std::string(o["name"].GetString(), o["name"].GetStringLength()) == name);
            BOOST_TEST(std::string(o["version"].GetString(), o["version"].GetStringLength()) ==
                       name + "-v");
            BOOST_TEST(std::string(o["project_path"].GetString()) == proj.full_path);
            BOOST_TEST(std::string(o["_links"]["web_path"].GetString()) ==
                       "/" + proj.full_path + "/-/packages/42");
            BOOST_TEST(std::string(o["_links"]["delete_api_path"].GetString()) ==
                       "http://h:1/api/v4/projects/7/packages/42");
            BOOST_TEST(std::string(o["created_at"].GetString()) == "2019-11-27T03:37:38.711Z");
            BOOST_TEST(o["last_downloaded_at"].IsNull());
            if (p.type == store::package_type::conan) {
                BOOST_TEST(std::string(o["conan_package_name"].GetString()) == "a");
            }
            // Escaping as RapidJSON's Writer does it: control bytes as \u00XX, '/' untouched.
            if (name.find('\x01') != std::string::npos) {
                BOOST_TEST(r.text.find("ctl\\u0001\\u001F") != std::string::npos);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(fields_follow_gitlab_order_and_status_rules) {
    testing::temp_services s;
    auto t = store::read_txn::begin(*s.env);
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
    auto r = render(*t, p, proj, false, false);
    BOOST_TEST(r.text ==
               R"([{"id":5,"name":"n","version":null,"package_type":"terraform_module",)"
               R"("status":"default","_links":{"web_path":"/g/p/-/terraform_module_registry/5"},)"
               R"("created_at":"1970-01-01T00:00:01.000Z",)"
               R"("last_downloaded_at":"1970-01-01T00:00:02.000Z","tags":[]}])");
    // No web page for an errored package; only the delete link remains for a maintainer.
    p.status = store::package_status::error;
    r = render(*t, p, proj, true, false);
    BOOST_TEST(
        r.text.find(R"("_links":{"delete_api_path":"http://h:1/api/v4/projects/3/packages/5"})") !=
        std::string::npos);
    r = render(*t, p, proj, false, false);
    BOOST_TEST(r.text.find(R"("_links":{})") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
