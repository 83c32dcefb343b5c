// GitLab's npm registry over HTTP: every status and body of the publish, packument, dist-tag,
// tarball and audit routes, at project, group and instance level. The real npm CLI drives the
// same routes in tests/compat/npm_test.py.

#include "tests/support/packyard_server.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <openssl/evp.h>
#include <optional>
#include <random>
#include <sstream>
#include <unistd.h>

using namespace packyard::testing;

namespace {

std::string digest_hex(const EVP_MD* md, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < n; ++i) {
        s += hex[out[i] >> 4];
        s += hex[out[i] & 15];
    }
    return s;
}

std::string sha512_integrity(const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out, &n, EVP_sha512(), nullptr);
    return "sha512-" + base64(std::string(reinterpret_cast<char*>(out), n));
}

/// A gzipped tar of (path, content) entries, as npm pack writes one.
std::string make_tgz(const std::vector<std::pair<std::string, std::string>>& files) {
    static int counter = 0;
    archive* a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    const auto path =
        std::filesystem::temp_directory_path() /
        ("npm-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".tgz");
    BOOST_REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
    for (const auto& [name, content] : files) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_write_header(a, e);
        archive_write_data(a, content.data(), content.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::filesystem::remove(path);
    return ss.str();
}

std::string manifest(const std::string& name, const std::string& version) {
    return R"({"name":")" + name + R"(","version":")" + version + R"(","main":"index.js"})";
}

struct package_body {
    std::string name = "@acme/demo";
    std::string version = "1.0.0";
    std::string tag = "latest";
    std::string tgz;
    std::optional<std::string> shasum; ///< default: the tarball's
    std::string extra_version_fields;  ///< ,"k":v pairs inside the version object
    std::string attachment_key;        ///< default: name-version.tgz

    std::string json() const {
        const std::string key =
            attachment_key.empty() ? name + "-" + version + ".tgz" : attachment_key;
        const std::string sha = shasum.value_or(digest_hex(EVP_sha1(), tgz));
        return R"({"_id":")" + name + R"(","name":")" + name + R"(","dist-tags":{")" + tag +
               R"(":")" + version + R"("},"versions":{")" + version + R"(":{"name":")" + name +
               R"(","version":")" + version + R"(","readme":"# demo")" + extra_version_fields +
               R"(,"dist":{"integrity":")" + sha512_integrity(tgz) + R"(","shasum":")" + sha +
               R"(","tarball":"http://x/y.tgz"}}},"access":null,"_attachments":{")" + key +
               R"(":{"content_type":"application/octet-stream","data":")" + base64(tgz) +
               R"(","length":)" + std::to_string(tgz.size()) + "}}}";
    }
};

struct npm_fixture : server_fixture {
    npm_fixture() { prepare(); }
    explicit npm_fixture(std::vector<std::string> extra)
        : server_fixture(std::move(extra)) {
        prepare();
    }
    void prepare() {
        group = create_group("acme", "private");
        proj = create_project("web", group, "private");
        pub_group = create_group("open", "public");
        pub = create_project("lib", pub_group, "public");
        auto d = create_user("dev");
        dev = d.second;
        add_member("projects", proj, d.first, 30);
        auto m = create_user("maint");
        maint = m.second;
        add_member("projects", proj, m.first, 40);
        auto o = create_user("outsider");
        outsider = o.second;
    }
    std::string prefix(std::uint64_t p) const {
        return "/api/v4/projects/" + std::to_string(p) + "/packages/npm/";
    }
    http_response publish(const package_body& b, const header_list& auth,
                          std::uint64_t project = 0) {
        header_list h = auth;
        h.emplace_back("Content-Type", "application/json");
        h.emplace_back("npm-command", "publish");
        return http.request("PUT", prefix(project ? project : proj) + "@acme%2fdemo", b.json(), h);
    }
    package_body demo(const std::string& version = "1.0.0") const {
        package_body b;
        b.version = version;
        b.tgz = make_tgz({{"package/package.json", manifest("@acme/demo", version)},
                          {"package/index.js", "module.exports = 1;\n"}});
        return b;
    }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(server.port()); }

    std::uint64_t group = 0, proj = 0, pub_group = 0, pub = 0;
    std::string dev, maint, outsider;
};

