// npm's formats without a server: names and versions, the publish body's fields, the packument.

#include "routing/npm/base64_stream.hpp"
#include "routing/npm/names.hpp"
#include "routing/npm/packument.hpp"
#include "routing/npm/publish_request.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::routing::npm;
namespace store = packyard::store;

BOOST_AUTO_TEST_SUITE(npm_names)

BOOST_AUTO_TEST_CASE(names_follow_gitlabs_npm_package_name_regex) {
    for (const char* ok :
         {"demo", "@acme/demo", "@a/b", "@my_group.x/pkg-1.2+x", "@A/Upper", "@g-1/x"}) {
        BOOST_TEST(valid_name(ok), ok);
    }
    for (const char* bad : {"", "@acme", "@acme/", "@/demo", "@inv@lid_scope/package",
                            "@scope/sub/group", "@scope/../../package", "@scope%2e%2e%2fpackage",
                            "@-x/a", "@x./a", "@a.git/b", "@a.atom/b", "with space", "a/b"}) {
        BOOST_TEST(!valid_name(bad), bad);
    }
    BOOST_TEST(*scope_of("@acme/demo") == "acme");
    BOOST_TEST(!scope_of("demo"));
    BOOST_TEST(!scope_of("@bad@/x"));
}

BOOST_AUTO_TEST_CASE(versions_are_strict_semver) {
    for (const char* ok : {"1.0.0", "0.0.0", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha-a.b-c",
                           "1.0.0+build.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92+exp.sha.5114f85"}) {
        BOOST_TEST(valid_semver(ok), ok);
    }
    for (const char* bad : {"1", "1.2", "1./2.3", "../../../../../1.2.3", "%2e%2e%2f1.2.3",
                            "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "v1.0.0", "1.0.0-a..b"}) {
        BOOST_TEST(!valid_semver(bad), bad);
    }
    BOOST_TEST(*same_version("v1.0.0", "1.0.0"));
    BOOST_TEST(*same_version("1.0.0+build", "1.0.0"));
    BOOST_TEST(!*same_version("1.0.1", "1.0.0"));
    BOOST_TEST(!same_version("one", "1.0.0"));
}

BOOST_AUTO_TEST_CASE(latest_is_chosen_as_version_sorter_orders) {
    BOOST_TEST(version_sorter_compare("1.0.10", "1.0.9") > 0);
    BOOST_TEST(version_sorter_compare("1.0.0-beta", "1.0.0") < 0);
    BOOST_TEST(version_sorter_compare("1.0.0-beta.10", "1.0.0-beta.2") > 0);
    BOOST_TEST(version_sorter_compare("2.0.0", "10.0.0") < 0);
    BOOST_TEST(version_sorter_compare("1.0.0", "1.0.0") == 0);
    BOOST_TEST(version_sorter_compare("1.0.0.1", "1.0.0") > 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(npm_publish_request)

BOOST_AUTO_TEST_CASE(the_fields_create_package_service_reads) {
    const std::string body =
        R"({"_id":"@a/b","name":"@a/b","dist-tags":{"next":"1.0.0","latest":"0.9.0"},)"
        R"("versions":{"1.0.0":{"name":"@a/b","version":"1.0.0","readme":"# big","readmeFilename":"README.md",)"
        R"("contributors":[],"scripts":{"postinstall":"x"},"dist":{"shasum":"abc","integrity":"sha512-x","tarball":"t"}}},)"
        R"("_attachments":{"@a/b-1.0.0.tgz":{"data":""}}})";
    auto r = read_publish_request(body, 0);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->name == "@a/b");
    BOOST_TEST(r->version == "1.0.0");
    BOOST_TEST(*r->dist_tag == "next");
    BOOST_TEST(!r->versions_missing);
    BOOST_TEST(r->attachment_streamed);
    BOOST_TEST(*r->shasum == "abc");
    BOOST_TEST(*r->integrity == "sha512-x");
    BOOST_TEST(r->package_json_schema_ok);
    // readme, readmeFilename and contributors dropped; hasInstallScript added at the end.
    BOOST_TEST(
        r->package_json ==
        R"({"name":"@a/b","version":"1.0.0","scripts":{"postinstall":"x"},)"
        R"("dist":{"shasum":"abc","integrity":"sha512-x","tarball":"t"},"hasInstallScript":true})");
    BOOST_TEST(r->deprecations.empty());
}

BOOST_AUTO_TEST_CASE(missing_parts_and_deprecations) {
    auto none = read_publish_request(R"({"name":"a"})", -1);
    BOOST_REQUIRE(none);
    BOOST_TEST(none->versions_missing);
    auto bad = read_publish_request(R"({"name":"a","versions":[1]})", -1);
    BOOST_TEST(bad->versions_invalid);
    auto other = read_publish_request(
        R"({"name":"a","versions":{"1.0.0":{}},"_attachments":{"x.tgz":{"data":"QQ=="},"a-1.0.0.tgz":{"data":"QUI="}}})",
        0);
    BOOST_TEST(!other->attachment_streamed); // the streamed one was x.tgz
    BOOST_TEST(other->inline_attachment == "QUI=");
    BOOST_TEST(!other->package_json_schema_ok);
    auto dep = read_publish_request(
        R"({"name":"a","versions":{"1.0.0":{"deprecated":"old"},"1.1.0":{},"2.0.0":{"deprecated":""},"3.0.0":{"deprecated":null}}})",
        -1);
    BOOST_REQUIRE(dep->deprecations.size() == 2U);
    BOOST_TEST(dep->deprecations[0].second == "old");
    BOOST_TEST(dep->deprecations[1].first == "2.0.0");
    BOOST_TEST(!read_publish_request("[1]", -1));
    BOOST_TEST(!read_publish_request("{", -1));
}

BOOST_AUTO_TEST_CASE(the_size_rule_counts_rubys_hash_inspect) {
    // {"a"=>"b", "n"=>1, "f"=>1.5, "t"=>true, "z"=>nil, "l"=>[1, 2], "s"=>"x\ny"}
    BOOST_TEST(
        ruby_inspect_size(R"({"a":"b","n":1,"f":1.5,"t":true,"z":null,"l":[1,2],"s":"x\ny"})") ==
        std::string(
            R"({"a"=>"b", "n"=>1, "f"=>1.5, "t"=>true, "z"=>nil, "l"=>[1, 2], "s"=>"x\ny"})")
            .size());
    BOOST_TEST(ruby_inspect_size(R"({"é":"#{x}"})") == std::string(R"({"é"=>"\#{x}"})").size() - 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(npm_base64)

BOOST_AUTO_TEST_CASE(decodes_in_any_pieces_and_refuses_text_after_padding) {
    const std::string text = "SGVsbG8sIHdvcmxkIQ=="; // "Hello, world!"
    for (std::size_t piece : {1UL, 3UL, 7UL, 100UL}) {
        base64_stream s;
        std::string out;
        const base64_stream::sink sink = [&](std::string_view b) {
            out.append(b);
            return true;
        };
        for (std::size_t i = 0; i < text.size(); i += piece) {
            BOOST_REQUIRE(s.feed(text.substr(i, piece), sink));
        }
        BOOST_REQUIRE(s.finish(sink));
        BOOST_TEST(out == "Hello, world!");
    }
    base64_stream after;
    const base64_stream::sink ignore = [](std::string_view) { return true; };
    BOOST_TEST(!(after.feed("QQ==", ignore) && after.feed("QUJD", ignore)));
    base64_stream cut;
    BOOST_TEST(!(cut.feed("QUJ", ignore) && cut.finish(ignore)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(npm_packument)

namespace {
store::npm_version version(std::uint64_t id, std::string v, std::string metadata,
                           std::vector<std::string> tags = {}) {
    store::npm_version out;
    out.pkg.id = id;
    out.pkg.name = "@a/b";
    out.pkg.version = v;
    out.pkg.created_at = 1700000000000 + static_cast<std::int64_t>(id);
    out.pkg.updated_at = out.pkg.created_at;
    out.file.sha1 = "sha" + v;
    out.file.file_name = "@a/b-" + v + ".tgz";
    out.metadata = std::move(metadata);
    std::uint64_t tag_id = id * 10;
    for (auto& t : tags) {
        store::package_tag g;
        g.id = tag_id++;
        g.name = std::move(t);
        out.tags.push_back(std::move(g));
    }
    return out;
}
} // namespace

BOOST_AUTO_TEST_CASE(the_abbreviated_form_is_gitlabs) {
    std::vector<store::npm_version> vs;
    // Stored in version byte order; GitLab lists them by package id.
    vs.push_back(version(
        9, "1.10.0",
        R"({"name":"@a/b","version":"1.10.0","engines":{"node":">=14","abc":"1"},"dist":{"shasum":"c","integrity":"sha512-q"},)"
        R"("deprecated":"old","dependencies":{"x":"^1","y":"2"},"devDependencies":{},"bundleDependencies":["x"],)"
        R"("peerDependencies":{"p":"*"},"scripts":{"test":"t"},"description":"d"})",
        {"beta"}));
    vs.push_back(version(3, "1.9.0", R"({"name":"@a/b","version":"1.9.0","dist":{}})", {}));
    const auto body = render_packument("@a/b", vs, "http://h/api/v4/projects/7/packages/npm/",
                                       packument_form::abbreviated);
    BOOST_TEST(
        body ==
        R"({"name":"@a/b","versions":{)"
        R"("1.9.0":{"dist":{"shasum":"sha1.9.0","tarball":"http://h/api/v4/projects/7/packages/npm/@a/b/-/@a/b-1.9.0.tgz"},"name":"@a/b","version":"1.9.0"},)"
        R"("1.10.0":{"deprecated":"old","dist":{"shasum":"sha1.10.0","tarball":"http://h/api/v4/projects/7/packages/npm/@a/b/-/@a/b-1.10.0.tgz"},)"
        R"("engines":{"abc":"1","node":">=14"},"name":"@a/b","version":"1.10.0","dependencies":{"x":"^1","y":"2"},"peerDependencies":{"p":"*"}}},)"
        R"("dist-tags":{"beta":"1.10.0","latest":"1.10.0"}})");
}

BOOST_AUTO_TEST_CASE(the_full_form_keeps_every_field_and_adds_time) {
    std::vector<store::npm_version> vs;
    vs.push_back(version(
        1, "1.0.0",
        R"({"name":"@a/b","version":"1.0.0","description":"d","dist":{"shasum":"c","integrity":"sha512-q","tarball":"old"},"x":1})",
        {"latest"}));
    const auto body =
        render_packument("@a/b", vs, "http://h/api/v4/packages/npm/", packument_form::full);
    BOOST_TEST(
        body ==
        R"({"_id":"@a/b","name":"@a/b","versions":{"1.0.0":{"name":"@a/b","version":"1.0.0","description":"d",)"
        R"("dist":{"integrity":"sha512-q","shasum":"sha1.0.0","tarball":"http://h/api/v4/packages/npm/@a/b/-/@a/b-1.0.0.tgz"},"x":1}},)"
        R"("dist-tags":{"latest":"1.0.0"},"time":{"created":"2023-11-14T22:13:20.001Z",)"
        R"("modified":"2023-11-14T22:13:20.001Z","1.0.0":"2023-11-14T22:13:20.001Z"}})");
}

BOOST_AUTO_TEST_CASE(dist_tags_and_latest) {
    std::vector<store::npm_version> vs;
    vs.push_back(version(1, "2.0.0-rc.1", "{}", {"next"}));
    vs.push_back(version(2, "1.5.0", "{}", {}));
    vs.push_back(version(3, "1.10.0", "{}", {}));
    BOOST_TEST(render_dist_tags(vs) == R"({"next":"2.0.0-rc.1","latest":"2.0.0-rc.1"})");
    vs[0].tags.clear();
    vs[1].tags = vs[2].tags;
    store::package_tag latest;
    latest.id = 5;
    latest.name = "latest";
    vs[1].tags.push_back(latest);
    BOOST_TEST(render_dist_tags(vs) == R"({"latest":"1.5.0"})");
    BOOST_TEST(render_packument("@a/b", {}, "p/", packument_form::abbreviated) ==
               R"({"name":"@a/b","versions":null,"dist-tags":{}})");
}

BOOST_AUTO_TEST_CASE(the_accept_header_picks_the_form) {
    BOOST_TEST((form_for("application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, "
                         "*/*") == packument_form::abbreviated));
    BOOST_TEST((form_for("application/json") == packument_form::full));
    BOOST_TEST((form_for("*/*") == packument_form::full));
    BOOST_TEST((form_for("") == packument_form::full));
}

BOOST_AUTO_TEST_SUITE_END()
