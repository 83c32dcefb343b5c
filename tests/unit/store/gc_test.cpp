// Removal: rows go in the transaction, bytes only after it is durable and still unreferenced.

#include "store/codec.hpp"
#include "store/gc.hpp"
#include "store/identity.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"
#include "store/upgrade.hpp"
#include "store/writer.hpp"
#include "temp_env.hpp"

#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <sys/file.h>

using namespace packyard::store;

namespace {

struct gc_fixture : testing::temp_env {
    gc_fixture()
        : blobs(dir) {
        project_id = testing::root_with_projects(*env, {"p"}).front();
    }

    /// Uploads content as name/1.0/file through record_upload; returns the blob's sha256.
    std::string upload(write_txn& t, const std::string& name, const std::string& content) {
        auto bytes = blob_upload::create(blobs.tmp_dir());
        BOOST_REQUIRE(bytes);
        BOOST_REQUIRE(!bytes->write(content));
        auto digest = bytes->finish();
        BOOST_REQUIRE(digest);
        upload_record r;
        r.project_id = project_id;
        r.name = name;
        r.version = "1.0";
        r.file_name = "file";
        r.digest = *digest;
        BOOST_REQUIRE(record_upload(t, blobs, *bytes, r));
        return digest->sha256;
    }
    std::string upload(const std::string& name, const std::string& content) {
        auto t = write_txn::begin(*env);
        auto sha = upload(*t, name, content);
        BOOST_REQUIRE(!blobs.sync());
        BOOST_REQUIRE(!t->commit());
        return sha;
    }
    void mark_for_destruction(const std::string& name) {
        auto t = write_txn::begin(*env);
        auto p = find_package_by_version(*t, project_id, package_type::generic, name, "1.0");
        BOOST_REQUIRE(p);
        BOOST_REQUIRE(!mark_package_for_destruction(*t, *p));
        BOOST_REQUIRE(!t->commit());
    }
    /// The package's files queued, then removed, each in a committed transaction.
    void collect() {
        for (int round = 0; round < 2; ++round) {
            auto t = write_txn::begin(*env);
            BOOST_REQUIRE(collect_garbage(*t, blobs, 16));
            BOOST_REQUIRE(!t->commit());
        }
    }
    void unlink_kept() {
        auto t = write_txn::begin(*env);
        unlink_deferred(*t, blobs);
        BOOST_REQUIRE(!t->commit());
    }
    bool on_disk(const std::string& sha) const {
        return std::filesystem::exists(blobs.path_of(sha));
    }