header_list bearer(const std::string& t) {
    return {{"Authorization", "Bearer " + t}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(npm)

BOOST_FIXTURE_TEST_CASE(publish_then_install_reads, npm_fixture) {
    const auto b = demo();
    auto r = publish(b, bearer(dev));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.header("content-type") == "application/json");
    auto doc = r.json();
    BOOST_TEST(str_field(doc, "name") == "@acme/demo");
    BOOST_TEST(str_field(doc, "version") == "1.0.0");
    BOOST_TEST(str_field(doc, "package_type") == "npm");
    BOOST_TEST(str_field(doc, "status") == "default");
    BOOST_TEST(doc["status_message"].IsNull());
    const auto id = int_field(doc, "id");

    // GitLab's abbreviated packument, byte for byte.
    const std::string tarball = base() + prefix(proj) + "@acme/demo/-/@acme/demo-1.0.0.tgz";
    const std::string sha1 = digest_hex(EVP_sha1(), b.tgz);
    auto corgi = http.get(prefix(proj) + "@acme%2fdemo",
                          {{"PRIVATE-TOKEN", dev},
                           {"Accept", "application/vnd.npm.install-v1+json; q=1.0, "
                                      "application/json; q=0.8, */*"}});
    BOOST_TEST(corgi.status == 200u);
    BOOST_TEST(corgi.body == R"({"name":"@acme/demo","versions":{"1.0.0":{"dist":{"shasum":")" +
                                 sha1 + R"(","tarball":")" + tarball +
                                 R"("},"name":"@acme/demo","version":"1.0.0"}},)"
                                 R"("dist-tags":{"latest":"1.0.0"}})");
    // The full form keeps the stored fields (not the readme) and the checked integrity.
    auto full = http.get(prefix(proj) + "@acme/demo", {{"PRIVATE-TOKEN", dev}});
    BOOST_TEST(full.status == 200u);
    auto f = full.json();
    BOOST_TEST(str_field(f, "_id") == "@acme/demo");
    BOOST_TEST(str_field(f["versions"]["1.0.0"]["dist"], "integrity") == sha512_integrity(b.tgz));
    BOOST_TEST(!f["versions"]["1.0.0"].HasMember("readme"));
    BOOST_TEST(f["time"].HasMember("1.0.0"));
    BOOST_TEST(full.header("etag") != corgi.header("etag"));
    // Revalidation: 304 while nothing changed.
    auto again = http.get(prefix(proj) + "@acme/demo",
                          {{"PRIVATE-TOKEN", dev}, {"If-None-Match", full.header("etag")}});
    BOOST_TEST(again.status == 304u);
    BOOST_TEST(again.body.empty());

    auto dl = http.get("/api/v4/projects/" + std::to_string(proj) +
                           "/packages/npm/@acme/demo/-/@acme/demo-1.0.0.tgz",
                       bearer(dev));
    BOOST_TEST(dl.status == 200u);
    BOOST_TEST(dl.body == b.tgz);
    BOOST_TEST(dl.header("content-type") == "application/octet-stream");

    // In the Packages API: type npm, its tag, one hashed file.
    auto listed =
        http.get("/api/v4/projects/" + std::to_string(proj) + "/packages?package_type=npm",
                 as_root())
            .json();
    BOOST_REQUIRE(listed.Size() == 1u);
    BOOST_TEST(int_field(listed[0], "id") == id);
    BOOST_REQUIRE(listed[0]["tags"].Size() == 1u);
    BOOST_TEST(str_field(listed[0]["tags"][0], "name") == "latest");
    BOOST_TEST(int_field(listed[0]["tags"][0], "package_id") == id);
    auto files = http.get("/api/v4/projects/" + std::to_string(proj) + "/packages/" +
                              std::to_string(id) + "/package_files",
                          as_root())
                     .json();
    BOOST_TEST(str_field(files[0], "file_name") == "@acme/demo-1.0.0.tgz");
    BOOST_TEST(str_field(files[0], "file_sha1") == sha1);
    BOOST_TEST(str_field(files[0], "file_sha256").size() == 64u);
}

