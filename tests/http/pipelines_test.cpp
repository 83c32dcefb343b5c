// Commit statuses, pipelines, CI job tokens, build infos and the package pipelines endpoint.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

using namespace packyard::testing;

namespace {
struct ci_fixture : server_fixture {
    ci_fixture() {
        group = create_group("ci", "private");
        project = create_project("app", group, "private");
        base = "/api/v4/projects/" + std::to_string(project);
    }
    std::uint64_t start_pipeline(const std::string& sha) {
        auto r = http.request("POST", base + "/statuses/" + sha + "?state=running&ref=main", {},
                              as_root());
        BOOST_REQUIRE(r.status == 201u);
        return static_cast<std::uint64_t>(int_field(r.json(), "pipeline_id"));
    }
    std::string job_token(std::uint64_t pipeline) {
        auto r = http.request(
            "POST", base + "/pipelines/" + std::to_string(pipeline) + "/job_token", {}, as_root());
        BOOST_REQUIRE(r.status == 201u);
        return str_field(r.json(), "token");
    }
    std::uint64_t group = 0;
    std::uint64_t project = 0;
    std::string base;
};
} // namespace

BOOST_AUTO_TEST_SUITE(pipelines)

BOOST_FIXTURE_TEST_CASE(job_token_upload_records_the_pipeline_on_package_and_file, ci_fixture) {
    const auto pl = start_pipeline("abc123");
    const auto jt = job_token(pl);
    BOOST_TEST(jt.rfind("glcbt-", 0) == 0u);
    auto up = http.put(base + "/packages/generic/lib/1.0/lib.so", "ELF", {{"JOB-TOKEN", jt}});
    BOOST_TEST(up.status == 201u);
    auto list = http.get(base + "/packages", {{"JOB-TOKEN", jt}});
    BOOST_TEST(list.status == 200u);
    const auto doc = list.json();
    const auto& pkg = doc[0];
    BOOST_TEST(int_field(pkg["pipeline"], "id") == static_cast<std::int64_t>(pl));
    BOOST_TEST(str_field(pkg["pipeline"], "sha") == "abc123");
    BOOST_TEST(str_field(pkg["pipeline"]["user"], "username") == "root");
    BOOST_TEST(pkg["pipelines"].IsArray());
    BOOST_TEST(pkg["pipelines"].Size() == 0u);
    const auto id = int_field(pkg, "id");
    auto files = http.get(base + "/packages/" + std::to_string(id) + "/package_files", as_root());
    BOOST_TEST(files.json()[0]["pipelines"].Size() == 1u);
    // Basic gitlab-ci-token on the generic download.
    auto dl = http.get(base + "/packages/generic/lib/1.0/lib.so",
                       {{"Authorization", "Basic " + base64("gitlab-ci-token:" + jt)}});
    BOOST_TEST(dl.status == 200u);
    BOOST_TEST(dl.body == "ELF");
}

BOOST_FIXTURE_TEST_CASE(job_token_ends_with_its_pipeline, ci_fixture) {
    const auto pl = start_pipeline("def456");
    const auto jt = job_token(pl);
    BOOST_TEST(http.get(base + "/packages", {{"JOB-TOKEN", jt}}).status == 200u);
    BOOST_TEST(
        http.request("POST", base + "/statuses/def456?state=success", {}, as_root()).status ==
        201u);
    BOOST_TEST(http.get(base + "/packages", {{"JOB-TOKEN", jt}}).status == 401u);
    // Job tokens are refused where GitLab refuses them.
    BOOST_TEST(http.get("/api/v4/user", {{"PRIVATE-TOKEN", jt}}).status == 401u);
}

BOOST_FIXTURE_TEST_CASE(package_pipelines_use_keyset_pagination, ci_fixture) {
    std::vector<std::uint64_t> pls;
    for (const char* sha : {"s1", "s2", "s3"}) {
        const auto pl = start_pipeline(sha);
        pls.push_back(pl);
        BOOST_REQUIRE(
            http.put(base + "/packages/generic/lib/1.0/lib.so", sha, {{"JOB-TOKEN", job_token(pl)}})
                .status == 201u);
    }
    const auto id = int_field(http.get(base + "/packages", as_root()).json()[0], "id");
    const std::string pb = base + "/packages/" + std::to_string(id) + "/pipelines";
    auto all = http.get(pb, as_root());
    BOOST_REQUIRE(all.json().Size() == 3u);
    BOOST_TEST(int_field(all.json()[0], "id") == static_cast<std::int64_t>(pls[2]));
    BOOST_TEST(!all.has_header("x-total"));
    auto page = http.get(pb + "?per_page=2", as_root());
    BOOST_TEST(page.json().Size() == 2u);
    const auto link = page.header("link");
    BOOST_REQUIRE(link.find("rel=\"next\"") != std::string::npos);
    const auto start = link.find('<') + 1;
    const auto full = link.substr(start, link.find('>') - start);
    const auto next = full.substr(full.find("/api/v4"));
    auto second = http.get(next, as_root());
    BOOST_REQUIRE(second.json().Size() == 1u);
    BOOST_TEST(int_field(second.json()[0], "id") == static_cast<std::int64_t>(pls[0]));
    BOOST_TEST(!second.has_header("link"));
    BOOST_TEST(http.get(pb + "?per_page=21", as_root()).body ==
               R"({"error":"per_page does not have a valid value"})");
    auto refused = http.get(pb + "?order_by=name&sort=asc", as_root());
    BOOST_TEST(refused.status == 405u);
    BOOST_TEST(refused.body ==
               R"({"error":"Keyset pagination is not yet available for this type of request"})");
    // Deleting a pipeline leaves the package with a null pipeline.
    BOOST_TEST(http.del(base + "/pipelines/" + std::to_string(pls[2]), as_root()).status == 204u);
    auto pkg = http.get(base + "/packages/" + std::to_string(id), as_root());
    BOOST_TEST(pkg.json()["pipeline"].IsNull());
}

