// Failure at each step of an upload (PACKYARD_FAULTS, store/fault.hpp): the client gets a
// clean 500, nothing of the upload becomes visible or stays behind, and the next request works.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <thread>

using namespace packyard::testing;
using namespace std::chrono_literals;

namespace {

std::size_t files_in(const std::filesystem::path& dir) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        n += e.is_regular_file() ? 1U : 0U;
    }
    return n;
}

/// A server whose faults are armed: commit 1 is the root user's, 2 the group's, 3 the
/// project's, so the first upload's batch is commit 4.
struct faulty : server_fixture {
    explicit faulty(const std::string& faults)
        : server_fixture({}, {{"PACKYARD_FAULTS", faults}}) {
        group = create_group("g", "public");
        project = create_project("p", group, "public");
    }
    std::string path(const std::string& rest) const {
        return "/api/v4/projects/" + std::to_string(project) + "/packages/generic/" + rest;
    }
    std::filesystem::path data() const { return dir.path() / "data"; }
    /// The first upload fails cleanly and leaves nothing; the second works.
    void first_upload_fails_then_all_is_well() {
        auto r = http.put(path("pkg/1.0/a.bin"), "first bytes", as_root());
        BOOST_TEST(r.status == 500u);
        BOOST_TEST(r.body == R"({"message":"500 Internal Server Error"})");
        BOOST_TEST(http.get(path("pkg/1.0/a.bin"), as_root()).status == 404u);
        const auto list =
            http.get("/api/v4/projects/" + std::to_string(project) + "/packages", as_root());
        BOOST_TEST(list.body == "[]");
        BOOST_TEST(files_in(data() / "tmp") == 0u);
        r = http.put(path("pkg/1.0/b.bin"), "second bytes", as_root());
        BOOST_TEST(r.status == 201u);
        BOOST_TEST(http.get(path("pkg/1.0/b.bin"), as_root()).body == "second bytes");
    }
    std::uint64_t group = 0;
    std::uint64_t project = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(fault_injection)

BOOST_AUTO_TEST_CASE(a_failed_blob_write) {
    faulty f("blob_write=1");
    f.first_upload_fails_then_all_is_well();
    BOOST_TEST(files_in(f.data() / "blobs") == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_fsync) {
    faulty f("blob_fsync=1");
    f.first_upload_fails_then_all_is_well();
    BOOST_TEST(files_in(f.data() / "blobs") == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_rename_into_the_blob_folder) {
    faulty f("blob_link=1");
    f.first_upload_fails_then_all_is_well();
    BOOST_TEST(files_in(f.data() / "blobs") == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_commit_takes_back_the_bytes_it_moved_into_place) {
    temp_folder dir;
    {
        faulty f("commit=4");
        // The first upload's bytes were moved into place before the commit failed, and removed
        // when it did (a commit that failed on a full disk must not keep their space).
        f.first_upload_fails_then_all_is_well();
        BOOST_TEST(files_in(f.data() / "blobs") == 1u);
        std::filesystem::rename(f.data(), dir.path() / "data");
    }
    server_process again(dir.path() / "data", root_token);
    BOOST_TEST(files_in(dir.path() / "data" / "blobs") == 1u);
    BOOST_TEST(again.log().find("unreferenced blob") == std::string::npos); // nothing to sweep
    http_client c(again.port());
    BOOST_TEST(c.get("/api/v4/projects/1/packages/generic/pkg/1.0/b.bin", as_root()).body ==
               "second bytes");
}

BOOST_AUTO_TEST_CASE(a_fault_spec_that_does_not_parse_stops_the_start) {
    temp_folder dir;
    BOOST_CHECK_THROW(
        server_process(dir.path() / "data", root_token, {}, {{"PACKYARD_FAULTS", "commit=zero"}}),
        std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