BOOST_FIXTURE_TEST_CASE(publish_refusals_in_gitlabs_order_and_words, npm_fixture) {
    auto b = demo();
    BOOST_TEST(http.request("PUT", prefix(proj) + "@acme%2fdemo", b.json(),
                            {{"Content-Type", "application/json"}})
                   .body == R"({"message":"401 Unauthorized"})");
    BOOST_TEST(publish(b, bearer(outsider)).body ==
               R"({"message":"404 Project Not Found","error":"Project not found"})");
    auto r = publish(b, bearer(dev));
    BOOST_TEST(r.status == 200u);
    auto dup = publish(b, bearer(dev));
    BOOST_TEST(dup.status == 403u);
    BOOST_TEST(dup.body ==
               R"({"message":"Package already exists.","error":"Package already exists."})");

    auto h = header_list{{"Authorization", "Bearer " + dev}, {"Content-Type", "application/json"}};
    const auto url = prefix(proj) + "@acme%2fdemo";
    BOOST_TEST(http.request("PUT", url, R"({"name":"@acme/demo"})", h).body ==
               R"({"error":"versions is missing"})");
    BOOST_TEST(http.request("PUT", url, R"({"name":"@acme/demo","versions":{}})", h).body ==
               R"({"message":"Version is empty.","error":"Version is empty."})");
    auto empty = demo("1.0.1");
    empty.attachment_key = "other.tgz";
    BOOST_TEST(publish(empty, bearer(dev)).body ==
               R"({"message":"Attachment data is empty.","error":"Attachment data is empty."})");
    BOOST_TEST(http.request("PUT", url, R"({"name":"@acme/demo","versions":{"1.0.0")", h).body ==
               R"({"message":"Invalid json","error":"Invalid json"})");

    auto bad_name = demo("1.0.2");
    bad_name.name = "@acme/has space";
    BOOST_TEST(
        publish(bad_name, bearer(dev)).body ==
        R"({"message":"Validation failed: Name should be a valid NPM package name: https://github.com/npm/validate-npm-package-name#naming-rules.","error":"Validation failed: Name should be a valid NPM package name: https://github.com/npm/validate-npm-package-name#naming-rules."})");
    auto bad_version = demo("1.2");
    BOOST_TEST(
        publish(bad_version, bearer(dev)).body ==
        R"({"message":"Validation failed: Version should follow SemVer: https://semver.org","error":"Validation failed: Version should follow SemVer: https://semver.org"})");
    auto big = demo("1.0.3");
    big.extra_version_fields = R"(,"keywords":")" + std::string(20000, 'k') + "\"";
    BOOST_TEST(str_field(publish(big, bearer(dev)).json(), "error") ==
               "Validation failed: Package json structure is too large. Maximum size is 20000 "
               "characters");
    auto wrong_sum = demo("1.0.4");
    wrong_sum.shasum = std::string(40, '0');
    BOOST_TEST(str_field(publish(wrong_sum, bearer(dev)).json(), "error") ==
               "Validation failed: Package file shasum does not match the tarball");
    // A Reporter reads but may not publish.
    auto rep = create_user("rep");
    add_member("projects", proj, rep.first, 20);
    BOOST_TEST(publish(demo("1.0.5"), bearer(rep.second)).body == R"({"message":"403 Forbidden"})");
    // Nothing of the refused publishes is visible.
    auto listed = http.get("/api/v4/projects/" + std::to_string(proj) + "/packages", as_root());
    BOOST_TEST(listed.json().Size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_tarball_that_contradicts_its_body_is_stored_in_status_error,
                        npm_fixture) {
    auto b = demo("2.0.0");
    b.tgz = make_tgz({{"package/package.json", manifest("@acme/demo", "9.9.9")}});
    auto r = publish(b, bearer(dev));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(str_field(r.json(), "status") == "error");
    BOOST_TEST(str_field(r.json(), "status_message") == "Package manifest is not coherent");
    BOOST_TEST(r.header("npm-notice") ==
               "package is in status error: Package manifest is not coherent");
    auto missing = demo("2.0.1");
    missing.tgz = make_tgz({{"package/index.js", "x"}});
    BOOST_TEST(str_field(publish(missing, bearer(dev)).json(), "status_message") ==
               "package.json not found");
    auto garbage = demo("2.0.2");
    garbage.tgz = "not a tarball at all";
    BOOST_TEST(str_field(publish(garbage, bearer(dev)).json(), "status_message") ==
               "invalid package file");
    // None of them is installable.
    BOOST_TEST(http.get(prefix(proj) + "@acme%2fdemo", bearer(dev)).body ==
               R"({"message":"404 Packages Not Found","error":"Packages not found"})");
}

BOOST_FIXTURE_TEST_CASE(packument_access_and_not_found, npm_fixture) {
    BOOST_REQUIRE(publish(demo(), bearer(dev)).status == 200u);
    const auto url = prefix(proj) + "@acme%2fdemo";
    // authenticate_non_public: the anonymous get 401 so that npm sends its token.
    BOOST_TEST(http.get(url).body == R"({"message":"401 Unauthorized"})");
    BOOST_TEST(http.get(url, bearer(outsider)).body ==
               R"({"message":"404 Project Not Found","error":"Project not found"})");
    BOOST_TEST(http.get(prefix(proj) + "@acme%2fnope", bearer(dev)).body ==
               R"({"message":"404 Packages Not Found","error":"Packages not found"})");
    BOOST_TEST(http.get(url, {{"JOB-TOKEN", "glcbt-nonsense"}}).status == 401u);
    // The tarball route has no authenticate_non_public.
    BOOST_TEST(http.get(prefix(proj) + "@acme/demo/-/@acme/demo-1.0.0.tgz").body ==
               R"({"message":"404 Project Not Found","error":"Project not found"})");
    BOOST_TEST(http.get(prefix(proj) + "@acme/demo/-/@acme/demo-7.0.0.tgz", bearer(dev)).body ==
               R"({"message":"404 Not found"})");
}

BOOST_FIXTURE_TEST_CASE(dist_tags_get_put_delete, npm_fixture) {
    BOOST_REQUIRE(publish(demo("1.0.0"), bearer(dev)).status == 200u);
    BOOST_REQUIRE(publish(demo("1.1.0"), bearer(dev)).status == 200u);
    const auto tags = prefix(proj) + "-/package/@acme%2fdemo/dist-tags";
    BOOST_TEST(http.get(tags, bearer(dev)).body == R"({"latest":"1.1.0"})");
    auto h = header_list{{"Authorization", "Bearer " + dev}, {"Content-Type", "application/json"}};
    auto put = http.request("PUT", tags + "/stable", R"("1.0.0")", h);
    BOOST_TEST(put.status == 204u);
    BOOST_TEST(put.body.empty());
    // GitLab's order: packages by id, each one's tags.
    BOOST_TEST(http.get(tags, bearer(dev)).body == R"({"stable":"1.0.0","latest":"1.1.0"})");
    BOOST_TEST(http.request("PUT", tags + "/stable", R"("3.0.0")", h).body ==
               R"({"message":"404 Package Not Found","error":"Package not found"})");
    BOOST_TEST(
        http.request("PUT", tags + "/stable", "", h).body ==
        R"({"message":"400 Bad request - \"Version\" not given","error":"\"Version\" not given"})");
    // Deleting needs a Maintainer.
    BOOST_TEST(http.del(tags + "/stable", bearer(dev)).body == R"({"message":"403 Forbidden"})");
    BOOST_TEST(http.del(tags + "/stable", bearer(maint)).status == 204u);
    BOOST_TEST(http.del(tags + "/stable", bearer(maint)).body ==
               R"({"message":"404 Package Tag Not Found","error":"Package tag not found"})");
    BOOST_TEST(http.get(tags, bearer(dev)).body == R"({"latest":"1.1.0"})");
    BOOST_TEST(http.get(prefix(proj) + "-/package/@acme%2fnone/dist-tags", bearer(dev)).body ==
               R"({"message":"404 Package Not Found","error":"Package not found"})");
    BOOST_TEST(http.del(tags + "/latest").body == R"({"message":"401 Unauthorized"})");
}

BOOST_FIXTURE_TEST_CASE(deprecate_needs_a_maintainer_and_shows_in_the_packument, npm_fixture) {
    BOOST_REQUIRE(publish(demo(), bearer(dev)).status == 200u);
    const auto url = prefix(proj) + "@acme%2fdemo";
    const std::string body =
        R"({"_id":"@acme/demo","name":"@acme/demo","versions":{"1.0.0":{"name":"@acme/demo","version":"1.0.0","deprecated":"old"}}})";
    auto h = [](const std::string& t) {
        return header_list{{"Authorization", "Bearer " + t},
                           {"Content-Type", "application/json"},
                           {"npm-command", "deprecate"}};
    };
    BOOST_TEST(http.request("PUT", url, body, h(dev)).body == R"({"message":"403 Forbidden"})");
    BOOST_TEST(
        http.request("PUT", url, R"({"versions":{"1.0.0":{}}})", h(maint)).body ==
        R"({"message":"400 Bad request - \"package versions to deprecate\" not given","error":"\"package versions to deprecate\" not given"})");
    BOOST_TEST(http.request("PUT", url, body, h(maint)).status == 200u);
    auto doc =
        http.get(url, {{"PRIVATE-TOKEN", dev}, {"Accept", "application/vnd.npm.install-v1+json"}})
            .json();
    BOOST_TEST(str_field(doc["versions"]["1.0.0"], "deprecated") == "old");
    auto listed = http.get("/api/v4/projects/" + std::to_string(proj) + "/packages", as_root());
    BOOST_TEST(str_field(listed.json()[0], "status") == "deprecated");
    // An empty message un-deprecates.
    const std::string undo = R"({"versions":{"1.0.0":{"deprecated":""}}})";
    BOOST_TEST(http.request("PUT", url, undo, h(maint)).status == 200u);
    doc = http.get(url, {{"PRIVATE-TOKEN", dev}}).json();
    BOOST_TEST(!doc["versions"]["1.0.0"].HasMember("deprecated"));
}

