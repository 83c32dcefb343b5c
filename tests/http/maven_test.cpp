// GitLab's Maven registry over HTTP (lib/api/maven_packages.rb, lib/api/helpers/packages/
// maven.rb, app/services/packages/maven/find_or_create_package_service.rb): every status and
// body of the upload and of the downloads at project, group and instance level, the packages
// the uploads make, and packyard's regenerated artifact-level maven-metadata.xml (beyond
// GitLab). The requests are the ones Maven 3.8 sends (docs/maven-notes.md).

#include "tests/http/digests.hpp"
#include "tests/support/packyard_server.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <openssl/evp.h>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace packyard::testing;
using namespace std::chrono_literals;

namespace {

std::string sha1_of(const std::string& s) {
    return hex_digest(EVP_sha1(), s);
}
std::string md5_of(const std::string& s) {
    return hex_digest(EVP_md5(), s);
}

header_list basic(const std::string& token, const std::string& user = "someone") {
    return {{"Authorization", "Basic " + base64(user + ":" + token)}};
}

const std::string realm = R"(Basic realm="GitLab Packages Registry")";

/// The text of every <tag>…</tag> in an XML document, in order (the regenerated metadata's
/// whitespace is not fixed, so tests read elements, never bytes).
std::vector<std::string> xml_all(const std::string& doc, const std::string& tag) {
    std::vector<std::string> out;
    const std::string open = "<" + tag + ">";
    const std::string close = "</" + tag + ">";
    std::size_t at = 0;
    while ((at = doc.find(open, at)) != std::string::npos) {
        const auto start = at + open.size();
        const auto end = doc.find(close, start);
        if (end == std::string::npos) {
            break;
        }
        out.push_back(doc.substr(start, end - start));
        at = end + close.size();
    }
    return out;
}
std::string xml_one(const std::string& doc, const std::string& tag) {
    auto all = xml_all(doc, tag);
    return all.size() == 1 ? all.front() : "<" + std::to_string(all.size()) + " " + tag + ">";
}
std::set<std::string> xml_set(const std::string& doc, const std::string& tag) {
    auto all = xml_all(doc, tag);
    return {all.begin(), all.end()};
}

/// The artifact-level maven-metadata.xml as deploy plugin 3.0.0 writes it (no <latest>).
std::string client_metadata(const std::vector<std::string>& versions, const std::string& release,
                            const std::string& last_updated = "20261202063334") {
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n"
                      "  <groupId>com.acme</groupId>\n  <artifactId>demo</artifactId>\n"
                      "  <versioning>\n    <release>" +
                      release + "</release>\n    <versions>\n";
    for (const auto& v : versions) {
        xml += "      <version>" + v + "</version>\n";
    }
    return xml + "    </versions>\n    <lastUpdated>" + last_updated +
           "</lastUpdated>\n  </versioning>\n</metadata>\n";
}

/// Group com (private) > subgroup acme (private) > project demo (private): the project's full
/// path com/acme/demo is the Maven path of com.acme:demo, as the instance level needs.
struct maven_fixture : server_fixture {
    maven_fixture() { prepare(); }
    explicit maven_fixture(std::vector<std::string> extra)
        : server_fixture(std::move(extra)) {
        prepare();
    }
    void prepare() {
        com = create_group("com", "private");
        acme = create_group("acme", "private", com);
        proj = create_project("demo", acme, "private");
        auto d = create_user("dev");
        dev_id = d.first;
        dev = d.second;
        add_member("projects", proj, d.first, 30);
        auto r = create_user("rep");
        rep = r.second;
        add_member("projects", proj, r.first, 20);
        outsider = create_user("outsider").second;
    }
    static std::string project_api(std::uint64_t p) {
        return "/api/v4/projects/" + std::to_string(p) + "/packages/maven/";
    }
    std::string project_api() const { return project_api(proj); }
    static std::string group_api(std::uint64_t g) {
        return "/api/v4/groups/" + std::to_string(g) + "/-/packages/maven/";
    }
    static std::string instance_api() { return "/api/v4/packages/maven/"; }

    http_response put(const std::string& rel, const std::string& body, const header_list& auth,
                      std::uint64_t project = 0) {
        return http.put(project_api(project == 0 ? proj : project) + rel, body, auth);
    }
    /// What `mvn deploy:deploy-file` sends for one release's jar and pom (docs/maven-notes.md).
    void deploy(const std::string& version, const std::string& jar, const std::string& pom,
                const header_list& auth = as_root(), std::uint64_t project = 0) {
        const std::string at = "com/acme/demo/" + version + "/demo-" + version;
        const std::vector<std::pair<std::string, std::string>> files{{".jar", jar}, {".pom", pom}};
        for (const auto& [ext, body] : files) {
            BOOST_TEST_REQUIRE(put(at + ext, body, auth, project).status == 200u, at + ext);
            BOOST_TEST_REQUIRE(put(at + ext + ".sha1", sha1_of(body), auth, project).status == 204u,
                               at + ext + ".sha1");
            BOOST_TEST_REQUIRE(put(at + ext + ".md5", md5_of(body), auth, project).status == 200u,
                               at + ext + ".md5");
        }
    }
    void deploy_metadata(const std::string& xml, const header_list& auth = as_root(),
                         std::uint64_t project = 0) {
        const std::string f = "com/acme/demo/maven-metadata.xml";
        BOOST_TEST_REQUIRE(put(f, xml, auth, project).status == 200u);
        BOOST_TEST_REQUIRE(put(f + ".sha1", sha1_of(xml), auth, project).status == 204u);
        BOOST_TEST_REQUIRE(put(f + ".md5", md5_of(xml), auth, project).status == 200u);
    }
    rapidjson::Document packages(bool versionless, std::uint64_t project = 0) {
        auto r = http.get("/api/v4/projects/" + std::to_string(project == 0 ? proj : project) +
                              "/packages?package_type=maven" +
                              (versionless ? "&include_versionless=true" : ""),
                          as_root());
        BOOST_TEST_REQUIRE(r.status == 200u);
        return r.json();
    }
    /// name@version of every listed package ("null" for the versionless one).
    std::multiset<std::string> listed(bool versionless, std::uint64_t project = 0) {
        std::multiset<std::string> out;
        const auto doc = packages(versionless, project);
        for (const auto& p : doc.GetArray()) {
            std::string version = p["version"].IsNull() ? "null" : "?";
            if (p["version"].IsString()) {
                version = p["version"].GetString();
            }
            out.insert(str_field(p, "name") + "@" + version);
        }
        return out;
    }
    std::int64_t package_id(const std::string& version, std::uint64_t project = 0) {
        const auto doc = packages(true, project);
        for (const auto& p : doc.GetArray()) {
            const bool match = version.empty()
                                   ? p["version"].IsNull()
                                   : p["version"].IsString() && version == p["version"].GetString();
            if (match) {
                return int_field(p, "id");
            }
        }
        return 0;
    }
    /// File names of one package, in the Packages API's order.
    std::vector<std::string> file_names(std::int64_t package, std::uint64_t project = 0) {
        auto r = http.get("/api/v4/projects/" + std::to_string(project == 0 ? proj : project) +
                              "/packages/" + std::to_string(package) + "/package_files",
                          as_root());
        std::vector<std::string> out;
        if (r.status != 200u) {
            return out;
        }
        const auto doc = r.json();
        for (const auto& f : doc.GetArray()) {
            out.push_back(str_field(f, "file_name"));
        }
        return out;
    }

