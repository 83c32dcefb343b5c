// Backup and restore: one snapshot and exactly its blobs, a blob deleted after the snapshot kept
// until the backup has copied it, and a restore that refuses anything unfinished or damaged.

#include "store/backup.hpp"
#include "store/backup_manifest.hpp"
#include "store/gc.hpp"
#include "store/identity.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

using namespace packyard::store;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_all(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        out.insert(e.path().filename().string());
    }
    return out;
}

/// A data folder laid out as the server keeps it (DATA/db, DATA/blobs), with one project, and
/// a scratch folder for backups and restores.
struct backup_fixture {
    backup_fixture() {
        std::random_device rd;
        root = fs::temp_directory_path() /
               ("packyard-backup-test-" + std::to_string(rd()) + std::to_string(rd()));
        data = root / "data";
        open();
        blobs.emplace(data);
        auto t = write_txn::begin(*env);
        user u;
        u.username = "root";
        u.email = "r@x.io";
        BOOST_REQUIRE(!create_user(*t, u));
        project p;
        p.name = p.path = "p";
        p.namespace_id = u.namespace_id;
        BOOST_REQUIRE(!create_project(*t, p));
        project_id = p.id;
        BOOST_REQUIRE(!t->commit());
    }
    ~backup_fixture() {
        blobs.reset();
        env.reset();
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    void open() {
        env_options o;
        o.dir = data / "db";
        o.map_size = 1ULL << 30;
        auto e = environment::open(o);
        BOOST_REQUIRE(e);
        env = std::move(*e);
    }

    std::string upload(const std::string& name, const std::string& content) {
        auto t = write_txn::begin(*env);
        auto bytes = blob_upload::create(blobs->tmp_dir());
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
        BOOST_REQUIRE(record_upload(*t, *blobs, *bytes, r));
        BOOST_REQUIRE(!blobs->sync());
        BOOST_REQUIRE(!t->commit());
        return digest->sha256;
    }
    /// A package delete and the cleanup after it, each committed: the blob's last reference
    /// goes and its unlink is asked for.
    void remove(const std::string& name) {
        {
            auto t = write_txn::begin(*env);
            auto p = find_package_by_version(*t, project_id, package_type::generic, name, "1.0");
            BOOST_REQUIRE(p);
            BOOST_REQUIRE(!mark_package_for_destruction(*t, *p));
            BOOST_REQUIRE(!t->commit());
        }
        for (int round = 0; round < 2; ++round) { // the package queues its files, then they go
            auto t = write_txn::begin(*env);
            BOOST_REQUIRE(collect_garbage(*t, *blobs, 16));
            BOOST_REQUIRE(!t->commit());
        }
    }
    bool on_disk(const std::string& sha) const { return fs::exists(data / "blobs" / sha); }

    copy_outcome back_up(const fs::path& to, std::function<void()> after_snapshot = {}) {
        backup_options o;
        o.data_dir = data;
        o.to = to;
        o.packyard_version = "test";
        o.after_snapshot = std::move(after_snapshot);
        return backup(o);
    }
    copy_outcome restore_into(const fs::path& from, const fs::path& into) {
        restore_options o;
        o.from = from;
        o.data_dir = into;
        return restore(o);
    }

    fs::path root;
    fs::path data;
    std::unique_ptr<environment> env;
    std::optional<blob_store> blobs;
    std::uint64_t project_id = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(backup_restore)

BOOST_FIXTURE_TEST_CASE(a_backup_holds_one_snapshot_and_exactly_its_blobs, backup_fixture) {
    const auto a = upload("a", "bytes of a");
    const auto b = upload("b", "bytes of b");
    const auto gone = upload("gone", "bytes deleted before the backup");
    remove("gone");
    BOOST_REQUIRE(!on_disk(gone));
    write_all(data / "blobs" / std::string(64, 'e'), "an orphan no row references");

    const auto to = root / "backup";
    const auto r = back_up(to);
    BOOST_TEST_REQUIRE(r.message == "");
    BOOST_TEST(r.blobs == 2u);
    BOOST_TEST(r.blob_bytes == 20u);
    BOOST_TEST(r.schema == schema_version);
    BOOST_TEST(names_in(to) == (std::set<std::string>{"blobs", "db", "manifest"}));
    BOOST_TEST(names_in(to / "blobs") == (std::set<std::string>{a, b}));
    BOOST_TEST(names_in(to / "db") == std::set<std::string>{"data.mdb"}); // no lock file
    BOOST_TEST(read_all(to / "blobs" / a) == "bytes of a");
    const auto manifest = read_all(to / "manifest");
    BOOST_TEST(manifest.find("packyard-backup 1\npackyard test\nschema " +
                             std::to_string(schema_version) + "\ncreated ") == 0u);
    BOOST_TEST(manifest.find("\nblob " + std::min(a, b) + " 10\nblob " + std::max(a, b) +
                             " 10\nblobs 2 20\nend\n") != std::string::npos);

    const auto restored = root / "restored";
    const auto back = restore_into(to, restored);
    BOOST_TEST_REQUIRE(back.message == "");
    BOOST_TEST(back.blobs == 2u);
    BOOST_TEST(names_in(restored) == (std::set<std::string>{"blobs", "db"}));
    BOOST_TEST(read_all(restored / "blobs" / b) == "bytes of b");
    env_options o;
    o.dir = restored / "db";
    o.map_size = 1ULL << 30;
    auto e = environment::open(o);
    BOOST_REQUIRE(e);
    auto t = read_txn::begin(**e);
    BOOST_TEST(
        find_package_by_version(*t, project_id, package_type::generic, "a", "1.0").has_value());
    BOOST_TEST(
        !find_package_by_version(*t, project_id, package_type::generic, "gone", "1.0").has_value());
    BOOST_TEST(blob_refcount(*t, a) == 1u);
    BOOST_TEST(blob_refcount(*t, gone) == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_blob_deleted_after_the_snapshot_stays_until_the_backup_copied_it,
                        backup_fixture) {
    const auto a = upload("a", "deleted during the backup");
    const auto b = upload("b", "deleted, then uploaded again during the backup");
    const auto to = root / "backup";
    const auto r = back_up(to, [&] {
        // The snapshot is taken: both deletes commit and their unlinks are asked for now.
        remove("a");
        remove("b");
        BOOST_TEST(on_disk(a));
        BOOST_TEST(on_disk(b));
        BOOST_TEST(blobs->deferred() == 2u);
        BOOST_TEST(blobs->backup_running());
        upload("b-again", "deleted, then uploaded again during the backup");
    });
    BOOST_TEST_REQUIRE(r.message == "");
    BOOST_TEST(names_in(to / "blobs") == (std::set<std::string>{a, b}));
    BOOST_TEST(read_all(to / "blobs" / a) == "deleted during the backup");
    BOOST_TEST(!blobs->backup_running());

    // The server's cleanup loop, once the backup is done: the unreferenced file goes, the one
    // uploaded again stays.
    auto t = write_txn::begin(*env);
    unlink_deferred(*t, *blobs);
    BOOST_REQUIRE(!t->commit());
    BOOST_TEST(!on_disk(a));
    BOOST_TEST(on_disk(b));
    BOOST_TEST(blobs->deferred() == 0u);
}

BOOST_FIXTURE_TEST_CASE(folders_that_hold_something_are_refused_and_left_alone, backup_fixture) {
    upload("a", "bytes");
    const auto busy = root / "busy";
    fs::create_directories(busy);
    write_all(busy / "keep", "mine");
    auto r = back_up(busy);
    BOOST_TEST((r.status == copy_status::refused));
    BOOST_TEST(r.message == busy.string() + " is not empty: back up into a new or empty folder");
    BOOST_TEST(names_in(busy) == std::set<std::string>{"keep"});

    r = back_up(root / "nothing-here", {});
    BOOST_TEST(r.message == "");
    const auto empty = root / "empty";
    fs::create_directories(empty);
    r = restore_into(root / "nothing-here", busy);
    BOOST_TEST((r.status == copy_status::refused));
    BOOST_TEST(names_in(busy) == std::set<std::string>{"keep"});
    r = restore_into(root / "nothing-here", data); // a live store is never replaced
    BOOST_TEST((r.status == copy_status::refused));
    r = restore_into(empty, root / "x"); // an empty folder is no backup
    BOOST_TEST((r.status == copy_status::refused));
    BOOST_TEST(!fs::exists(root / "x"));

    backup_options o;
    o.data_dir = root / "no-store";
    o.to = root / "y";
    r = backup(o);
    BOOST_TEST((r.status == copy_status::refused));
    BOOST_TEST(!fs::exists(root / "y"));
}

BOOST_FIXTURE_TEST_CASE(an_unfinished_or_damaged_backup_is_refused, backup_fixture) {
    const auto a = upload("a", "bytes of a");
    const auto b = upload("b", "bytes of b");
    const auto good = root / "good";
    BOOST_REQUIRE(back_up(good).message.empty());
    const auto manifest = read_all(good / "manifest");

    // Each damage on a fresh copy of the good backup; the restore refuses it and leaves no
    // data folder behind.
    const std::vector<std::pair<std::string, std::function<void(const fs::path&)>>> damages = {
        {"no manifest", [](const fs::path& d) { fs::remove(d / "manifest"); }},
        {"a manifest cut short",
         [&](const fs::path& d) {
             write_all(d / "manifest", manifest.substr(0, manifest.size() - 4));
         }},
        {"a manifest line lost",
         [&](const fs::path& d) {
             auto m = manifest;
             const auto at = m.find("\nblob ");
             m.erase(at, m.find('\n', at + 1) - at);
             write_all(d / "manifest", m);
         }},
        {"a blob changed", [&](const fs::path& d) { write_all(d / "blobs" / a, "bytes of A"); }},
        {"a blob cut short", [&](const fs::path& d) { write_all(d / "blobs" / b, "bytes"); }},
        {"a blob missing", [&](const fs::path& d) { fs::remove(d / "blobs" / b); }},
        {"data.mdb cut short",
         [](const fs::path& d) { fs::resize_file(d / "db" / "data.mdb", 8192); }},
        {"data.mdb missing", [](const fs::path& d) { fs::remove(d / "db" / "data.mdb"); }},
        {"another format",
         [&](const fs::path& d) {
             write_all(d / "manifest", "packyard-backup 2" + manifest.substr(manifest.find('\n')));
         }},
    };
    for (const auto& [what, damage] : damages) {
        BOOST_TEST_CONTEXT(what) {
            const auto copy = root / "damaged";
            fs::remove_all(copy);
            fs::copy(good, copy, fs::copy_options::recursive);
            damage(copy);
            const auto into = root / "restored";
            const auto r = restore_into(copy, into);
            BOOST_TEST((r.status == copy_status::damaged));
            BOOST_TEST(r.message.find(copy.string() + " is refused: ") == 0u, r.message);
            BOOST_TEST(!fs::exists(into));
        }
    }
    // An empty data folder given by the operator stays, empty.
    const auto empty = root / "empty";
    fs::create_directories(empty);
    fs::remove(good / "blobs" / a);
    BOOST_TEST((restore_into(good, empty).status == copy_status::damaged));
    BOOST_TEST(fs::is_empty(empty));
}

BOOST_AUTO_TEST_SUITE_END()
