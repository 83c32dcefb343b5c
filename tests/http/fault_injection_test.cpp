// Failure at each step of an upload (PACKYARD_FAULTS, store/fault.hpp): the client gets a
// clean 500, nothing of the upload becomes visible or stays behind, and the next request works.
// And a store that cannot grow (its LMDB map full): 507, reads go on, a larger map takes writes.
// A full disk, for real, on a small tmpfs: tests/compat/disk_full_test.py.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
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

BOOST_AUTO_TEST_CASE(a_commit_on_a_full_disk_answers_507_and_takes_its_bytes_back) {
    faulty f("commit_full=4");
    auto r = f.http.put(f.path("pkg/1.0/a.bin"), "first bytes", as_root());
    BOOST_TEST(r.status == 507u);
    BOOST_TEST(r.body == R"({"message":"507 Insufficient Storage"})");
    // Moved into place before the commit, taken out when it failed: a full disk keeps nothing.
    BOOST_TEST(files_in(f.data() / "blobs") == 0u);
    BOOST_TEST(files_in(f.data() / "tmp") == 0u);
    BOOST_TEST(f.http.get(f.path("pkg/1.0/a.bin"), as_root()).status == 404u);
    r = f.http.put(f.path("pkg/1.0/b.bin"), "second bytes", as_root());
    BOOST_TEST(r.status == 201u);
    BOOST_TEST(files_in(f.data() / "blobs") == 1u);
}

BOOST_AUTO_TEST_CASE(a_download_whose_time_cannot_be_recorded_on_a_full_disk_is_served) {
    faulty f("commit_full=5"); // the upload is commit 4, its first download's time commit 5
    BOOST_TEST(f.http.put(f.path("pkg/1.0/a.bin"), "the bytes", as_root()).status == 201u);
    auto r = f.http.get(f.path("pkg/1.0/a.bin"), as_root());
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.body == "the bytes");
}

BOOST_AUTO_TEST_CASE(a_full_map_answers_507_keeps_reads_and_a_larger_map_takes_writes) {
    temp_folder dir;
    const auto data = dir.path() / "data";
    std::string list;
    auto path = [&list](const std::string& name) {
        return list + "/generic/" + name + "/1.0/f.bin";
    };
    std::size_t stored = 0;
    {
        // 384 KiB of map: the store's first pages and a few dozen uploads.
        server_process s(data, root_token, {"--map-size", "393216"});
        http_client c(s.port());
        const auto group = c.post_json("/api/v4/groups", R"({"name":"g","path":"g"})", as_root());
        BOOST_REQUIRE(group.status == 201u);
        const auto project = c.post_json("/api/v4/projects",
                                         R"({"name":"p","namespace_id":)" +
                                             std::to_string(int_field(group.json(), "id")) + "}",
                                         as_root());
        BOOST_REQUIRE(project.status == 201u);
        list = "/api/v4/projects/" + std::to_string(int_field(project.json(), "id")) + "/packages";
        http_response refused;
        for (int i = 0; i < 2000; ++i) {
            auto r = c.put(path("n" + std::to_string(i)), "bytes " + std::to_string(i), as_root());
            if (r.status != 201u) {
                refused = r;
                break;
            }
            ++stored;
        }
        BOOST_TEST_MESSAGE(stored << " uploads fit the map");
        BOOST_TEST(stored > 0u);
        BOOST_TEST(refused.status == 507u);
        BOOST_TEST(refused.body == R"({"message":"507 Insufficient Storage"})");
        BOOST_TEST(s.log().find("the LMDB map is full: restart with a larger --map-size") !=
                   std::string::npos);
        // Nothing of the refused upload stays: no temp file, no blob.
        BOOST_TEST(files_in(data / "tmp") == 0u);
        BOOST_TEST(files_in(data / "blobs") == stored);
        // Reads go on: the list, and a first download (whose time may not fit the map).
        const auto listed = c.get(list + "?per_page=100", as_root()).json();
        BOOST_TEST((listed.IsArray() && listed.Size() == stored));
        BOOST_TEST(c.get(path("n0"), as_root()).body == "bytes 0");
        s.signal(SIGTERM);
        BOOST_TEST(s.wait_exit(10s) == 0);
    }
    server_process again(data, root_token, {"--map-size", "16777216"});
    http_client c(again.port());
    BOOST_TEST(c.put(path("after"), "after", as_root()).status == 201u);
    BOOST_TEST(c.get(path("after"), as_root()).body == "after");
    const auto listed = c.get(list + "?per_page=100", as_root()).json();
    BOOST_TEST((listed.IsArray() && listed.Size() == stored + 1));
}

BOOST_AUTO_TEST_CASE(a_fault_spec_that_does_not_parse_stops_the_start) {
    temp_folder dir;
    BOOST_CHECK_THROW(
        server_process(dir.path() / "data", root_token, {}, {{"PACKYARD_FAULTS", "commit=zero"}}),
        std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
