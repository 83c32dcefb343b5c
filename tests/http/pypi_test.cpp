// GitLab's PyPI registry over HTTP (lib/api/pypi_packages.rb): every status and body of the
// upload, the simple pages' bytes (HTML as GitLab's heredoc renders them, PEP 691 JSON), file
// and core-metadata downloads, at project and group level. The real twine and pip drive the same
// routes in tests/compat/pypi_test.py.

#include "tests/http/digests.hpp"
#include "tests/support/packyard_server.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <openssl/evp.h>
#include <sstream>
#include <unistd.h>

using namespace packyard::testing;

namespace {

/// A zip of (path, content) entries, as a wheel is.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& files) {
    static int counter = 0;
    archive* a = archive_write_new();
    archive_write_set_format_zip(a);
    const auto path =
        std::filesystem::temp_directory_path() /
        ("pypi-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".whl");
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

/// twine's form: the fields, then the file part "content".
struct upload_form {
    std::vector<std::pair<std::string, std::string>> fields;
    std::string file_name = "demo-1.0.tar.gz";
    std::string content = "sdist bytes";
    bool with_file = true;

    std::string body() const {
        std::string b;
        for (const auto& [k, v] : fields) {
            b += "--BoUnDaRy\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v +
                 "\r\n";
        }
        if (with_file) {
            b += "--BoUnDaRy\r\nContent-Disposition: form-data; name=\"content\"; filename=\"" +
                 file_name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content +
                 "\r\n";
        }
        return b + "--BoUnDaRy--\r\n";
    }
};

header_list basic(const std::string& token, const std::string& user = "__token__") {
    return {{"Authorization", "Basic " + base64(user + ":" + token)}};
}

struct pypi_fixture : server_fixture {
    pypi_fixture() { prepare(); }
    explicit pypi_fixture(std::vector<std::string> extra)
        : server_fixture(std::move(extra)) {
        prepare();
    }
    void prepare() {
        group = create_group("acme", "private");
        proj = create_project("web", group, "private");
        auto d = create_user("dev");
        dev = d.second;
        add_member("projects", proj, d.first, 30);
        auto r = create_user("rep");
        rep = r.second;
        add_member("projects", proj, r.first, 20);
        outsider = create_user("outsider").second;
    }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
    std::string project_api() const {
        return "/api/v4/projects/" + std::to_string(proj) + "/packages/pypi";
    }
    std::string group_api() const {
        return "/api/v4/groups/" + std::to_string(group) + "/-/packages/pypi";
    }
    http_response upload(const upload_form& f, const header_list& auth) {
        header_list h = auth;
        h.emplace_back("Content-Type", "multipart/form-data; boundary=BoUnDaRy");
        return http.request("POST", project_api(), f.body(), h);
    }
    upload_form demo(const std::string& name, const std::string& version,
                     const std::string& file_name, const std::string& content,
                     const std::string& requires_python = ">=3.8") const {
        upload_form f;
        f.fields = {{":action", "file_upload"},
                    {"name", name},
                    {"version", version},
                    {"requires_python", requires_python},
                    {"sha256_digest", hex_digest(EVP_sha256(), content)},
                    {"md5_digest", hex_digest(EVP_md5(), content)},
                    {"summary", "a demo"}};
        f.file_name = file_name;
        f.content = content;
        return f;
    }

    std::uint64_t group = 0, proj = 0;
    std::string dev, rep, outsider;
};

} // namespace

BOOST_AUTO_TEST_SUITE(pypi)

BOOST_FIXTURE_TEST_CASE(upload_then_simple_pages_in_gitlabs_bytes, pypi_fixture) {
    const std::string sdist = "sdist of My_Pkg 1.0";
    auto up = upload(demo("My_Pkg", "1.0", "My_Pkg-1.0.tar.gz", sdist), basic(dev, "anyone"));
    BOOST_TEST(up.status == 201u);
    BOOST_TEST(up.body == R"({"message":"201 Created"})");
    const std::string sha = hex_digest(EVP_sha256(), sdist);

    // The package page: the stored name in the title, one anchor per file, escaped
    // data-requires-python, the file URL with its #sha256 fragment.
    auto page = http.get(project_api() + "/simple/my-pkg/", basic(dev));
    BOOST_TEST(page.status == 200u);
    BOOST_TEST(page.header("content-type") == "text/html; charset=utf-8");
    const std::string href = base() + project_api() + "/files/" + sha + "/My_Pkg-1.0.tar.gz";
    BOOST_TEST(page.body == "<!DOCTYPE html>\n        <html>\n          <head>\n"
                            "            <title>Links for My_Pkg</title>\n          </head>\n"
                            "          <body>\n            <h1>Links for My_Pkg</h1>\n"
                            "            <a href=\"" +
                                href + "#sha256=" + sha +
                                "\" data-requires-python=\"&gt;=3.8\">My_Pkg-1.0.tar.gz</a>\n"
                                "          </body>\n        </html>\n");
    // Without the trailing slash, and asked by its un-normalized name in upper case.
    BOOST_TEST(http.get(project_api() + "/simple/my-pkg", basic(dev)).body == page.body);
    BOOST_TEST(http.get(project_api() + "/simple/MY-PKG", basic(dev)).body == page.body);
    // GitLab only lower-cases the request: a name pip would never send is not found.
    auto raw = http.get(project_api() + "/simple/my_pkg", basic(dev));
    BOOST_TEST(raw.status == 404u);
    BOOST_TEST(raw.body == R"({"message":"404 Package Not Found"})");

    // The index: one anchor per package, to the normalized name's page.
    auto index = http.get(project_api() + "/simple", basic(dev));
    BOOST_TEST(index.status == 200u);
    BOOST_TEST(index.body == "<!DOCTYPE html>\n        <html>\n          <head>\n"
                             "            <title>Links for web</title>\n          </head>\n"
                             "          <body>\n            <h1>Links for web</h1>\n"
                             "            <a href=\"" +
                                 base() + project_api() +
                                 "/simple/my-pkg\" data-requires-python=\"&gt;=3.8\">My_Pkg</a>\n"
                                 "          </body>\n        </html>\n");
    BOOST_TEST(http.get(project_api() + "/simple/", basic(dev)).body == index.body);

    // PEP 691 JSON, as pip asks for it.
    const header_list json{{"Authorization", basic(dev)[0].second},
                           {"Accept", "application/vnd.pypi.simple.v1+json, "
                                      "application/vnd.pypi.simple.v1+html; q=0.1, text/html; "
                                      "q=0.01"}};
    auto jpage = http.get(project_api() + "/simple/my-pkg/", json);
    BOOST_TEST(jpage.header("content-type") ==
               "application/vnd.pypi.simple.v1+json; charset=utf-8");
    BOOST_TEST(jpage.header("vary") == "Accept");
    BOOST_TEST(jpage.body == R"({"meta":{"api-version":"1.0"},"name":"my-pkg","files":[)"
                             R"({"filename":"My_Pkg-1.0.tar.gz","url":")" +
                                 href + "#sha256=" + sha + R"(","hashes":{"sha256":")" + sha +
                                 R"("},"requires-python":">=3.8"}]})");
    BOOST_TEST(http.get(project_api() + "/simple", json).body ==
               R"({"meta":{"api-version":"1.0"},"projects":[{"name":"my-pkg"}]})");

    // The download: the bytes, as an attachment.
    auto dl = http.get(project_api() + "/files/" + sha + "/My_Pkg-1.0.tar.gz", basic(dev));
    BOOST_TEST(dl.status == 200u);
    BOOST_TEST(dl.body == sdist);
    BOOST_TEST(dl.header("content-type") == "application/octet-stream");
    BOOST_TEST(dl.header("content-disposition").find("My_Pkg-1.0.tar.gz") != std::string::npos);
    // The pages were cached: another file shows at once, on both pages and in both forms.
    BOOST_REQUIRE(
        upload(demo("My_Pkg", "1.0", "My_Pkg-1.0-py3-none-any.whl", "w"), basic(dev)).status ==
        201u);
    BOOST_TEST(http.get(project_api() + "/simple/my-pkg/", basic(dev))
                   .body.find(">My_Pkg-1.0-py3-none-any.whl</a>") != std::string::npos);
    BOOST_TEST(http.get(project_api() + "/simple/my-pkg/", json)
                   .body.find("My_Pkg-1.0-py3-none-any.whl") != std::string::npos);
    auto wrong = http.get(project_api() + "/files/" + std::string(64, 'a') + "/My_Pkg-1.0.tar.gz",
                          basic(dev));
    BOOST_TEST(wrong.status == 404u);
    BOOST_TEST(wrong.body == R"({"message":"404 Package Not Found"})");
}