BOOST_FIXTURE_TEST_CASE(group_and_instance_levels, npm_fixture) {
    BOOST_REQUIRE(publish(demo(), bearer(dev)).status == 200u);
    const std::string group_prefix = "/api/v4/groups/acme/-/packages/npm/";
    auto g = http.get(group_prefix + "@acme%2fdemo",
                      {{"PRIVATE-TOKEN", dev}, {"Accept", "application/vnd.npm.install-v1+json"}});
    BOOST_TEST(g.status == 200u);
    // Tarball links stay at the level asked (packyard serves them there).
    BOOST_TEST(g.body.find(base() + group_prefix + "@acme/demo/-/@acme/demo-1.0.0.tgz") !=
               std::string::npos);
    BOOST_TEST(http.get(group_prefix + "@acme/demo/-/@acme/demo-1.0.0.tgz", bearer(dev)).status ==
               200u);
    BOOST_TEST(
        http.get("/api/v4/packages/npm/@acme/demo/-/@acme/demo-1.0.0.tgz", bearer(dev)).status ==
        200u);
    BOOST_TEST(
        http.get("/api/v4/packages/npm/-/package/@acme%2fdemo/dist-tags", bearer(dev)).body ==
        R"({"latest":"1.0.0"})");
    // A private group is 401 for the anonymous and 404 for outsiders.
    BOOST_TEST(http.get(group_prefix + "@acme%2fdemo").status == 401u);
    BOOST_TEST(http.get(group_prefix + "@acme%2fdemo", bearer(outsider)).body ==
               R"({"message":"404 Group Not Found","error":"Group not found"})");
    // Instance level: the scope names a top-level group; unscoped names have none.
    BOOST_TEST(http.get("/api/v4/packages/npm/demo", bearer(dev)).body ==
               R"({"message":"404 Project Not Found","error":"Project not found"})");
    BOOST_TEST(http.get("/api/v4/packages/npm/@nobody%2fdemo", bearer(dev)).body ==
               R"({"message":"404 Project Not Found","error":"Project not found"})");
    BOOST_TEST(http.get("/api/v4/packages/npm/@acme%2fdemo", bearer(outsider)).body ==
               R"({"message":"404 Project Not Found","error":"Project not found"})");
}