// A page of several packages, built by different pipelines or none: each row shows its own
// newest pipeline (the page's build infos are read through one cursor), and the pipeline's
// web_url carries its project's path in a project list and in a group list alike.
BOOST_FIXTURE_TEST_CASE(list_rows_show_their_own_pipeline_and_its_web_url, ci_fixture) {
    const auto p1 = start_pipeline("aaa111");
    const auto p2 = start_pipeline("bbb222");
    const std::string gen = base + "/packages/generic/";
    BOOST_REQUIRE(http.put(gen + "a/1.0/a.bin", "a", {{"JOB-TOKEN", job_token(p1)}}).status ==
                  201u);
    BOOST_REQUIRE(http.put(gen + "b/1.0/b.bin", "b", as_root()).status == 201u);
    BOOST_REQUIRE(http.put(gen + "c/1.0/c.bin", "c", {{"JOB-TOKEN", job_token(p2)}}).status ==
                  201u);
    BOOST_REQUIRE(http.put(gen + "d/1.0/d.bin", "d", {{"JOB-TOKEN", job_token(p1)}}).status ==
                  201u);
    // A newer build of "a" by p2: its newest pipeline is p2 from then on.
    BOOST_REQUIRE(http.put(gen + "a/1.0/a2.bin", "a", {{"JOB-TOKEN", job_token(p2)}}).status ==
                  201u);
    const std::string site = "http://127.0.0.1:" + std::to_string(server.port());
    auto web = [&](std::uint64_t pl) { return site + "/ci/app/-/pipelines/" + std::to_string(pl); };
    const std::map<std::string, std::uint64_t> want{{"a", p2}, {"b", 0}, {"c", p2}, {"d", p1}};
    for (const std::string& url : {base + "/packages?order_by=name",
                                   std::string("/api/v4/groups/ci/packages?order_by=name")}) {
        auto list = http.get(url, as_root());
        BOOST_REQUIRE(list.status == 200u);
        const auto doc = list.json();
        BOOST_REQUIRE(doc.Size() == 4u);
        for (const auto& pkg : doc.GetArray()) {
            const auto name = str_field(pkg, "name");
            const auto pl = want.at(name);
            BOOST_TEST_CONTEXT(url << " package " << name) {
                if (pl == 0) {
                    BOOST_TEST(!pkg.HasMember("pipeline"));
                } else {
                    BOOST_TEST(int_field(pkg["pipeline"], "id") == static_cast<std::int64_t>(pl));
                    BOOST_TEST(str_field(pkg["pipeline"], "web_url") == web(pl));
                    BOOST_TEST(str_field(pkg["pipeline"], "sha") ==
                               (pl == p1 ? "aaa111" : "bbb222"));
                }
            }
        }
    }
}

BOOST_FIXTURE_TEST_CASE(list_pages_follow_their_pipelines, ci_fixture) {
    // List answers are kept by generation: a pipeline's new status, and its deletion, must show
    // in the next answer of every list its packages are on.
    const auto pl = start_pipeline("abc123");
    const auto jt = job_token(pl);
    BOOST_REQUIRE(
        http.put(base + "/packages/generic/lib/1.0/lib.so", "ELF", {{"JOB-TOKEN", jt}}).status ==
        201u);
    const std::string gb = "/api/v4/groups/" + std::to_string(group) + "/packages";
    auto twice = [&](const std::string& url) {
        const auto a = http.get(url, as_root());
        const auto b = http.get(url, as_root());
        BOOST_TEST(a.body == b.body);
        return b.body;
    };
    for (const auto& url : {base + "/packages", gb}) {
        BOOST_TEST(twice(url).find("\"status\":\"running\"") != std::string::npos);
    }
    BOOST_REQUIRE(
        http.request("POST", base + "/statuses/abc123?state=success", {}, as_root()).status ==
        201u);
    for (const auto& url : {base + "/packages", gb}) {
        const auto body = twice(url);
        BOOST_TEST(body.find("\"status\":\"success\"") != std::string::npos);
        BOOST_TEST(body.find("\"status\":\"running\"") == std::string::npos);
    }
    BOOST_REQUIRE(http.del(base + "/pipelines/" + std::to_string(pl), as_root()).status == 204u);
    for (const auto& url : {base + "/packages", gb}) {
        BOOST_TEST(twice(url).find("\"pipeline\":null") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