BOOST_FIXTURE_TEST_CASE(versions_share_pages_files_share_packages_and_groups_see_all,
                        pypi_fixture) {
    BOOST_REQUIRE(upload(demo("my.pkg", "1.0", "my.pkg-1.0.tar.gz", "a"), basic(dev)).status ==
                  201u);
    BOOST_REQUIRE(
        upload(demo("my.pkg", "1.0", "my_pkg-1.0-py3-none-any.whl", "b"), basic(dev)).status ==
        201u);
    BOOST_REQUIRE(upload(demo("My-Pkg", "2.0", "My-Pkg-2.0.tar.gz", "c", ""), basic(dev)).status ==
                  201u);
    // The same file name again in that version: GitLab's validation error, nothing stored.
    auto dup = upload(demo("my.pkg", "1.0", "my.pkg-1.0.tar.gz", "d"), basic(dev));
    BOOST_TEST(dup.status == 400u);
    BOOST_TEST(
        dup.body ==
        R"({"message":"400 Bad request - Validation failed: File name has already been taken"})");

    const auto listed = http.get("/api/v4/projects/" + std::to_string(proj) +
                                     "/packages?package_type=pypi&order_by=version",
                                 as_root())
                            .json();
    BOOST_TEST_REQUIRE(listed.Size() == 2u);
    BOOST_TEST(str_field(listed[0], "package_type") == "pypi");

    auto page = http.get(project_api() + "/simple/my-pkg", basic(dev)).body;
    BOOST_TEST(page.find("<title>Links for my.pkg</title>") != std::string::npos);
    BOOST_TEST(page.find(">my.pkg-1.0.tar.gz</a><a href=") != std::string::npos);
    BOOST_TEST(page.find(">my_pkg-1.0-py3-none-any.whl</a><a href=") != std::string::npos);
    BOOST_TEST(page.find("data-requires-python=\"\">My-Pkg-2.0.tar.gz</a>") != std::string::npos);
    auto index = http.get(project_api() + "/simple", basic(dev)).body;
    BOOST_TEST(index.find(">my.pkg</a><a href=") != std::string::npos); // one per package
    BOOST_TEST(index.find(">My-Pkg</a>") != std::string::npos);

    // Group level: links to the group's file route, readable by a Reporter of the project.
    auto gpage = http.get(group_api() + "/simple/my-pkg/", basic(rep));
    BOOST_TEST(gpage.status == 200u);
    const std::string sha = hex_digest(EVP_sha256(), "c");
    const std::string gfile = base() + group_api() + "/files/" + sha + "/My-Pkg-2.0.tar.gz";
    BOOST_TEST(gpage.body.find("<a href=\"" + gfile + "#sha256=" + sha + "\"") !=
               std::string::npos);
    BOOST_TEST(http.get(group_api() + "/files/" + sha + "/My-Pkg-2.0.tar.gz", basic(rep)).body ==
               "c");
    auto gmiss = http.get(group_api() + "/files/" + sha + "/other.tar.gz", basic(rep));
    BOOST_TEST(gmiss.status == 404u);
    BOOST_TEST(gmiss.body == R"({"message":"404 Not found"})");
    BOOST_TEST(http.get(group_api() + "/simple", basic(rep)).body.find("<title>Links for acme") !=
               std::string::npos);

    // A deleted package leaves the pages; its files are gone.
    BOOST_TEST(http.del("/api/v4/projects/" + std::to_string(proj) + "/packages/" +
                            std::to_string(int_field(listed[1], "id")),
                        as_root())
                   .status == 204u);
    auto after = http.get(project_api() + "/simple/my-pkg", basic(dev)).body;
    BOOST_TEST(after.find("My-Pkg-2.0.tar.gz") == std::string::npos);
    BOOST_TEST(http.get(group_api() + "/files/" + sha + "/My-Pkg-2.0.tar.gz", basic(rep)).status ==
               404u);
}