    std::uint64_t com = 0, acme = 0, proj = 0, dev_id = 0;
    std::string dev, rep, outsider;
};

const std::string jar10 = "PK\x03\x04 jar of com.acme:demo:1.0";
const std::string pom10 = "<project><artifactId>demo</artifactId><version>1.0</version></project>";

} // namespace

BOOST_AUTO_TEST_SUITE(maven)

BOOST_FIXTURE_TEST_CASE(a_deploy_makes_the_versioned_and_the_versionless_package, maven_fixture) {
    const std::string meta = "com/acme/demo/maven-metadata.xml";
    // Maven reads the artifact-level metadata first: no package has the path yet, so the
    // project level answers GitLab's "Project Not Found" (a 404, which Maven reads as "none").
    auto none = http.get(project_api() + meta, with_token(dev));
    BOOST_TEST(none.status == 404u);
    BOOST_TEST(none.body == R"({"message":"404 Project Not Found"})");

    // The jar: stored, 200. Its .sha1 matches the stored file: 204 with no body. Its .md5: 200
    // with an empty body, not stored.
    auto jar = put("com/acme/demo/1.0/demo-1.0.jar", jar10, with_token(dev));
    BOOST_TEST(jar.status == 200u);
    BOOST_TEST_MESSAGE("PUT jar answered: " << jar.body);
    auto sha = put("com/acme/demo/1.0/demo-1.0.jar.sha1", sha1_of(jar10), with_token(dev));
    BOOST_TEST(sha.status == 204u);
    BOOST_TEST(sha.body.empty());
    auto md5 = put("com/acme/demo/1.0/demo-1.0.jar.md5", md5_of(jar10), with_token(dev));
    BOOST_TEST(md5.status == 200u);
    BOOST_TEST(md5.body.empty());
    auto pom = put("com/acme/demo/1.0/demo-1.0.pom", pom10, with_token(dev));
    BOOST_TEST(pom.status == 200u);
    BOOST_TEST_MESSAGE("PUT pom answered: " << pom.body);
    BOOST_TEST(put("com/acme/demo/1.0/demo-1.0.pom.sha1", sha1_of(pom10), with_token(dev)).status ==
               204u);
    BOOST_TEST(put("com/acme/demo/1.0/demo-1.0.pom.md5", md5_of(pom10), with_token(dev)).status ==
               200u);
    // The artifact-level metadata, on a path not ending in -SNAPSHOT: the versionless package.
    const auto xml = client_metadata({"1.0"}, "1.0");
    auto up = put(meta, xml, with_token(dev));
    BOOST_TEST(up.status == 200u);
    BOOST_TEST(put(meta + ".sha1", sha1_of(xml), with_token(dev)).status == 204u);
    BOOST_TEST(put(meta + ".md5", md5_of(xml), with_token(dev)).status == 200u);

    // Without include_versionless only the release is listed; with it, the versionless
    // package too, its version null.
    BOOST_TEST(listed(false) == (std::multiset<std::string>{"com/acme/demo@1.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(listed(true) ==
                   (std::multiset<std::string>{"com/acme/demo@1.0", "com/acme/demo@null"}),
               boost::test_tools::per_element());
    const auto doc = packages(false);
    BOOST_TEST_REQUIRE(doc.Size() == 1u);
    BOOST_TEST(str_field(doc[0], "package_type") == "maven");
    // The checksums were never stored as files.
    BOOST_TEST(file_names(package_id("1.0")) ==
                   (std::vector<std::string>{"demo-1.0.jar", "demo-1.0.pom"}),
               boost::test_tools::per_element());
    BOOST_TEST(file_names(package_id("")) == (std::vector<std::string>{"maven-metadata.xml"}),
               boost::test_tools::per_element());
    // HEAD and checksum reads leave last_downloaded_at alone (download_package_file! skips
    // HEAD; the .sha1/.md5 answers never reach it); a file download sets it.
    BOOST_TEST(
        http.get(project_api() + "com/acme/demo/1.0/demo-1.0.jar.sha1", with_token(dev)).status ==
        200u);
    BOOST_TEST(packages(false)[0]["last_downloaded_at"].IsNull(), "after GET .sha1");
    BOOST_TEST(
        http.request("HEAD", project_api() + "com/acme/demo/1.0/demo-1.0.jar", {}, with_token(dev))
            .status == 200u);
    BOOST_TEST(packages(false)[0]["last_downloaded_at"].IsNull(), "after HEAD");
    BOOST_TEST(http.get(project_api() + "com/acme/demo/1.0/demo-1.0.jar", with_token(dev)).status ==
               200u);
    BOOST_TEST(packages(false)[0]["last_downloaded_at"].IsString());
    // Maven's next deploy reads the metadata back, and its .sha1 (checked against the body).
    auto back = http.get(project_api() + meta, with_token(dev));
    BOOST_TEST(back.status == 200u);
    BOOST_TEST(xml_set(back.body, "version") == (std::set<std::string>{"1.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(http.get(project_api() + meta + ".sha1", with_token(dev)).body ==
               sha1_of(back.body));
}

BOOST_FIXTURE_TEST_CASE(downloads_answer_the_file_its_checksums_and_gitlabs_headers,
                        maven_fixture) {
    deploy("1.0", jar10, pom10);
    const std::string rel = "com/acme/demo/1.0/demo-1.0.jar";
    for (const auto& base : {project_api(), group_api(com), group_api(acme), instance_api()}) {
        auto dl = http.get(base + rel, with_token(dev));
        BOOST_TEST(dl.status == 200u, base);
        BOOST_TEST(dl.body == jar10, base);
        BOOST_TEST(dl.header("content-type") == "application/octet-stream", base);
        BOOST_TEST(dl.header("content-disposition") ==
                       "attachment; filename=\"demo-1.0.jar\"; filename*=UTF-8''demo-1.0.jar",
                   base);
        BOOST_TEST(dl.header("x-checksum-sha1") == sha1_of(jar10), base);
        BOOST_TEST(dl.header("x-checksum-md5") == md5_of(jar10), base);
        BOOST_TEST(dl.header("content-encoding").empty(), base); // never gzip a jar

        auto sha = http.get(base + rel + ".sha1", with_token(dev));
        BOOST_TEST(sha.status == 200u, base);
        BOOST_TEST(sha.header("content-type").rfind("text/plain", 0) == 0u, base);
        BOOST_TEST(sha.body == sha1_of(jar10), base);
        auto md5 = http.get(base + rel + ".md5", with_token(dev));
        BOOST_TEST(md5.status == 200u, base);
        BOOST_TEST(md5.header("content-type").rfind("text/plain", 0) == 0u, base);
        BOOST_TEST(md5.body == md5_of(jar10), base);
        BOOST_TEST(http.get(base + "com/acme/demo/1.0/demo-1.0.pom", with_token(dev)).body == pom10,
                   base);

        // HEAD: GET's status and headers, no body.
        auto head = http.request("HEAD", base + rel, {}, with_token(dev));
        BOOST_TEST(head.status == 200u, base);
        BOOST_TEST(head.body.empty(), base);
        BOOST_TEST(head.header("content-length") == std::to_string(jar10.size()), base);
        BOOST_TEST(head.header("x-checksum-sha1") == sha1_of(jar10), base);
        BOOST_TEST(http.request("HEAD", base + rel + ".sha1", {}, with_token(dev)).status == 200u,
                   base);
    }
    // A download bumps the package's last_downloaded_at.
    const auto doc = packages(false);
    BOOST_TEST(doc[0]["last_downloaded_at"].IsString());
}

BOOST_FIXTURE_TEST_CASE(not_found_answers_differ_by_level, maven_fixture) {
    deploy("1.0", jar10, pom10);
    // A file the package does not have, on a known path.
    auto missing = http.get(project_api() + "com/acme/demo/1.0/demo-1.0-sources.jar", as_root());
    BOOST_TEST(missing.status == 404u);
    BOOST_TEST(missing.body == R"({"message":"404 Package Not Found"})");
    auto gmissing = http.get(group_api(com) + "com/acme/demo/1.0/demo-1.0-sources.jar", as_root());
    BOOST_TEST(gmissing.status == 404u);
    BOOST_TEST(gmissing.body == R"({"message":"404 Package Not Found"})");
    // The instance level finds the file with PackageFileFinder#execute!: RecordNotFound, which
    // the API answers with its generic "404 Not found".
    auto imissing = http.get(instance_api() + "com/acme/demo/1.0/demo-1.0-sources.jar", as_root());
    BOOST_TEST(imissing.status == 404u);
    BOOST_TEST(imissing.body == R"({"message":"404 Not found"})");
    BOOST_TEST(
        http.get(project_api() + "com/acme/demo/1.0/demo-1.0-sources.jar.sha1", as_root()).status ==
        404u);

    // A path no package has, in any project: each level its own answer.
    const std::string unknown = "org/nobody/lib/1.0/lib-1.0.jar";
    auto p = http.get(project_api() + unknown, as_root());
    BOOST_TEST(p.status == 404u);
    BOOST_TEST(p.body == R"({"message":"404 Project Not Found"})");
    auto g = http.get(group_api(com) + unknown, as_root());
    BOOST_TEST(g.status == 404u);
    BOOST_TEST(g.body == R"({"message":"404 Group Not Found"})");
    auto i = http.get(instance_api() + unknown, as_root());
    BOOST_TEST(i.status == 403u);
    BOOST_TEST(i.body == R"({"message":"403 Forbidden"})");
    // The instance level answers 403 for an unknown path to anyone, anonymous included.
    BOOST_TEST(http.get(instance_api() + unknown).status == 403u);

    // A path known in *any* project passes the project level's path check (then the project
    // has no such package): the package lives in another project here.
    const auto other = create_project("other", com, "private");
    BOOST_TEST_REQUIRE(put("org/elsewhere/lib/1.0/lib-1.0.jar", "lib", as_root(), other).status ==
                       200u);
    auto elsewhere = http.get(project_api() + "org/elsewhere/lib/1.0/lib-1.0.jar", as_root());
    BOOST_TEST(elsewhere.status == 404u);
    BOOST_TEST(elsewhere.body == R"({"message":"404 Package Not Found"})");
    // The instance level takes the project from the path minus its last segment: there is no
    // project org/elsewhere/lib, so reading it is not allowed.
    auto noproj = http.get(instance_api() + "org/elsewhere/lib/1.0/lib-1.0.jar", with_token(dev));
    BOOST_TEST(noproj.status == 403u);
    BOOST_TEST(noproj.body == R"({"message":"403 Forbidden"})");
    // ... but the project route of that project serves it.
    BOOST_TEST(http.get(project_api(other) + "org/elsewhere/lib/1.0/lib-1.0.jar", as_root()).body ==
               "lib");
}

BOOST_FIXTURE_TEST_CASE(reads_follow_gitlabs_auth, maven_fixture) {
    deploy("1.0", jar10, pom10);
    const std::string rel = "com/acme/demo/1.0/demo-1.0.jar";
    // Anonymous on a private project: 401 with the Basic challenge at every level, so Maven
    // repeats the GET with its credentials.
    for (const auto& base : {project_api(), group_api(com), instance_api()}) {
        for (const auto& file : {rel, rel + ".sha1"}) {
            auto anon = http.get(base + file);
            BOOST_TEST(anon.status == 401u, base + file);
            BOOST_TEST(anon.body == R"({"message":"401 Unauthorized"})", base + file);
            BOOST_TEST(anon.header("www-authenticate") == realm, base + file);
        }
        // A wrong Basic pair counts as anonymous; a wrong Private-Token is refused.
        BOOST_TEST(http.get(base + rel, basic("glpat-wrong", "dev")).status == 401u, base);
        BOOST_TEST(http.get(base + rel, with_token("glpat-wrong")).status == 401u, base);
        // Every way of sending the credentials is accepted.
        BOOST_TEST(http.get(base + rel, with_token(dev)).body == jar10, base);
        BOOST_TEST(http.get(base + rel, basic(dev, "dev")).body == jar10, base);
        BOOST_TEST(http.get(base + rel, {{"Private-Token", rep}}).body == jar10, base);
        BOOST_TEST(http.get(base + rel, {{"Authorization", "Bearer " + dev}}).body == jar10, base);
    }
    // A signed-in user who cannot see the project: project level 404 (authorized_user_project's
    // not_found!, GitLab's generic message), group level 404 (the group is private too),
    // instance level 403 (authorize_read_package! on the project found by path).
    auto p = http.get(project_api() + rel, with_token(outsider));
    BOOST_TEST(p.status == 404u);
    BOOST_TEST(p.body == R"({"message":"404 Not Found"})");
    BOOST_TEST(p.header("www-authenticate").empty());
    auto g = http.get(group_api(com) + rel, with_token(outsider));
    BOOST_TEST(g.status == 404u);
    BOOST_TEST(g.body == R"({"message":"404 Not Found"})");
    auto i = http.get(instance_api() + rel, basic(outsider, "outsider"));
    BOOST_TEST(i.status == 403u);
    BOOST_TEST(i.body == R"({"message":"403 Forbidden"})");

    // A CI job token, as Job-Token header, job_token parameter and Basic gitlab-ci-token.
    const auto base = "/api/v4/projects/" + std::to_string(proj);
    auto st = http.request("POST", base + "/statuses/abc123?state=running&ref=main", {}, as_root());
    BOOST_TEST_REQUIRE(st.status == 201u);
    auto jt = http.request("POST",
                           base + "/pipelines/" +
                               std::to_string(int_field(st.json(), "pipeline_id")) + "/job_token",
                           {}, as_root());
    BOOST_TEST_REQUIRE(jt.status == 201u);
    const auto job = str_field(jt.json(), "token");
    for (const auto& api : {project_api(), group_api(com), instance_api()}) {
        BOOST_TEST(http.get(api + rel, {{"Job-Token", job}}).body == jar10, api);
        std::string with_param = api + rel;
        with_param += "?job_token=";
        with_param += job;
        BOOST_TEST(http.get(with_param).body == jar10, api);
        BOOST_TEST(http.get(api + rel, basic(job, "gitlab-ci-token")).body == jar10, api);
    }
}

BOOST_FIXTURE_TEST_CASE(public_projects_are_read_anonymously, maven_fixture) {
    const auto pub_group = create_group("org", "public");
    const auto pub = create_project("lib", pub_group, "public");
    BOOST_TEST_REQUIRE(put("org/lib/1.0/lib-1.0.jar", "public jar", as_root(), pub).status == 200u);
    for (const auto& base : {project_api(pub), group_api(pub_group), instance_api()}) {
        auto dl = http.get(base + "org/lib/1.0/lib-1.0.jar");
        BOOST_TEST(dl.status == 200u, base);
        BOOST_TEST(dl.body == "public jar", base);
    }
    // Uploading still needs credentials.
    auto anon = http.put(project_api(pub) + "org/lib/1.0/lib-1.0.pom", "pom");
    BOOST_TEST(anon.status == 401u);
    BOOST_TEST(anon.header("www-authenticate") == realm);
}

BOOST_FIXTURE_TEST_CASE(upload_refusals_in_gitlabs_words, maven_fixture) {
    const std::string rel = "com/acme/demo/1.0/demo-1.0.jar";
    auto anon = put(rel, jar10, {});
    BOOST_TEST(anon.status == 401u);
    BOOST_TEST(anon.body == R"({"message":"401 Unauthorized"})");
    BOOST_TEST(anon.header("www-authenticate") == realm);
    auto reporter = put(rel, jar10, with_token(rep));
    BOOST_TEST(reporter.status == 403u);
    BOOST_TEST(reporter.body == R"({"message":"403 Forbidden"})");
    auto reporter_basic = put(rel, jar10, basic(rep, "rep"));
    BOOST_TEST(reporter_basic.status == 403u);
    auto stranger = put(rel, jar10, with_token(outsider));
    BOOST_TEST(stranger.status == 404u);
    BOOST_TEST(stranger.body == R"({"message":"404 Project Not Found"})");
    BOOST_TEST(put(rel, jar10, with_token("glpat-wrong")).status == 401u);
    // Grape validates the parameters after the `before` block (authenticate_non_get!) but
    // before the endpoint, where authorize_upload! finds the project and checks the role: a
    // bad file name is a 400 for a Reporter or an outsider, a 401 for the anonymous.
    BOOST_TEST(put("com/acme/demo/1.0/demo~1.0.jar", "x", with_token(rep)).body ==
               R"({"error":"file_name is invalid"})");
    BOOST_TEST(put("com/acme/demo/1.0/demo~1.0.jar", "x", with_token(outsider)).body ==
               R"({"error":"file_name is invalid"})");
    BOOST_TEST(put("com/acme/demo/1.0/demo~1.0.jar", "x", {}).status == 401u);

    // The file name must match maven_file_name_regex (Grape's regexp validator).
    auto spaced = put("com/acme/demo/1.0/demo%201.0.jar", "x", with_token(dev));
    BOOST_TEST(spaced.status == 400u);
    BOOST_TEST(spaced.body == R"({"error":"file_name is invalid"})");
    BOOST_TEST(put("com/acme/demo/1.0/demo~1.0.jar", "x", with_token(dev)).body ==
               R"({"error":"file_name is invalid"})");
    BOOST_TEST(put("com/acme/demo/1.0/demo-1.0+build_1.jar", "x", with_token(dev)).status == 200u);
    // Traversal, encoded or not, in the file name or the path.
    auto keys = put("com/acme/demo/1.0/%2e%2e%2f.ssh%2fauthorized_keys", "x", with_token(dev));
    BOOST_TEST(keys.status == 400u);
    BOOST_TEST_MESSAGE("traversal in file name answered: " << keys.body);
    BOOST_TEST(put("com/acme/%2e%2e/demo/1.0/demo-1.0.jar", "x", with_token(dev)).status == 400u);
    BOOST_TEST(put("com/acme/%2E%2E/demo/1.0/demo-1.0.jar", "x", with_token(dev)).status == 400u);
    BOOST_TEST(put("com/acme/../demo/1.0/demo-1.0.jar", "x", with_token(dev)).status == 400u);
    // A version the package model refuses: the validation message, nothing stored.
    auto bad_version = put("com/acme/demo/1..0/demo-1..0.jar", "x", with_token(dev));
    BOOST_TEST(bad_version.status == 400u);
    BOOST_TEST(bad_version.body ==
               R"({"message":"400 Bad request - Validation failed: Version is invalid"})");
    auto bad_path = put("com/ac%20me/demo/1.0/demo-1.0.jar", "x", with_token(dev));
    BOOST_TEST(bad_path.status == 400u);
    BOOST_TEST(bad_path.body.rfind(R"({"message":"400 Bad request - Validation failed: )", 0) ==
               0u);
    BOOST_TEST_MESSAGE("invalid path answered: " << bad_path.body);
    // A file name over 5000 characters (FindOrCreatePackageService::MAX_FILE_NAME_LENGTH); the
    // request line stays under the 16 KiB header limit. 5000 exactly is fine.
    const std::string long_name = std::string(4997, 'a') + ".jar";
    auto too_long = put("com/acme/demo/1.0/" + long_name, "x", with_token(dev));
    BOOST_TEST(too_long.status == 400u);
    BOOST_TEST(too_long.body == R"({"message":"400 Bad request - File name is too long"})");
    BOOST_TEST(
        put("com/acme/demo/1.0/" + std::string(4996, 'a') + ".jar", "x", with_token(dev)).status ==
        200u);

    // Only the two accepted uploads were stored.
    BOOST_TEST(listed(true) == (std::multiset<std::string>{"com/acme/demo@1.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(file_names(package_id("1.0")).size() == 2u);
    // The connection stays usable after the refusals.
    BOOST_TEST(http.get("/-/health").status == 200u);
}

BOOST_FIXTURE_TEST_CASE(reading_refuses_traversal_with_grapes_file_path_message, maven_fixture) {
    deploy("1.0", jar10, pom10);
    auto path = http.get(project_api() + "com/acme/%2e%2e/demo/1.0/demo-1.0.jar", as_root());
    BOOST_TEST(path.status == 400u);
    BOOST_TEST(path.body == R"({"error":"path should be a valid file path"})");
    auto file =
        http.get(project_api() + "com/acme/demo/1.0/%2e%2e%2f.ssh%2fauthorized_keys", as_root());
    BOOST_TEST(file.status == 400u);
    BOOST_TEST(file.body == R"({"error":"file_name should be a valid file path"})");
    for (const auto& base : {group_api(com), instance_api()}) {
        auto r = http.get(base + "com/acme/%2e%2e/demo/1.0/demo-1.0.jar", as_root());
        BOOST_TEST(r.status == 400u, base);
        BOOST_TEST(r.body == R"({"error":"path should be a valid file path"})", base);
    }
    // Checked before anything else: anonymous gets the 400 too.
    BOOST_TEST(http.get(project_api() + "com/acme/%2e%2e/demo/1.0/demo-1.0.jar").status == 400u);
}

BOOST_FIXTURE_TEST_CASE(checksum_uploads_are_compared_not_stored, maven_fixture) {
    const std::string rel = "com/acme/demo/1.0/demo-1.0.jar";
    BOOST_TEST_REQUIRE(put(rel, jar10, with_token(dev)).status == 200u);
    // GitLab compares the body's bytes: exactly the 40 lower-case hex characters.
    auto wrong = put(rel + ".sha1", std::string(40, '0'), with_token(dev));
    BOOST_TEST(wrong.status == 409u);
    BOOST_TEST(wrong.body == R"({"message":"409 Conflict"})");
    BOOST_TEST(put(rel + ".sha1", sha1_of(jar10) + "\n", with_token(dev)).status == 409u);
    auto right = put(rel + ".sha1", sha1_of(jar10), with_token(dev));
    BOOST_TEST(right.status == 204u);
    BOOST_TEST(right.body.empty());
    // A .sha1 for a file the package does not have: PackageFileFinder#execute!'s 404.
    auto orphan = put("com/acme/demo/1.0/demo-1.0-sources.jar.sha1", sha1_of("x"), with_token(dev));
    BOOST_TEST(orphan.status == 404u);
    BOOST_TEST(orphan.body == R"({"message":"404 Not found"})");
    // On a path with no package: the same 404, and (packyard, decision 0020) no empty package
    // left behind as GitLab's FindOrCreatePackageService would leave one.
    auto nowhere = put("com/acme/demo/9.9/demo-9.9.jar.sha1", sha1_of("x"), with_token(dev));
    BOOST_TEST(nowhere.status == 404u);
    BOOST_TEST(nowhere.body == R"({"message":"404 Not found"})");
    BOOST_TEST(put("com/acme/demo/9.9/demo-9.9.jar.md5", md5_of("x"), with_token(dev)).status ==
               200u);
    BOOST_TEST(listed(true) == (std::multiset<std::string>{"com/acme/demo@1.0"}),
               boost::test_tools::per_element());
    // .md5: 200 and an empty body, whatever it holds.
    auto md5 = put(rel + ".md5", "not even hex", with_token(dev));
    BOOST_TEST(md5.status == 200u);
    BOOST_TEST(md5.body.empty());
    // Other checksum and signature files are ordinary files.
    const std::string sha256 = hex_digest(EVP_sha256(), jar10);
    BOOST_TEST(put(rel + ".sha256", sha256, with_token(dev)).status == 200u);
    BOOST_TEST(put(rel + ".sha512", hex_digest(EVP_sha512(), jar10), with_token(dev)).status ==
               200u);
    BOOST_TEST(put(rel + ".asc", "-----BEGIN PGP SIGNATURE-----", with_token(dev)).status == 200u);
    BOOST_TEST(file_names(package_id("1.0")) ==
                   (std::vector<std::string>{"demo-1.0.jar", "demo-1.0.jar.sha256",
                                             "demo-1.0.jar.sha512", "demo-1.0.jar.asc"}),
               boost::test_tools::per_element());
    auto got = http.get(project_api() + rel + ".sha256", with_token(dev));
    BOOST_TEST(got.status == 200u);
    BOOST_TEST(got.body == sha256);
    BOOST_TEST(got.header("content-type") == "application/octet-stream");
    // The stored .sha256 has its own .sha1, as GitLab computes one for every stored file.
    BOOST_TEST(http.get(project_api() + rel + ".sha256.sha1", with_token(dev)).body ==
               sha1_of(sha256));
}

BOOST_FIXTURE_TEST_CASE(snapshot_files_and_metadata_stay_in_the_snapshot_package, maven_fixture) {
    const std::string at = "com/acme/demo/1.2-SNAPSHOT/";
    // Maven reads the version-level metadata first: none yet.
    BOOST_TEST(http.get(project_api() + at + "maven-metadata.xml", with_token(dev)).status == 404u);
    const std::string jar = "snapshot jar 1";
    BOOST_TEST(put(at + "demo-1.2-20261202.063332-1.jar", jar, with_token(dev)).status == 200u);
    BOOST_TEST(
        put(at + "demo-1.2-20261202.063332-1.jar.sha1", sha1_of(jar), with_token(dev)).status ==
        204u);
    BOOST_TEST(put(at + "demo-1.2-20261202.063332-1.pom", pom10, with_token(dev)).status == 200u);
    const std::string vmeta =
        "<metadata modelVersion=\"1.1.0\"><groupId>com.acme</groupId><artifactId>demo</artifactId>"
        "<version>1.2-SNAPSHOT</version><versioning><snapshot><timestamp>20261202.063332</"
        "timestamp><buildNumber>1</buildNumber></snapshot><lastUpdated>20261202063332</"
        "lastUpdated></versioning></metadata>";
    BOOST_TEST(put(at + "maven-metadata.xml", vmeta, with_token(dev)).status == 200u);
    BOOST_TEST(put(at + "maven-metadata.xml.sha1", sha1_of(vmeta), with_token(dev)).status == 204u);
    BOOST_TEST(listed(true) == (std::multiset<std::string>{"com/acme/demo@1.2-SNAPSHOT"}),
               boost::test_tools::per_element());
    BOOST_TEST(
        file_names(package_id("1.2-SNAPSHOT")) ==
            (std::vector<std::string>{"demo-1.2-20261202.063332-1.jar",
                                      "demo-1.2-20261202.063332-1.pom", "maven-metadata.xml"}),
        boost::test_tools::per_element());
    // The version-level metadata is served as uploaded (only the artifact level is rebuilt).
    auto got = http.get(project_api() + at + "maven-metadata.xml", with_token(dev));
    BOOST_TEST(got.status == 200u);
    BOOST_TEST(got.body == vmeta);
    BOOST_TEST(http.get(project_api() + at + "maven-metadata.xml.sha1", with_token(dev)).body ==
               sha1_of(vmeta));
    // The second deploy: a new build and a new metadata file; the newest is served.
    const std::string vmeta2 = vmeta + "\n";
    BOOST_TEST(put(at + "maven-metadata.xml", vmeta2, with_token(dev)).status == 200u);
    BOOST_TEST(http.get(project_api() + at + "maven-metadata.xml", with_token(dev)).body == vmeta2);
    BOOST_TEST(put(at + "maven-metadata.xml.sha1", sha1_of(vmeta2), with_token(dev)).status ==
               204u);
    BOOST_TEST(put(at + "maven-metadata.xml.sha1", sha1_of(vmeta), with_token(dev)).status == 409u);
    BOOST_TEST(listed(true).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(duplicates_add_files_and_the_newest_is_served, maven_fixture) {
    deploy("1.0", jar10, pom10);
    const std::string rel = "com/acme/demo/1.0/demo-1.0.jar";
    const std::string again = "PK\x03\x04 rebuilt jar of com.acme:demo:1.0";
    BOOST_TEST(put(rel, again, with_token(dev)).status == 200u);
    BOOST_TEST(put(rel + ".sha1", sha1_of(again), with_token(dev)).status == 204u);
    BOOST_TEST(put(rel + ".sha1", sha1_of(jar10), with_token(dev)).status == 409u);
    BOOST_TEST(file_names(package_id("1.0")) ==
                   (std::vector<std::string>{"demo-1.0.jar", "demo-1.0.pom", "demo-1.0.jar"}),
               boost::test_tools::per_element());
    BOOST_TEST(listed(false).size() == 1u);
    for (const auto& base : {project_api(), group_api(com), instance_api()}) {
        auto dl = http.get(base + rel, as_root());
        BOOST_TEST(dl.body == again, base);
        BOOST_TEST(dl.header("x-checksum-sha1") == sha1_of(again), base);
        BOOST_TEST(http.get(base + rel + ".sha1", as_root()).body == sha1_of(again), base);
        BOOST_TEST(http.get(base + rel + ".md5", as_root()).body == md5_of(again), base);
    }
}

BOOST_FIXTURE_TEST_CASE(uploads_by_job_token_and_basic_record_who_and_which_pipeline,
                        maven_fixture) {
    const auto base = "/api/v4/projects/" + std::to_string(proj);
    auto st = http.request("POST", base + "/statuses/abc123?state=running&ref=main", {}, as_root());
    BOOST_TEST_REQUIRE(st.status == 201u);
    const auto pipeline = int_field(st.json(), "pipeline_id");
    auto jt = http.request("POST", base + "/pipelines/" + std::to_string(pipeline) + "/job_token",
                           {}, as_root());
    BOOST_TEST_REQUIRE(jt.status == 201u);
    const auto job = str_field(jt.json(), "token");
    BOOST_TEST(put("com/acme/demo/1.0/demo-1.0.jar", jar10, {{"Job-Token", job}}).status == 200u);
    BOOST_TEST(
        put("com/acme/demo/1.0/demo-1.0.jar.sha1", sha1_of(jar10), basic(job, "gitlab-ci-token"))
            .status == 204u);
    BOOST_TEST(put("com/acme/demo/1.0/demo-1.0.pom?job_token=" + job, pom10, {}).status == 200u);
    BOOST_TEST(
        put("com/acme/demo/1.0/demo-1.0.pom.sha1", sha1_of(pom10), basic(dev, "dev")).status ==
        204u);
    const auto doc = packages(false);
    BOOST_TEST_REQUIRE(doc.Size() == 1u);
    BOOST_TEST_REQUIRE(doc[0].HasMember("pipeline"));
    BOOST_TEST(int_field(doc[0]["pipeline"], "id") == pipeline);
    // A finished pipeline's token is refused.
    BOOST_TEST(
        http.request("POST", base + "/statuses/abc123?state=success", {}, as_root()).status ==
        201u);
    auto late = put("com/acme/demo/1.0/demo-1.0.jar.md5", md5_of(jar10), {{"Job-Token", job}});
    BOOST_TEST(late.status == 401u);
}

BOOST_FIXTURE_TEST_CASE(a_put_with_expect_continue_gets_100_then_200, maven_fixture) {
    // What wagon sends for every PUT: Expect: 100-continue, then the body once the server asks.
    raw_connection c(server.port());
    const std::string target = project_api() + "com/acme/demo/1.0/demo-1.0.jar";
    BOOST_TEST_REQUIRE(c.send("PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nPrivate-Token: " +
                              dev + "\r\nContent-Length: " + std::to_string(jar10.size()) +
                              "\r\nExpect: 100-continue\r\n\r\n"));
    const auto interim = c.read_until("\r\n\r\n", 5s);
    BOOST_TEST(interim.rfind("HTTP/1.1 100 Continue\r\n", 0) == 0u);
    BOOST_TEST_REQUIRE(c.send(jar10));
    const auto final_answer = c.read_until("\r\n\r\n", 5s);
    BOOST_TEST(final_answer.find("HTTP/1.1 200 OK\r\n") != std::string::npos);
    // Refused without reading the body: the 401 comes instead of the 100.
    raw_connection anon(server.port());
    BOOST_TEST_REQUIRE(anon.send("PUT " + target +
                                 " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n"
                                 "Expect: 100-continue\r\n\r\n"));
    const auto refused = anon.read_until("\r\n\r\n", 5s);
    BOOST_TEST(refused.rfind("HTTP/1.1 401 Unauthorized\r\n", 0) == 0u);
    BOOST_TEST(refused.find(realm) != std::string::npos);
    BOOST_TEST(http.get(project_api() + "com/acme/demo/1.0/demo-1.0.jar", with_token(dev)).body ==
               jar10);
}

BOOST_FIXTURE_TEST_CASE(large_and_chunked_uploads_come_back_byte_for_byte, maven_fixture) {
    std::string big(300000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
    }
    const std::string rel = "com/acme/demo/3.0/demo-3.0.jar";
    BOOST_TEST_REQUIRE(put(rel, big, with_token(dev)).status == 200u);
    BOOST_TEST(put(rel + ".sha1", sha1_of(big), with_token(dev)).status == 204u);
    auto dl = http.get(project_api() + rel, with_token(dev));
    BOOST_TEST(dl.status == 200u);
    BOOST_TEST(dl.header("content-length") == std::to_string(big.size()));
    BOOST_TEST((dl.body == big));
    BOOST_TEST(dl.header("x-checksum-sha1") == sha1_of(big));
    auto head = http.request("HEAD", instance_api() + rel, {}, with_token(dev));
    BOOST_TEST(head.header("content-length") == std::to_string(big.size()));

    // A chunked body (Gradle's and curl's streaming uploads) is taken as well.
    raw_connection c(server.port());
    const std::string pom = "<project>chunked</project>";
    BOOST_TEST_REQUIRE(c.send("PUT " + project_api() +
                              "com/acme/demo/3.0/demo-3.0.pom HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Private-Token: " +
                              dev + "\r\nTransfer-Encoding: chunked\r\n\r\n"));
    BOOST_TEST_REQUIRE(c.send("9\r\n" + pom.substr(0, 9) + "\r\n"));
    BOOST_TEST_REQUIRE(c.send("11\r\n" + pom.substr(9) + "\r\n0\r\n\r\n"));
    const auto answer = c.read_until("\r\n\r\n", 5s);
    BOOST_TEST(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
    BOOST_TEST(http.get(project_api() + "com/acme/demo/3.0/demo-3.0.pom", with_token(dev)).body ==
               pom);
}

// ---- Beyond GitLab: the artifact-level maven-metadata.xml is regenerated from the stored
// versioned packages (GitLab rewrites it only when a package is deleted).

BOOST_FIXTURE_TEST_CASE(artifact_metadata_is_regenerated_from_the_stored_versions, maven_fixture) {
    const std::string meta = "com/acme/demo/maven-metadata.xml";
    deploy("1.0", jar10, pom10, with_token(dev));
    const auto xml10 = client_metadata({"1.0"}, "1.0");
    deploy_metadata(xml10, with_token(dev));
    deploy("1.1", "jar 1.1", "pom 1.1", with_token(dev));
    const auto xml11 = client_metadata({"1.0", "1.1"}, "1.1", "20261202063400");
    deploy_metadata(xml11, with_token(dev));

    auto got = http.get(project_api() + meta, with_token(dev));
    BOOST_TEST(got.status == 200u);
    BOOST_TEST_MESSAGE("regenerated metadata: " << got.body);
    BOOST_TEST(xml_one(got.body, "groupId") == "com.acme");
    BOOST_TEST(xml_one(got.body, "artifactId") == "demo");
    BOOST_TEST(xml_all(got.body, "version") == (std::vector<std::string>{"1.0", "1.1"}),
               boost::test_tools::per_element());
    BOOST_TEST(xml_one(got.body, "latest") == "1.1");
    BOOST_TEST(xml_one(got.body, "release") == "1.1");
    const auto updated = xml_one(got.body, "lastUpdated");
    BOOST_TEST(updated.size() == 14u);
    BOOST_TEST(std::all_of(updated.begin(), updated.end(),
                           [](char ch) { return ch >= '0' && ch <= '9'; }));
    BOOST_TEST(updated.rfind("20", 0) == 0u);
    BOOST_TEST(got.body.find("<metadata") != std::string::npos);
    BOOST_TEST(got.body.find("<versioning>") != std::string::npos);
    // Its checksums are those of the bytes served, by route and by header.
    BOOST_TEST(http.get(project_api() + meta + ".sha1", with_token(dev)).body == sha1_of(got.body));
    BOOST_TEST(http.get(project_api() + meta + ".md5", with_token(dev)).body == md5_of(got.body));
    BOOST_TEST(got.header("x-checksum-sha1") == sha1_of(got.body));
    BOOST_TEST(got.header("x-checksum-md5") == md5_of(got.body));
    // The same document at the group level.
    for (const auto& base : {group_api(com), group_api(acme)}) {
        auto other = http.get(base + meta, with_token(dev));
        BOOST_TEST(other.status == 200u, base);
        BOOST_TEST(xml_all(other.body, "version") == (std::vector<std::string>{"1.0", "1.1"}),
                   boost::test_tools::per_element());
        BOOST_TEST(xml_one(other.body, "release") == "1.1", base);
    }
    // The instance level takes the project from the path minus its last segment: for the
    // artifact-level file that is com/acme, a group, not a project, so GitLab's
    // authorize_read_package!(nil) refuses it.
    auto instance = http.get(instance_api() + meta, with_token(dev));
    BOOST_TEST(instance.status == 403u);
    BOOST_TEST(instance.body == R"({"message":"403 Forbidden"})");

    // A version uploaded without a new metadata file is listed at once.
    deploy("1.2", "jar 1.2", "pom 1.2", with_token(dev));
    auto with12 = http.get(project_api() + meta, with_token(dev));
    BOOST_TEST(xml_all(with12.body, "version") == (std::vector<std::string>{"1.0", "1.1", "1.2"}),
               boost::test_tools::per_element());
    BOOST_TEST(xml_one(with12.body, "release") == "1.2");
    BOOST_TEST(http.get(project_api() + meta + ".sha1", with_token(dev)).body ==
               sha1_of(with12.body));

    // The .sha1 PUT of the metadata compares against the client's uploaded file, not the
    // regenerated one, so Maven's deploy succeeds.
    const auto xml12 = client_metadata({"1.0", "1.1", "1.2"}, "1.2", "20261202063500");
    BOOST_TEST(put(meta, xml12, with_token(dev)).status == 200u);
    BOOST_TEST(put(meta + ".sha1", sha1_of(xml12), with_token(dev)).status == 204u);
    auto rebuilt = http.get(project_api() + meta, with_token(dev));
    BOOST_TEST_REQUIRE(rebuilt.body != xml12);
    BOOST_TEST(put(meta + ".sha1", sha1_of(rebuilt.body), with_token(dev)).status == 409u);

    // Kept documents are never served past the access checks: just read by dev, they are
    // still a 401 for the anonymous and a 404 for an outsider, at project and group level.
    for (const auto& base : {project_api(), group_api(com)}) {
        for (const auto& file : {meta, meta + ".sha1", meta + ".md5"}) {
            BOOST_TEST_REQUIRE(http.get(base + file, with_token(dev)).status == 200u);
            auto anon = http.get(base + file);
            BOOST_TEST(anon.status == 401u, base + file);
            BOOST_TEST(anon.header("www-authenticate") == realm, base + file);
            BOOST_TEST(http.get(base + file, with_token(outsider)).status == 404u, base + file);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(deleting_a_version_takes_it_out_of_the_metadata, maven_fixture) {
    const std::string meta = "com/acme/demo/maven-metadata.xml";
    deploy("1.0", jar10, pom10);
    deploy("1.1", "jar 1.1", "pom 1.1");
    deploy_metadata(client_metadata({"1.0", "1.1"}, "1.1"));
    BOOST_TEST(xml_one(http.get(project_api() + meta, as_root()).body, "release") == "1.1");

    const auto id11 = package_id("1.1");
    BOOST_TEST_REQUIRE(id11 != 0);
    BOOST_TEST(
        http.del("/api/v4/projects/" + std::to_string(proj) + "/packages/" + std::to_string(id11),
                 as_root())
            .status == 204u);
    // Removed in the background within seconds.
    std::string body;
    for (int i = 0; i < 100; ++i) {
        body = http.get(project_api() + meta, as_root()).body;
        if (xml_set(body, "version").count("1.1") == 0) {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    BOOST_TEST(xml_all(body, "version") == (std::vector<std::string>{"1.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(xml_one(body, "release") == "1.0");
    BOOST_TEST(xml_one(body, "latest") == "1.0");
    BOOST_TEST(http.get(project_api() + meta + ".sha1", as_root()).body == sha1_of(body));
    BOOST_TEST(http.get(project_api() + "com/acme/demo/1.1/demo-1.1.jar", as_root()).status ==
               404u);

    // Deleting the last version takes the versionless package with it (GitLab's sync worker
    // does the same): nothing is left at the path.
    BOOST_TEST(http.del("/api/v4/projects/" + std::to_string(proj) + "/packages/" +
                            std::to_string(package_id("1.0")),
                        as_root())
                   .status == 204u);
    for (int i = 0; i < 100 && !listed(true).empty(); ++i) {
        std::this_thread::sleep_for(100ms);
    }
    BOOST_TEST(listed(true).empty());
    // The path goes with the packages' background removal (until then GitLab too answers
    // "404 Package Not Found": the path is still known, its packages pending destruction).
    auto gone = http.get(project_api() + meta, as_root());
    for (int i = 0; i < 150 && gone.body != R"({"message":"404 Project Not Found"})"; ++i) {
        std::this_thread::sleep_for(100ms);
        gone = http.get(project_api() + meta, as_root());
    }
    BOOST_TEST(gone.status == 404u);
    BOOST_TEST(gone.body == R"({"message":"404 Project Not Found"})");
    BOOST_TEST(http.get(group_api(com) + meta, as_root()).status == 404u);
}

BOOST_FIXTURE_TEST_CASE(snapshots_are_listed_but_never_the_release, maven_fixture) {
    const std::string meta = "com/acme/demo/maven-metadata.xml";
    deploy("1.0", jar10, pom10);
    const std::string at = "com/acme/demo/1.1-SNAPSHOT/";
    BOOST_TEST(put(at + "demo-1.1-20261202.063332-1.jar", "snap", as_root()).status == 200u);
    BOOST_TEST(put(at + "maven-metadata.xml", "<metadata/>", as_root()).status == 200u);
    deploy_metadata(client_metadata({"1.0", "1.1-SNAPSHOT"}, "1.0"));
    auto got = http.get(project_api() + meta, as_root());
    BOOST_TEST(xml_set(got.body, "version") == (std::set<std::string>{"1.0", "1.1-SNAPSHOT"}),
               boost::test_tools::per_element());
    BOOST_TEST(xml_one(got.body, "release") == "1.0");
    BOOST_TEST_MESSAGE("latest with a snapshot: " << xml_one(got.body, "latest"));
}

// Group level: the union of the versions in the projects the caller can read; a version in
// two projects resolves to the newest upload.
BOOST_FIXTURE_TEST_CASE(group_level_metadata_is_the_union_of_visible_projects, maven_fixture) {
    const std::string meta = "com/acme/demo/maven-metadata.xml";
    const auto mirror = create_project("mirror", com, "private"); // dev is not a member
    deploy("1.0", jar10, pom10, as_root());
    deploy_metadata(client_metadata({"1.0"}, "1.0"), as_root());
    std::this_thread::sleep_for(5ms);
    deploy("2.0", "jar 2.0", "pom 2.0", as_root(), mirror);
    const std::string jar10b = "PK\x03\x04 mirror's jar of 1.0";
    deploy("1.0", jar10b, pom10, as_root(), mirror);
    deploy_metadata(client_metadata({"1.0", "2.0"}, "2.0"), as_root(), mirror);

    auto all = http.get(group_api(com) + meta, as_root());
    BOOST_TEST(all.status == 200u);
    BOOST_TEST(xml_all(all.body, "version") == (std::vector<std::string>{"1.0", "2.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(xml_one(all.body, "release") == "2.0");
    BOOST_TEST(http.get(group_api(com) + meta + ".sha1", as_root()).body == sha1_of(all.body));
    // The newest upload of 1.0 (mirror's) wins at group level.
    BOOST_TEST(http.get(group_api(com) + "com/acme/demo/1.0/demo-1.0.jar", as_root()).body ==
               jar10b);
    BOOST_TEST(http.get(group_api(com) + "com/acme/demo/1.0/demo-1.0.jar.sha1", as_root()).body ==
               sha1_of(jar10b));
    // Each project keeps its own.
    BOOST_TEST(http.get(project_api() + "com/acme/demo/1.0/demo-1.0.jar", as_root()).body == jar10);
    BOOST_TEST(http.get(project_api(mirror) + "com/acme/demo/1.0/demo-1.0.jar", as_root()).body ==
               jar10b);

    // dev reads only demo: mirror's versions and files are not seen through the group.
    auto mine = http.get(group_api(com) + meta, with_token(dev));
    BOOST_TEST(mine.status == 200u);
    BOOST_TEST(xml_all(mine.body, "version") == (std::vector<std::string>{"1.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(xml_one(mine.body, "release") == "1.0");
    BOOST_TEST(http.get(group_api(com) + "com/acme/demo/1.0/demo-1.0.jar", with_token(dev)).body ==
               jar10);
    auto hidden = http.get(group_api(com) + "com/acme/demo/2.0/demo-2.0.jar", with_token(dev));
    BOOST_TEST(hidden.status == 404u);
    BOOST_TEST(hidden.body == R"({"message":"404 Package Not Found"})");
    // The subgroup holds only demo.
    BOOST_TEST(xml_all(http.get(group_api(acme) + meta, as_root()).body, "version") ==
                   (std::vector<std::string>{"1.0"}),
               boost::test_tools::per_element());

    // Made a Reporter of mirror, dev sees its versions and its newer 1.0 at once; removed
    // again, no longer (the generated document is never served from a stale cache).
    add_member("projects", mirror, dev_id, 20);
    BOOST_TEST(xml_all(http.get(group_api(com) + meta, with_token(dev)).body, "version") ==
                   (std::vector<std::string>{"1.0", "2.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(http.get(group_api(com) + "com/acme/demo/1.0/demo-1.0.jar", with_token(dev)).body ==
               jar10b);
    BOOST_TEST_REQUIRE(http.del("/api/v4/projects/" + std::to_string(mirror) + "/members/" +
                                    std::to_string(dev_id),
                                as_root())
                           .status == 204u);
    auto again = http.get(group_api(com) + meta, with_token(dev));
    BOOST_TEST(xml_all(again.body, "version") == (std::vector<std::string>{"1.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(http.get(group_api(com) + meta + ".sha1", with_token(dev)).body ==
               sha1_of(again.body));
    BOOST_TEST(http.get(group_api(com) + "com/acme/demo/1.0/demo-1.0.jar", with_token(dev)).body ==
               jar10);
}

BOOST_FIXTURE_TEST_CASE(public_group_metadata_differs_by_caller_and_follows_deletes,
                        maven_fixture) {
    // A public group with a public and a private project, both holding org.acme:tool.
    const auto org = create_group("org", "public");
    const auto shown = create_project("open", org, "public");
    const auto closed = create_project("closed", org, "private");
    const std::string m = "org/acme/tool/maven-metadata.xml";
    const auto release = [&](std::uint64_t p, const std::string& v) {
        BOOST_TEST_REQUIRE(
            put("org/acme/tool/" + v + "/tool-" + v + ".jar", "jar " + v, as_root(), p).status ==
            200u);
        BOOST_TEST_REQUIRE(put(m, "<metadata/>", as_root(), p).status == 200u);
    };
    release(shown, "1.0");
    release(closed, "2.0");
    const auto versions = [&](const header_list& who) {
        return xml_all(http.get(group_api(org) + m, who).body, "version");
    };
    // Root first, then the anonymous: each sees its own union, in either order.
    BOOST_TEST(versions(as_root()) == (std::vector<std::string>{"1.0", "2.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(versions({}) == (std::vector<std::string>{"1.0"}), boost::test_tools::per_element());
    BOOST_TEST(http.get(group_api(org) + m + ".sha1").body ==
               sha1_of(http.get(group_api(org) + m).body));
    BOOST_TEST(versions(with_token(outsider)) == (std::vector<std::string>{"1.0"}),
               boost::test_tools::per_element());
    BOOST_TEST(versions(as_root()) == (std::vector<std::string>{"1.0", "2.0"}),
               boost::test_tools::per_element());
    // The anonymous read the public project's files, not the private one's.
    BOOST_TEST(http.get(group_api(org) + "org/acme/tool/1.0/tool-1.0.jar").body == "jar 1.0");
    BOOST_TEST(http.get(group_api(org) + "org/acme/tool/2.0/tool-2.0.jar").status == 404u);
    // Deleting the private project takes its versions out of root's view too.
    BOOST_TEST_REQUIRE(http.del("/api/v4/projects/" + std::to_string(closed), as_root()).status ==
                       202u);
    std::vector<std::string> after;
    for (int i = 0; i < 100; ++i) {
        after = versions(as_root());
        if (after.size() == 1) {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    BOOST_TEST(after == (std::vector<std::string>{"1.0"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
struct small_limit_maven_fixture : maven_fixture {
    small_limit_maven_fixture()
        : maven_fixture({"--max-upload-size", "100"}) {}
};
} // namespace

BOOST_FIXTURE_TEST_CASE(maven_a_file_over_the_upload_limit_is_refused, small_limit_maven_fixture) {
    auto big = put("com/acme/demo/1.0/demo-1.0.jar", std::string(101, 'z'), with_token(dev));
    BOOST_TEST(big.status == 400u);
    BOOST_TEST(big.body == R"({"message":"400 Bad request - File is too large"})");
    BOOST_TEST(listed(true).empty());
    BOOST_TEST(
        put("com/acme/demo/1.0/demo-1.0.jar", std::string(100, 'z'), with_token(dev)).status ==
        200u);
    // Authentication comes before the size check.
    BOOST_TEST(put("com/acme/demo/1.0/demo-1.0.pom", std::string(101, 'z'), {}).status == 401u);
}
