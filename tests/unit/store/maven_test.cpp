// Maven's rows: a package found by its Maven path (in its project, across projects), the
// versionless package, the versions its metadata lists, the versionless package going with the
// last version (GitLab's metadata sync), and the path index emptied by the cleanup.

#include "store/gc.hpp"
#include "store/identity.hpp"
#include "store/maven.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"
#include "temp_env.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::store;

namespace {

struct maven_fixture : testing::temp_env {
    maven_fixture()
        : blobs(dir) {
        const auto ids = testing::root_with_projects(*env, {"demo", "other"});
        project_id = ids[0];
        other_project = ids[1];
    }

    /// An upload as the handler makes it: name and version split off the path.
    package_file upload(std::uint64_t project, const std::string& path,
                        const std::string& file_name) {
        auto bytes = blob_upload::create(blobs.tmp_dir());
        BOOST_REQUIRE(bytes);
        BOOST_REQUIRE(
            !bytes->write("bytes of " + path + "/" + file_name + " " + std::to_string(++clock)));
        auto digest = bytes->finish();
        BOOST_REQUIRE(digest);
        maven_upload_record r;
        r.path = path;
        r.versionless = file_name == "maven-metadata.xml" && !path.ends_with("-SNAPSHOT");
        r.upload.project_id = project;
        r.upload.type = package_type::maven;
        if (r.versionless) {
            r.upload.name = path;
        } else {
            r.upload.name = path.substr(0, path.rfind('/'));
            r.upload.version = path.substr(path.rfind('/') + 1);
        }
        r.upload.file_name = file_name;
        r.upload.now = clock;
        r.upload.digest = *digest;
        auto t = write_txn::begin(*env);
        auto f = record_maven_upload(*t, blobs, *bytes, r);
        BOOST_REQUIRE(f);
        BOOST_REQUIRE(!blobs.sync());
        BOOST_REQUIRE(!t->commit());
        return *f;
    }

    void destroy(std::uint64_t package_id) {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(!destroy_package(*t, package_id));
        BOOST_REQUIRE(!t->commit());
    }

    blob_store blobs;
    std::uint64_t project_id = 0;
    std::uint64_t other_project = 0;
    std::int64_t clock = 1000;
};

std::vector<std::string> versions(const txn& t, std::uint64_t project, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& p : maven_versions(t, project, name)) {
        out.push_back(p.version.value_or("(none)"));
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(maven_rows)

BOOST_FIXTURE_TEST_CASE(files_of_one_path_share_a_package, maven_fixture) {
    const auto jar = upload(project_id, "com/acme/demo/1.0", "demo-1.0.jar");
    const auto pom = upload(project_id, "com/acme/demo/1.0", "demo-1.0.pom");
    const auto again =
        upload(project_id, "com/acme/demo/1.0", "demo-1.0.jar"); // duplicates pile up
    BOOST_TEST(pom.package_id == jar.package_id);
    BOOST_TEST(again.package_id == jar.package_id);
    const auto meta = upload(project_id, "com/acme/demo", "maven-metadata.xml");
    BOOST_TEST(meta.package_id != jar.package_id);
    const auto snap = upload(project_id, "com/acme/demo/1.1-SNAPSHOT", "maven-metadata.xml");
    const auto other = upload(other_project, "com/acme/demo/1.0", "demo-1.0.jar");
    BOOST_TEST(other.package_id != jar.package_id); // another project, another package

    auto t = read_txn::begin(*env);
    const auto versioned = find_package(*t, jar.package_id);
    BOOST_TEST(versioned->name == "com/acme/demo");
    BOOST_TEST(versioned->version.value_or("") == "1.0");
    BOOST_TEST(maven_path(*versioned) == "com/acme/demo/1.0");
    const auto versionless = find_package(*t, meta.package_id);
    BOOST_TEST(versionless->name == "com/acme/demo");
    BOOST_TEST(!versionless->version); // GitLab's version NULL
    BOOST_TEST(maven_path(*versionless) == "com/acme/demo");
    // A SNAPSHOT's metadata belongs to the SNAPSHOT version, not to a versionless package.
    BOOST_TEST(find_package(*t, snap.package_id)->version.value_or("") == "1.1-SNAPSHOT");

    BOOST_TEST(files_of(*t, jar.package_id).size() == 3u);
    BOOST_TEST(maven_packages_at(*t, "com/acme/demo/1.0").size() == 2u); // both projects
    BOOST_TEST(maven_path_exists(*t, "com/acme/demo"));
    BOOST_TEST(!maven_path_exists(*t, "com/acme"));
    BOOST_TEST(!maven_path_exists(*t, "com/acme/demo/1")); // a whole path, not a prefix
    BOOST_TEST(maven_package_in_project(*t, other_project, "com/acme/demo/1.0")->id ==
               other.package_id);
    BOOST_TEST((versions(*t, project_id, "com/acme/demo") ==
                std::vector<std::string>{"1.0", "1.1-SNAPSHOT"}));
}

BOOST_FIXTURE_TEST_CASE(the_last_version_takes_the_versionless_package_along, maven_fixture) {
    const auto v1 = upload(project_id, "com/acme/demo/1.0", "demo-1.0.jar");
    const auto v2 = upload(project_id, "com/acme/demo/1.1", "demo-1.1.jar");
    const auto meta = upload(project_id, "com/acme/demo", "maven-metadata.xml");
    const auto elsewhere = upload(other_project, "com/acme/demo", "maven-metadata.xml");
    upload(other_project, "com/acme/demo/1.0", "demo-1.0.jar");
    destroy(v2.package_id);
    {
        auto t = read_txn::begin(*env);
        BOOST_TEST((versions(*t, project_id, "com/acme/demo") == std::vector<std::string>{"1.0"}));
        BOOST_TEST(displayable(find_package(*t, meta.package_id)->status));
    }
    destroy(v1.package_id);
    {
        auto t = read_txn::begin(*env);
        BOOST_TEST(versions(*t, project_id, "com/acme/demo").empty());
        BOOST_TEST(
            (find_package(*t, meta.package_id)->status == package_status::pending_destruction));
        // The other project's artifact keeps its versions and its metadata.
        BOOST_TEST(displayable(find_package(*t, elsewhere.package_id)->status));
    }
    // A new upload to the path makes a new package, not the one being destroyed.
    const auto fresh = upload(project_id, "com/acme/demo", "maven-metadata.xml");
    BOOST_TEST(fresh.package_id != meta.package_id);
}

BOOST_FIXTURE_TEST_CASE(the_cleanup_removes_the_path_entry, maven_fixture) {
    const auto jar = upload(project_id, "com/acme/demo/1.0", "demo-1.0.jar");
    destroy(jar.package_id);
    {
        auto t = read_txn::begin(*env);
        BOOST_TEST(maven_path_exists(*t, "com/acme/demo/1.0")); // until the cleanup runs
        BOOST_TEST(!maven_package_in_project(*t, project_id, "com/acme/demo/1.0"));
    }
    for (int pass = 0; pass < 4; ++pass) { // files are queued, then deleted with the package
        auto w = write_txn::begin(*env);
        BOOST_REQUIRE(collect_garbage(*w, blobs, 100));
        BOOST_REQUIRE(!w->commit());
    }
    auto t = read_txn::begin(*env);
    BOOST_TEST(!maven_path_exists(*t, "com/acme/demo/1.0"));
}

BOOST_AUTO_TEST_SUITE_END()