BOOST_FIXTURE_TEST_CASE(a_wheels_core_metadata_is_advertised_and_served, pypi_fixture) {
    const std::string metadata = "Metadata-Version: 2.1\nName: whl-demo\nVersion: 1.0\n";
    const std::string wheel = make_zip({{"whl_demo/__init__.py", ""},
                                        {"whl_demo-1.0.dist-info/METADATA", metadata},
                                        {"whl_demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n"}});
    BOOST_REQUIRE(
        upload(demo("whl-demo", "1.0", "whl_demo-1.0-py3-none-any.whl", wheel), basic(dev))
            .status == 201u);
    const std::string sha = hex_digest(EVP_sha256(), wheel);
    const std::string meta_sha = hex_digest(EVP_sha256(), metadata);
    auto page = http.get(project_api() + "/simple/whl-demo/", basic(dev)).body;
    BOOST_TEST(
        page.find("data-requires-python=\"&gt;=3.8\" data-core-metadata=\"sha256=" + meta_sha +
                  "\" data-dist-info-metadata=\"sha256=" + meta_sha + "\">") != std::string::npos);
    auto meta = http.get(
        project_api() + "/files/" + sha + "/whl_demo-1.0-py3-none-any.whl.metadata", basic(dev));
    BOOST_TEST(meta.status == 200u);
    BOOST_TEST(meta.body == metadata);
    // An sdist has none: its ".metadata" is not found.
    BOOST_REQUIRE(upload(demo("whl-demo", "1.0", "whl-demo-1.0.tar.gz", "sd"), basic(dev)).status ==
                  201u);
    BOOST_TEST(http.get(project_api() + "/files/" + hex_digest(EVP_sha256(), "sd") +
                            "/whl-demo-1.0.tar.gz.metadata",
                        basic(dev))
                   .status == 404u);
}

