// PyPI's rows: one package per exact (name, version) with many files, the normalized-name and
// SHA-256 indexes, metadata replaced by each upload, duplicate file names refused, and every
// entry gone once the cleanup deletes the rows.

#include "store/gc.hpp"
#include "store/identity.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"
#include "store/pypi.hpp"
#include "temp_env.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::store;

namespace {

struct pypi_fixture : testing::temp_env {
    pypi_fixture()
        : blobs(dir) {
        project_id = testing::root_with_projects(*env, {"p"}).front();
    }

    result<package_file> upload(const std::string& name, const std::string& version,
                                const std::string& file_name, const std::string& requires_python,
                                std::optional<std::string> core = std::nullopt) {
        auto bytes = blob_upload::create(blobs.tmp_dir());
        BOOST_REQUIRE(bytes);
        BOOST_REQUIRE(!bytes->write("dist " + name + version + file_name));
        auto digest = bytes->finish();
        BOOST_REQUIRE(digest);
        pypi_upload_record r;
        r.upload.project_id = project_id;
        r.upload.type = package_type::pypi;
        r.upload.name = name;
        r.upload.version = version;
        r.upload.file_name = file_name;
        r.upload.now = 1000;
        r.upload.digest = *digest;
        r.metadata.required_python = requires_python;
        r.core_metadata = std::move(core);
        auto t = write_txn::begin(*env);
        auto f = record_pypi_upload(*t, blobs, *bytes, r);
        if (f) {
            BOOST_REQUIRE(!blobs.sync());
            BOOST_REQUIRE(!t->commit());
        }
        return f;
    }

    blob_store blobs;
    std::uint64_t project_id = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(pypi_rows)

BOOST_FIXTURE_TEST_CASE(files_share_a_package_and_both_indexes_find_them, pypi_fixture) {
    auto sdist = upload("My_Pkg.Name", "1.0", "My_Pkg.Name-1.0.tar.gz", ">=3.6");
    BOOST_REQUIRE(sdist);
    auto wheel = upload("My_Pkg.Name", "1.0", "my_pkg_name-1.0-py3-none-any.whl", ">=3.8",
                        std::string("Metadata-Version: 2.1\nName: My_Pkg.Name\n"));
    BOOST_REQUIRE(wheel);
    BOOST_TEST(wheel->package_id == sdist->package_id); // one package, two files
    auto other = upload("my-pkg-name", "2.0", "my-pkg-name-2.0.tar.gz", "");
    BOOST_REQUIRE(other);
    BOOST_TEST(other->package_id != sdist->package_id);
    auto unrelated = upload("zzz", "1.0", "zzz-1.0.tar.gz", "");
    BOOST_REQUIRE(unrelated);

    auto t = read_txn::begin(*env);
    const auto named = pypi_packages_named(*t, project_id, "my-pkg-name");
    BOOST_TEST(named == (std::vector<std::uint64_t>{sdist->package_id, other->package_id}));
    BOOST_TEST(pypi_packages_named(*t, project_id, "my_pkg_name").empty());
    BOOST_TEST(pypi_packages_of(*t, project_id).size() == 3u);
    // Metadata is the package's, replaced by its latest upload.
    BOOST_TEST(pypi_metadata_of(*t, sdist->package_id)->required_python == ">=3.8");
    auto found = find_pypi_file(*t, project_id, wheel->sha256, wheel->file_name);
    BOOST_REQUIRE(found);
    BOOST_TEST(found->file.id == wheel->id);
    BOOST_TEST(found->pkg.name == "My_Pkg.Name");
    BOOST_TEST(!find_pypi_file(*t, project_id, wheel->sha256, sdist->file_name));
    BOOST_TEST(!find_pypi_file(*t, project_id + 1, wheel->sha256, wheel->file_name));
    const auto core = pypi_core_metadata_of(*t, wheel->id);
    BOOST_REQUIRE(core);
    BOOST_TEST(core->text == "Metadata-Version: 2.1\nName: My_Pkg.Name\n");
    // sha256 of that text, as `printf 'Metadata-Version: 2.1\nName: My_Pkg.Name\n' | sha256sum`
    BOOST_TEST(core->sha256 == "419a11c97223cd747e6678caeae55be4019f1cdd48208d6d9711371db29e64ae");
    BOOST_TEST(pypi_core_metadata_sha256(*t, wheel->id).value_or("") == core->sha256);
    BOOST_TEST(!pypi_core_metadata_of(*t, sdist->id));
}

BOOST_FIXTURE_TEST_CASE(a_file_name_already_taken_is_a_conflict_and_changes_nothing, pypi_fixture) {
    auto first = upload("pkg", "1.0", "pkg-1.0.tar.gz", ">=3.6");
    BOOST_REQUIRE(first);
    auto again = upload("pkg", "1.0", "pkg-1.0.tar.gz", ">=3.9");
    BOOST_REQUIRE(!again);
    BOOST_TEST(again.error() == make_error_code(errc::conflict));
    {
        auto t = read_txn::begin(*env);
        BOOST_TEST(files_of(*t, first->package_id).size() == 1u);
        BOOST_TEST(pypi_metadata_of(*t, first->package_id)->required_python == ">=3.6");
    }
    // The same file name in another version is another package's file.
    BOOST_TEST(upload("pkg", "1.1", "pkg-1.0.tar.gz", "").has_value());
}

BOOST_FIXTURE_TEST_CASE(the_cleanup_removes_every_entry, pypi_fixture) {
    auto generations = [&] {
        auto t = read_txn::begin(*env);
        return std::make_pair(pypi_generation(*t, project_id, "pkg"),
                              pypi_generation(*t, project_id, ""));
    };
    const auto g0 = generations();
    auto wheel = upload("pkg", "1.0", "pkg-1.0-py3-none-any.whl", "", std::string("M"));
    BOOST_REQUIRE(wheel);
    const auto g1 = generations();
    BOOST_TEST(g1.first > g0.first); // the package page and the index moved on
    BOOST_TEST(g1.second > g0.second);
    BOOST_REQUIRE(upload("other", "1.0", "other-1.0.tar.gz", ""));
    BOOST_TEST(generations().first == g1.first); // another name's page did not
    BOOST_TEST(generations().second > g1.second);
    {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(!destroy_package(*t, wheel->package_id));
        BOOST_REQUIRE(!t->commit());
    }
    const auto g2 = generations();
    BOOST_TEST(g2.first > g1.first); // deleting is a change of the page too
    {
        auto t = read_txn::begin(*env);
        // Pending destruction: still indexed, but no longer found.
        BOOST_TEST(!find_pypi_file(*t, project_id, wheel->sha256, wheel->file_name));
    }
    for (int pass = 0; pass < 4; ++pass) { // files are queued, then deleted with the package
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(collect_garbage(*t, blobs, 100));
        BOOST_REQUIRE(!t->commit());
    }
    auto t = read_txn::begin(*env);
    BOOST_TEST(!find_package(*t, wheel->package_id));
    BOOST_TEST(pypi_packages_of(*t, project_id).size() == 1u); // "other" stays
    BOOST_TEST(!pypi_metadata_of(*t, wheel->package_id));
    BOOST_TEST(!pypi_core_metadata_of(*t, wheel->id));
    cursor c(*t, t->db().pypi_files);
    BOOST_TEST(!c.seek(""));
}

BOOST_AUTO_TEST_SUITE_END()