BOOST_FIXTURE_TEST_CASE(audits_are_empty_reports_and_anonymous_is_refused, npm_fixture) {
    const auto bulk = prefix(proj) + "-/npm/v1/security/advisories/bulk";
    BOOST_TEST(http.request("POST", bulk, "{}", {{"Content-Type", "application/json"}}).body ==
               R"({"message":"401 Unauthorized"})");
    auto r = http.request("POST", bulk, "{}", bearer(dev));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.body == "[]");
    BOOST_TEST(http.request("POST",
                            "/api/v4/groups/acme/-/packages/npm/-/npm/v1/security/audits/quick",
                            "{}", bearer(dev))
                   .body == "[]");
    BOOST_TEST(http.request("POST", "/api/v4/packages/npm/-/npm/v1/security/advisories/bulk", "{}",
                            bearer(dev))
                   .body == "[]");
}

BOOST_FIXTURE_TEST_CASE(a_deleted_package_leaves_the_packument_and_can_come_back, npm_fixture) {
    BOOST_REQUIRE(publish(demo("1.0.0"), bearer(dev)).status == 200u);
    auto second = publish(demo("1.1.0"), bearer(dev));
    BOOST_REQUIRE(second.status == 200u);
    const auto url = prefix(proj) + "@acme%2fdemo";
    const auto before = http.get(url, bearer(dev));
    BOOST_TEST(before.json()["versions"].HasMember("1.1.0"));
    BOOST_TEST(http.del("/api/v4/projects/" + std::to_string(proj) + "/packages/" +
                            std::to_string(int_field(second.json(), "id")),
                        as_root())
                   .status == 204u);
    const auto after =
        http.get(url, {{"PRIVATE-TOKEN", dev}, {"If-None-Match", before.header("etag")}});
    BOOST_TEST(after.status == 200u); // the cached bytes and the ETag moved on
    BOOST_TEST(!after.json()["versions"].HasMember("1.1.0"));
    BOOST_TEST(str_field(after.json()["dist-tags"], "latest") == "1.0.0");
    BOOST_TEST(publish(demo("1.1.0"), bearer(dev)).status == 200u);
    BOOST_TEST(http.get(url, bearer(dev)).json()["versions"].HasMember("1.1.0"));
}