BOOST_FIXTURE_TEST_CASE(upload_refusals_in_gitlabs_words, pypi_fixture) {
    const header_list form{{"Content-Type", "multipart/form-data; boundary=BoUnDaRy"}};
    // No credentials: 401 with the realm, so twine and pip send theirs.
    auto anon =
        http.request("POST", project_api(), demo("a", "1.0", "a-1.0.tar.gz", "x").body(), form);
    BOOST_TEST(anon.status == 401u);
    BOOST_TEST(anon.body == R"({"message":"401 Unauthorized"})");
    BOOST_TEST(anon.header("www-authenticate") == R"(Basic realm="GitLab Packages Registry")");
    auto reporter = upload(demo("a", "1.0", "a-1.0.tar.gz", "x"), basic(rep));
    BOOST_TEST(reporter.status == 403u);
    BOOST_TEST(reporter.body == R"({"message":"403 Forbidden"})");
    auto stranger = upload(demo("a", "1.0", "a-1.0.tar.gz", "x"), basic(outsider));
    BOOST_TEST(stranger.status == 404u);
    BOOST_TEST(stranger.body == R"({"message":"404 Not Found"})");

    auto no_form = http.request("POST", project_api(), "raw", basic(dev));
    BOOST_TEST(no_form.status == 400u);
    BOOST_TEST(no_form.body == R"({"error":"content is missing"})");
    auto no_file = demo("a", "1.0", "a-1.0.tar.gz", "x");
    no_file.with_file = false;
    BOOST_TEST(upload(no_file, basic(dev)).body == R"({"error":"content is missing"})");
    upload_form bare;
    BOOST_TEST(upload(bare, basic(dev)).body ==
               R"({"error":"name is missing, version is missing"})");
    auto bad_sha = demo("a", "1.0", "a-1.0.tar.gz", "x");
    bad_sha.fields[4].second = std::string(63, 'a') + "%";
    BOOST_TEST(upload(bad_sha, basic(dev)).body == R"({"error":"sha256_digest is invalid"})");
    auto mismatch = demo("a", "1.0", "a-1.0.tar.gz", "x");
    mismatch.fields[4].second = std::string(64, 'a');
    auto corrupt = upload(mismatch, basic(dev));
    BOOST_TEST(corrupt.status == 400u);
    BOOST_TEST(corrupt.body == R"({"message":"400 Bad request - Validation failed: File digest )"
                               R"(does not match the uploaded file"})");
    auto md5_mismatch = demo("a", "1.0", "a-1.0.tar.gz", "x");
    md5_mismatch.fields[5].second = std::string(32, 'b');
    BOOST_TEST(upload(md5_mismatch, basic(dev)).body == corrupt.body);
    BOOST_TEST(upload(demo("a", "1.0.x", "a.tar.gz", "x"), basic(dev)).body ==
               R"({"message":"400 Bad request - Validation failed: Version is invalid"})");
    BOOST_TEST(upload(demo(".$/@!^*", "1.0", "a.tar.gz", "x"), basic(dev)).body ==
               R"({"message":"400 Bad request - Validation failed: Name is invalid"})");
    // Nothing of the refused uploads was stored.
    BOOST_TEST(http.get("/api/v4/projects/" + std::to_string(proj) + "/packages", as_root()).body ==
               "[]");

    // Too-long metadata is cut as ActiveSupport's truncate does, not refused.
    auto longer = demo("a", "1.0", "a-1.0.tar.gz", "x", std::string(300, '9'));
    BOOST_TEST(upload(longer, basic(dev)).status == 201u);
    BOOST_TEST(http.get(project_api() + "/simple/a", basic(dev))
                   .body.find("data-requires-python=\"" + std::string(252, '9') + "...\"") !=
               std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(reads_need_credentials_on_private_projects, pypi_fixture) {
    BOOST_REQUIRE(upload(demo("a", "1.0", "a-1.0.tar.gz", "x"), basic(dev)).status == 201u);
    for (const auto& path :
         {project_api() + "/simple", project_api() + "/simple/a/", group_api() + "/simple/a",
          project_api() + "/files/" + hex_digest(EVP_sha256(), "x") + "/a-1.0.tar.gz"}) {
        auto anon = http.get(path);
        BOOST_TEST(anon.status == 401u, path);
        BOOST_TEST(anon.header("www-authenticate") == R"(Basic realm="GitLab Packages Registry")");
        BOOST_TEST(http.get(path, basic(outsider)).status == 404u, path);
        BOOST_TEST(http.get(path, basic(rep)).status == 200u, path);
        BOOST_TEST(http.get(path, with_token(dev)).status == 200u, path);
    }
    // Unknown names are not found: nothing is forwarded to pypi.org.
    auto unknown = http.get(project_api() + "/simple/requests/", basic(dev));
    BOOST_TEST(unknown.status == 404u);
    BOOST_TEST(unknown.body == R"({"message":"404 Package Not Found"})");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
struct small_limit_fixture : pypi_fixture {
    small_limit_fixture()
        : pypi_fixture({"--max-upload-size", "100"}) {}
};
} // namespace

BOOST_FIXTURE_TEST_CASE(pypi_a_file_over_the_upload_limit_is_refused, small_limit_fixture) {
    auto big = upload(demo("a", "1.0", "a-1.0.tar.gz", std::string(101, 'z')), basic(dev));
    BOOST_TEST(big.status == 400u);
    BOOST_TEST(big.body == R"({"message":"400 Bad request - File is too large"})");
    BOOST_TEST(upload(demo("a", "1.0", "a-1.0.tar.gz", std::string(100, 'z')), basic(dev)).status ==
               201u);
}
