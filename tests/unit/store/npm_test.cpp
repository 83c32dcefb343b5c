// npm's rows: publish, tags, deprecation, and the generation every change takes.

#include "store/gc.hpp"
#include "store/identity.hpp"
#include "store/npm.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"
#include "temp_env.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::store;

namespace {

struct npm_fixture : testing::temp_env {
    npm_fixture()
        : blobs(dir) {
        project_id = testing::root_with_projects(*env, {"p"}).front();
    }

    result<package> publish(const std::string& version, std::optional<std::string> tag,
                            package_status status = package_status::default_) {
        auto bytes = blob_upload::create(blobs.tmp_dir());
        BOOST_REQUIRE(bytes);
        BOOST_REQUIRE(!bytes->write("tarball " + version));
        auto digest = bytes->finish();
        BOOST_REQUIRE(digest);
        npm_publish_record r;
        r.upload.project_id = project_id;
        r.upload.type = package_type::npm;
        r.upload.name = "@a/b";
        r.upload.version = version;
        r.upload.file_name = "@a/b-" + version + ".tgz";
        r.upload.status = status;
        r.upload.now = 1000;
        r.upload.digest = *digest;
        r.package_json = R"({"name":"@a/b","version":")" + version + "\"}";
        r.tag = std::move(tag);
        auto t = write_txn::begin(*env);
        auto p = record_npm_publish(*t, blobs, *bytes, r);
        if (p) {
            BOOST_REQUIRE(!blobs.sync());
            BOOST_REQUIRE(!t->commit());
        }
        return p;
    }

    std::uint64_t generation() {
        auto t = read_txn::begin(*env);
        auto s = npm_name(*t, project_id, "@a/b");
        return s ? s->generation : 0;
    }

    std::vector<std::string> tags_by_version() {
        auto t = read_txn::begin(*env);
        std::vector<std::string> out;
        for (const auto& v : npm_versions_of(*t, project_id, "@a/b")) {
            for (const auto& g : v.tags) {
                out.push_back(g.name + "=" + *v.pkg.version);
            }
        }
        return out;
    }

    blob_store blobs;
    std::uint64_t project_id = 0;
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_tag_moves_to_the_newest_package_that_takes_it, npm_fixture) {
    BOOST_REQUIRE(publish("1.0.0", "latest"));
    BOOST_REQUIRE(publish("1.1.0", "latest"));
    BOOST_REQUIRE(publish("2.0.0-rc.1", "next"));
    BOOST_TEST(tags_by_version() == (std::vector<std::string>{"latest=1.1.0", "next=2.0.0-rc.1"}));
    auto t = read_txn::begin(*env);
    auto tagged = tagged_package(*t, project_id, package_type::npm, "@a/b", "latest");
    BOOST_REQUIRE(tagged);
    BOOST_TEST(find_package(*t, *tagged)->version.value() == "1.1.0");
    BOOST_TEST(!tagged_package(*t, project_id, package_type::npm, "@a/b", "beta"));
    auto dup = publish("1.0.0", std::nullopt);
    BOOST_TEST((dup.error() == errc::conflict));
}

BOOST_FIXTURE_TEST_CASE(every_change_takes_a_new_generation, npm_fixture) {
    BOOST_TEST(generation() == 0U);
    auto p = publish("1.0.0", "latest");
    BOOST_REQUIRE(p);
    auto g1 = generation();
    BOOST_TEST(g1 > 0U);
    {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(!set_tag(*t, *p, "beta", 2000));
        BOOST_REQUIRE(!t->commit());
    }
    auto g2 = generation();
    BOOST_TEST(g2 > g1);
    {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(!delete_tag(*t, project_id, package_type::npm, "@a/b", "beta"));
        BOOST_TEST(
            (delete_tag(*t, project_id, package_type::npm, "@a/b", "beta") == errc::not_found));
        BOOST_REQUIRE(!t->commit());
    }
    auto g3 = generation();
    BOOST_TEST(g3 > g2);
    {
        auto t = write_txn::begin(*env);
        npm_deprecation d{p->id, R"({"name":"@a/b","version":"1.0.0"})",
                          R"({"name":"@a/b","version":"1.0.0","deprecated":"old"})", true};
        auto n = deprecate_npm_packages(*t, {d}, 3000);
        BOOST_REQUIRE(n);
        BOOST_TEST(*n == 1U);
        // The same change again finds the package.json it expected gone: nothing happens.
        BOOST_TEST(*deprecate_npm_packages(*t, {d}, 3000) == 0U);
        BOOST_REQUIRE(!t->commit());
    }
    auto g4 = generation();
    BOOST_TEST(g4 > g3);
    {
        auto t = read_txn::begin(*env);
        BOOST_TEST((find_package(*t, p->id)->status == package_status::deprecated));
        BOOST_TEST(*npm_metadata_of(*t, p->id) ==
                   R"({"name":"@a/b","version":"1.0.0","deprecated":"old"})");
    }
    {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(!destroy_package(*t, p->id));
        BOOST_REQUIRE(!t->commit());
    }
    auto g5 = generation();
    BOOST_TEST(g5 > g4);
    {
        auto t = read_txn::begin(*env);
        BOOST_TEST(npm_versions_of(*t, project_id, "@a/b").empty());
        BOOST_TEST(npm_name(*t, project_id, "@a/b")->last_installable == 0U);
    }
    // The cleanup removes the rows, the tag and the metadata; the state goes with the last one.
    {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(collect_garbage(*t, blobs, 100));
        BOOST_REQUIRE(collect_garbage(*t, blobs, 100));
        BOOST_REQUIRE(!t->commit());
    }
    auto t = read_txn::begin(*env);
    BOOST_TEST(!npm_name(*t, project_id, "@a/b"));
    BOOST_TEST(!npm_metadata_of(*t, p->id));
    BOOST_TEST(tags_of(*t, p->id).empty());
    BOOST_TEST(!tagged_package(*t, project_id, package_type::npm, "@a/b", "latest"));
}

BOOST_FIXTURE_TEST_CASE(versions_tarballs_and_the_newest_package, npm_fixture) {
    BOOST_REQUIRE(publish("1.0.0", "latest"));
    BOOST_REQUIRE(publish("1.2.0", std::nullopt, package_status::error));
    auto p3 = publish("1.10.0", std::nullopt);
    BOOST_REQUIRE(p3);
    auto t = read_txn::begin(*env);
    const auto vs = npm_versions_of(*t, project_id, "@a/b");
    BOOST_REQUIRE(vs.size() == 2U); // the package in status error is not installable
    BOOST_TEST(*vs[0].pkg.version == "1.0.0");
    BOOST_TEST(*vs[1].pkg.version == "1.10.0");
    BOOST_TEST(vs[1].metadata == R"({"name":"@a/b","version":"1.10.0"})");
    BOOST_TEST(npm_name(*t, project_id, "@a/b")->last_installable == p3->id);
    auto tb = find_npm_tarball(*t, project_id, "@a/b", "@a/b-1.10.0.tgz");
    BOOST_REQUIRE(tb);
    BOOST_TEST(tb->pkg.id == p3->id);
    BOOST_TEST(!find_npm_tarball(*t, project_id, "@a/b", "@a/b-1.2.0.tgz"));
    BOOST_TEST(!find_npm_tarball(*t, project_id, "@a/b", "@a/b-9.0.0.tgz"));
    BOOST_TEST(npm_projects_with(*t, "@a/b").size() == 1U);
    BOOST_TEST(npm_projects_with(*t, "@a/bc").empty());
}