BOOST_FIXTURE_TEST_CASE(a_large_packument_is_sent_whole_from_its_memory_file, npm_fixture) {
    // Six versions with 14,000-character descriptions: the full packument passes 64 KiB, so the
    // cache keeps it in a memory file and the server sends it with sendfile(2).
    const std::string description(14000, 'd');
    for (int i = 0; i < 6; ++i) {
        auto b = demo("1.0." + std::to_string(i));
        b.extra_version_fields =
            R"(,"description":")" + description + "-" + std::to_string(i) + R"(")";
        BOOST_REQUIRE(publish(b, bearer(dev)).status == 200u);
    }
    const auto url = prefix(proj) + "@acme%2fdemo";
    const header_list full{{"PRIVATE-TOKEN", dev}, {"Accept", "application/json"}};
    const auto first = http.get(url, full);  // rendered
    const auto second = http.get(url, full); // from the cache
    BOOST_TEST(first.status == 200u);
    BOOST_TEST(first.body.size() > 65536u);
    BOOST_TEST(first.header("content-length") == std::to_string(first.body.size()));
    BOOST_TEST(second.body == first.body);
    const auto doc = second.json();
    for (int i = 0; i < 6; ++i) {
        const auto v = "1.0." + std::to_string(i);
        BOOST_TEST_REQUIRE(doc["versions"].HasMember(v.c_str()));
        BOOST_TEST(str_field(doc["versions"][v.c_str()], "description") ==
                   description + "-" + std::to_string(i));
    }
    const auto head = http.request("HEAD", url, "", full);
    BOOST_TEST(head.status == 200u);
    BOOST_TEST(head.header("content-length") == std::to_string(first.body.size()));
    BOOST_TEST(head.body.empty());
    // Two answers on one connection: the second starts where the first ended.
    namespace net = boost::asio;
    net::io_context ioc;
    net::ip::tcp::socket s(ioc);
    s.connect({net::ip::make_address("127.0.0.1"), server.port()});
    const std::string one = "GET " + url +
                            " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                            "\r\nPRIVATE-TOKEN: " + dev + "\r\nAccept: application/json\r\n\r\n";
    net::write(s, net::buffer(one + one));
    std::string got;
    const std::size_t want = 2 * first.body.size();
    char buf[65536];
    boost::system::error_code ec;
    while (!ec && got.size() < want + 2 * 1024) {
        const auto n = s.read_some(net::buffer(buf), ec);
        got.append(buf, n);
        if (got.size() >= want && got.rfind(first.body) != std::string::npos &&
            got.find(first.body) != got.rfind(first.body)) {
            break;
        }
    }
    const auto at = got.find(first.body);
    BOOST_TEST_REQUIRE(at != std::string::npos);
    BOOST_TEST(got.compare(at + first.body.size(), 15, "HTTP/1.1 200 OK") == 0);
    BOOST_TEST(got.rfind(first.body) != at);
}