    blob_store blobs;
    std::uint64_t project_id = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(gc)

BOOST_FIXTURE_TEST_CASE(an_aborted_cleanup_keeps_rows_and_bytes, gc_fixture) {
    const auto sha = upload("a", "bytes of a");
    mark_for_destruction("a");
    for (int round = 0; round < 2; ++round) {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(collect_garbage(*t, blobs, 16));
        t->abort();
    }
    BOOST_TEST(on_disk(sha));
    auto r = read_txn::begin(*env);
    BOOST_TEST(blob_refcount(*r, sha) == 1u);
    BOOST_TEST(cleanup_backlog(*r) == 1u);
}

BOOST_FIXTURE_TEST_CASE(bytes_released_and_uploaded_again_in_one_batch_stay, gc_fixture) {
    const auto sha = upload("a", "same bytes");
    mark_for_destruction("a");
    {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(collect_garbage(*t, blobs, 16)); // the package's files are queued
        BOOST_REQUIRE(!t->commit());
    }
    // One batch: the cleanup drops the last reference, an upload of the same bytes takes one.
    writer w(*env);
    w.set_pre_commit([this] { return blobs.sync(); });
    std::promise<void> go;
    auto hold = w.async_run(
        [gate = go.get_future().share()](write_txn&) {
            gate.wait();
            return std::error_code{};
        },
        boost::asio::use_future);
    auto cleanup = w.async_run(
        [this](write_txn& t) -> std::error_code {
            auto n = collect_garbage(t, blobs, 16);
            return n ? std::error_code{} : n.error();
        },
        boost::asio::use_future);
    auto again = w.async_run(
        [this](write_txn& t) -> std::error_code {
            upload(t, "b", "same bytes");
            return {};
        },
        boost::asio::use_future);
    go.set_value();
    BOOST_TEST(!hold.get());
    BOOST_TEST(!cleanup.get());
    BOOST_TEST(!again.get());
    BOOST_TEST(on_disk(sha));
    auto r = read_txn::begin(*env);
    BOOST_TEST(blob_refcount(*r, sha) == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_project_cascade_removes_its_rows_then_its_bytes, gc_fixture) {
    const auto only = upload("a", "only in a");
    const auto shared = upload("b", "shared");
    {
        // Another project keeps a reference to the shared bytes.
        auto t = write_txn::begin(*env);
        project other;
        other.name = other.path = "other";
        other.namespace_id = find_project(*t, project_id)->namespace_id;
        BOOST_REQUIRE(!create_project(*t, other));
        std::swap(project_id, other.id);
        upload(*t, "c", "shared");
        std::swap(project_id, other.id);
        BOOST_REQUIRE(!t->commit());
    }
    {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(!delete_project_cascade(*t, blobs, project_id));
        BOOST_TEST(on_disk(only)); // not before the commit
        BOOST_REQUIRE(!t->commit());
    }
    BOOST_TEST(!on_disk(only));
    BOOST_TEST(on_disk(shared));
    auto r = read_txn::begin(*env);
    BOOST_TEST(!find_project(*r, project_id));
    BOOST_TEST(blob_refcount(*r, only) == 0u);
    BOOST_TEST(blob_refcount(*r, shared) == 1u);
    auto t = write_txn::begin(*env);
    BOOST_TEST((delete_project_cascade(*t, blobs, project_id) == make_error_code(errc::not_found)));
}

BOOST_FIXTURE_TEST_CASE(blob_totals_count_each_blob_once_until_its_last_reference_goes,
                        gc_fixture) {
    auto totals = [this] {
        auto r = read_txn::begin(*env);
        return blob_stats(*r);
    };
    BOOST_TEST(totals().blobs == 0u);
    BOOST_TEST(totals().bytes == 0u);
    upload("a", "12345");
    upload("b", "12345"); // the same bytes: one blob, two references
    upload("c", "1234567");
    BOOST_TEST(totals().blobs == 2u);
    BOOST_TEST(totals().bytes == 12u);
    for (const auto* name : {"a", "c"}) {
        mark_for_destruction(name);
    }
    for (int round = 0; round < 2; ++round) { // packages, then their files
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(collect_garbage(*t, blobs, 16));
        BOOST_REQUIRE(!t->commit());
    }
    BOOST_TEST(totals().blobs == 1u); // "12345" still has b's reference
    BOOST_TEST(totals().bytes == 5u);
    {
        // A layout-5 folder had no counter: the upgrade computes it from the file rows.
        auto t = write_txn::begin(*env);
        upload(*t, "d", "1234567890");
        upload(*t, "e", "1234567890");
        BOOST_REQUIRE(del(*t, t->db().meta, "blob_bytes"));
        value_writer w;
        w.u32(5);
        BOOST_REQUIRE(!put(*t, t->db().meta, "schema_version", w.view()));
        BOOST_REQUIRE(!blobs.sync());
        BOOST_REQUIRE(!t->commit());
    }
    BOOST_TEST(totals().bytes == 0u);
    open();
    BOOST_TEST(env->found_schema_version() == 5U);
    BOOST_REQUIRE(!upgrade(*env));
    BOOST_TEST(totals().blobs == 2u);
    BOOST_TEST(totals().bytes == 15u);
}

BOOST_FIXTURE_TEST_CASE(the_start_up_sweep_removes_what_no_row_references, gc_fixture) {
    const auto kept = upload("a", "referenced");
    const std::string orphan(64, 'b');
    { std::ofstream(blobs.path_of(orphan)) << "renamed, never committed"; }
    { std::ofstream(blobs.tmp_dir() / "upload-1-1-x") << "half an upload"; }
    const auto swept = sweep_leftovers(*env, blobs);
    BOOST_TEST(swept.temps == 1u);
    BOOST_TEST(swept.orphans == 1u);
    BOOST_TEST(on_disk(kept));
    BOOST_TEST(!on_disk(orphan));
}

BOOST_FIXTURE_TEST_CASE(while_a_backup_holds_its_lock_unlinks_wait_for_it, gc_fixture) {
    const auto a = upload("a", "bytes of a");
    const auto b = upload("b", "bytes of b");
    BOOST_TEST(!blobs.backup_running());
    // What `packyard backup` holds from before its snapshot until its last blob is copied.
    unique_fd backup(::open(backup_lock_path(dir).c_str(), O_RDONLY | O_CLOEXEC));
    BOOST_REQUIRE(backup);
    BOOST_REQUIRE(::flock(backup.get(), LOCK_SH) == 0);
    BOOST_TEST(blobs.backup_running());
    mark_for_destruction("a");
    mark_for_destruction("b");
    collect();
    BOOST_TEST(on_disk(a));
    BOOST_TEST(on_disk(b));
    BOOST_TEST(blobs.deferred() == 2u);
    upload("b-again", "bytes of b"); // the same bytes, referenced again
    unlink_kept();                   // still held: nothing goes
    BOOST_TEST(on_disk(a));
    BOOST_TEST(blobs.deferred() == 2u);

    backup.reset();
    BOOST_TEST(!blobs.backup_running());
    unlink_kept();
    BOOST_TEST(!on_disk(a));
    BOOST_TEST(on_disk(b));
    BOOST_TEST(blobs.deferred() == 0u);
    // No backup: an unlink happens at once.
    const auto c = upload("c", "bytes of c");
    mark_for_destruction("c");
    collect();
    BOOST_TEST(!on_disk(c));
    BOOST_TEST(blobs.deferred() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