BOOST_FIXTURE_TEST_CASE(list_pages_follow_dist_tags, npm_fixture) {
    // List answers are kept by generation: a tag put or deleted must show in the next answer.
    BOOST_REQUIRE(publish(demo("1.0.0"), bearer(dev)).status == 200u);
    const auto list = "/api/v4/projects/" + std::to_string(proj) + "/packages";
    auto twice = [&] {
        const auto a = http.get(list, bearer(dev));
        const auto b = http.get(list, bearer(dev));
        BOOST_TEST(a.body == b.body);
        return b.body;
    };
    BOOST_TEST(twice().find(R"("tags":[{)") != std::string::npos);
    BOOST_TEST(twice().find(R"("name":"stable")") == std::string::npos);
    const auto tags = prefix(proj) + "-/package/@acme%2fdemo/dist-tags";
    auto h = header_list{{"Authorization", "Bearer " + dev}, {"Content-Type", "application/json"}};
    BOOST_REQUIRE(http.request("PUT", tags + "/stable", R"("1.0.0")", h).status == 204u);
    BOOST_TEST(twice().find(R"("name":"stable")") != std::string::npos);
    BOOST_REQUIRE(http.del(tags + "/stable", bearer(maint)).status == 204u);
    BOOST_TEST(twice().find(R"("name":"stable")") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
struct small_limit_fixture : npm_fixture {
    small_limit_fixture()
        : npm_fixture({"--max-upload-size", "1000"}) {}
};
std::uint64_t peak_rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::stoull(line.substr(6));
        }
    }
    return 0;
}
} // namespace

BOOST_AUTO_TEST_SUITE(npm_limits)

BOOST_FIXTURE_TEST_CASE(a_tarball_over_the_upload_limit_is_refused_before_it_is_stored,
                        small_limit_fixture) {
    auto b = demo();
    b.tgz += std::string(2000, 'z'); // past --max-upload-size once decoded
    auto r = publish(b, bearer(dev));
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.body == R"({"message":"File is too large.","error":"File is too large."})");
    BOOST_TEST(http.get("/api/v4/projects/" + std::to_string(proj) + "/packages", as_root())
                   .json()
                   .Size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_large_publish_streams_through_bounded_memory, npm_fixture) {
    // 48 MiB of incompressible bytes: a 64 MiB body. RSS may not grow with it.
    std::mt19937_64 rng(7);
    std::string blob(48 << 20, '\0');
    for (std::size_t i = 0; i + 8 <= blob.size(); i += 8) {
        const auto v = rng();
        std::memcpy(blob.data() + i, &v, 8);
    }
    auto b = demo("5.0.0");
    b.tgz = make_tgz(
        {{"package/package.json", manifest("@acme/demo", "5.0.0")}, {"package/blob.bin", blob}});
    blob.clear();
    blob.shrink_to_fit();
    const auto before = peak_rss_kib(server.pid());
    auto r = publish(b, bearer(dev));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(str_field(r.json(), "status") == "default");
    const auto after = peak_rss_kib(server.pid());
    BOOST_TEST(after - before < 32u * 1024u, "peak RSS grew by " << (after - before) << " KiB");
    auto dl = http.get(prefix(proj) + "@acme/demo/-/@acme/demo-5.0.0.tgz", bearer(dev));
    BOOST_TEST((dl.body == b.tgz));
}

BOOST_AUTO_TEST_SUITE_END()
