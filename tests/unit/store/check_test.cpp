// The integrity check and its repair: a store written through the operations the handlers use
// (generic, npm and PyPI uploads, a pipeline, a deleted package waiting for the cleanup) is
// clean; each way of damaging it (an index entry removed, added or changed, a counter skewed,
// a blob removed, changed or left over, a temp file, a queue entry lost) is found by exactly
// the check that owns it, and the repair puts right all but what only the bytes could.

#include "store/check.hpp"
#include "store/check_detail.hpp"
#include "store/codec.hpp"
#include "store/derived.hpp"
#include "store/identity.hpp"
#include "store/npm.hpp"
#include "store/operations.hpp"
#include "store/package_keys.hpp"
#include "store/packages.hpp"
#include "store/pipelines.hpp"
#include "written_store.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <map>

using namespace packyard::store;

namespace {

struct world : testing::written_store {
    check_report check(bool hashes = true, bool server_running = false) {
        check_options o;
        o.hashes = hashes;
        o.server_running = server_running;
        o.settle = std::chrono::milliseconds(0);
        return check_store(*env, blobs, o);
    }

    /// The checks that found something, and how much: "name:n name:n", by name.
    static std::string findings(const check_report& r) {
        std::map<std::string, std::uint64_t> found;
        for (const auto& c : r.results) {
            if (c.problems > 0) {
                found[c.name] = c.problems;
            }
        }
        std::string out;
        for (const auto& [name, n] : found) {
            out += (out.empty() ? "" : " ") + name + ":" + std::to_string(n);
        }
        return out;
    }

    /// Runs a raw change in one write transaction (the damage under test).
    template <class F>
    void damage(F&& f) {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(t);
        f(*t);
        BOOST_REQUIRE(!t->commit());
    }

    /// Checks, expects exactly `found`, repairs, and expects exactly `left`.
    void expect(const std::string& found, const std::string& left = "") {
        const auto before = check();
        BOOST_TEST(findings(before) == found);
        auto repaired = repair_store(*env, blobs, before);
        BOOST_REQUIRE(repaired);
        last_repair = *repaired;
        BOOST_TEST(findings(check()) == left);
    }

    repair_report last_repair;
};

using testing::u64_value;

} // namespace

BOOST_AUTO_TEST_SUITE(integrity_check)

BOOST_FIXTURE_TEST_CASE(a_store_written_by_the_operations_is_clean, world) {
    const auto r = check();
    BOOST_TEST(findings(r) == "");
    for (const auto* name : {"packages",
                             "package_files",
                             "package_order",
                             "package_versions",
                             "package_counts",
                             "package_classes",
                             "package_names",
                             "files_by_package",
                             "blob_refs",
                             "npm_names",
                             "package_tags",
                             "pypi_names",
                             "pypi_files",
                             "pipelines_by_project",
                             "build_infos_by_pipeline",
                             "npm_metadata",
                             "tags_by_package",
                             "pypi_metadata",
                             "pypi_core_metadata",
                             "build_infos",
                             "file_build_infos",
                             "cleanup",
                             "blobs_present",
                             "blob_sizes",
                             "blob_hashes",
                             "orphan_blobs"}) {
        const auto* c = r.find(name);
        BOOST_REQUIRE_MESSAGE(c != nullptr, name);
        BOOST_TEST(c->checked > 0u, name << " looked at something");
    }
    // A repair of a clean store changes nothing.
    auto repaired = repair_store(*env, blobs, r);
    BOOST_REQUIRE(repaired);
    BOOST_TEST(repaired->rebuilt.empty());
    BOOST_TEST(repaired->orphans_removed == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_missing_index_entry_is_found_and_rebuilt, world) {
    const auto key = first_key(&dbis::package_order,
                               keys::order_prefix(list_scope::group, 0, list_order::created_at));
    const auto value = value_of(&dbis::package_order, key);
    damage([&](write_txn& t) { BOOST_REQUIRE(*del(t, t.db().package_order, key)); });
    expect("package_order:1");
    BOOST_TEST(value_of(&dbis::package_order, key) == value);
    BOOST_REQUIRE(last_repair.rebuilt.size() == 1u);
    BOOST_TEST(last_repair.rebuilt[0].name == "package_order");
}

BOOST_FIXTURE_TEST_CASE(a_bogus_index_entry_and_a_wrong_value_are_found, world) {
    const auto key = first_key(&dbis::package_order);
    auto bogus = key;
    bogus.back() = static_cast<char>(bogus.back() + 100); // another package id
    damage([&](write_txn& t) {
        BOOST_REQUIRE(!put(t, t.db().package_order, bogus, "summary"));
        BOOST_REQUIRE(!put(t, t.db().package_order, key, "stale"));
    });
    expect("package_order:2");
}

BOOST_FIXTURE_TEST_CASE(many_missing_entries_are_counted_exactly, world) {
    // Every entry of the project's scope: the narrowing must find each, in every bucket.
    std::uint64_t removed = 0;
    damage([&](write_txn& t) {
        key_builder k;
        k.u8(static_cast<std::uint8_t>(list_scope::project)).u64(project_id);
        std::vector<std::string> gone;
        {
            cursor c(t, t.db().package_order);
            for (bool ok = c.seek(k.str()); ok && has_prefix(c.key(), k.str()); ok = c.next()) {
                gone.emplace_back(c.key());
            }
        }
        for (const auto& g : gone) {
            BOOST_REQUIRE(*del(t, t.db().package_order, g));
        }
        removed = gone.size();
    });
    BOOST_TEST(removed > 100u);
    expect("package_order:" + std::to_string(removed));
}

BOOST_FIXTURE_TEST_CASE(skewed_counters_are_found_and_recounted, world) {
    const auto count = first_key(&dbis::package_counts);
    const auto good = value_of(&dbis::package_counts, count);
    // The first class counter (after the scope's list generation, which no row implies).
    std::string cls;
    {
        auto t = read_txn::begin(*env);
        cursor c(*t, t->db().package_classes);
        for (bool ok = c.first(); ok && cls.empty(); ok = c.next()) {
            if (c.key().size() == 13) {
                cls = std::string(c.key());
            }
        }
    }
    const auto generation = keys::generation_key(list_scope::project, project_id);
    damage([&](write_txn& t) {
        BOOST_REQUIRE(!put(t, t.db().package_counts, count, u64_value(1000)));
        BOOST_REQUIRE(!put(t, t.db().package_classes, cls, u64_value(1000)));
        // A list generation is no counter: moving it is no finding.
        BOOST_REQUIRE(!put(t, t.db().package_classes, generation, u64_value(77)));
    });
    expect("package_classes:1 package_counts:1");
    BOOST_TEST(value_of(&dbis::package_counts, count) == good);
    BOOST_TEST(value_of(&dbis::package_classes, generation) == u64_value(77));
}

BOOST_FIXTURE_TEST_CASE(every_lookup_table_is_held_to_its_rows, world) {
    damage([&](write_txn& t) {
        const auto& db = t.db();
        for (auto dbi : {&dbis::package_versions, &dbis::package_names, &dbis::files_by_package,
                         &dbis::package_tags, &dbis::pypi_names, &dbis::pypi_files,
                         &dbis::pipelines_by_project, &dbis::build_infos_by_pipeline}) {
            cursor c(t, db.*dbi);
            BOOST_REQUIRE(c.last());
            BOOST_REQUIRE(!c.del_current());
        }
        // One more reference than there are rows.
        cursor c(t, db.blob_refs);
        BOOST_REQUIRE(c.first());
        const std::string sha(c.key());
        BOOST_REQUIRE(!put(t, db.blob_refs, sha, u64_value(blob_refcount(t, sha) + 1)));
    });
    expect("blob_refs:1 build_infos_by_pipeline:1 files_by_package:1 package_names:1 "
           "package_tags:1 package_versions:1 pipelines_by_project:1 pypi_files:1 pypi_names:1");
}

BOOST_FIXTURE_TEST_CASE(npm_names_hold_the_last_installable_package_not_a_generation, world) {
    std::string key;
    damage([&](write_txn& t) {
        cursor c(t, t.db().npm_names);
        BOOST_REQUIRE(c.first());
        key = std::string(c.key());
        value_writer w;
        w.u8(1).u64(424242).u64(npm_package); // an older version than the last one
        BOOST_REQUIRE(!put(t, t.db().npm_names, key, w.view()));
    });
    expect("npm_names:1");
    const auto repaired = value_of(&dbis::npm_names, key);
    value_reader r(repaired);
    r.u8();
    BOOST_TEST(r.u64() != 424242u); // a new generation
    BOOST_TEST(r.u64() > npm_package);
    // A generation alone moved is no finding.
    damage([&](write_txn& t) {
        const auto current = value_of(&dbis::npm_names, key);
        value_reader old(current);
        old.u8();
        old.u64();
        value_writer w;
        w.u8(1).u64(999).u64(old.u64());
        BOOST_REQUIRE(!put(t, t.db().npm_names, key, w.view()));
    });
    BOOST_TEST(findings(check()) == "");
}

BOOST_FIXTURE_TEST_CASE(metadata_of_rows_that_are_gone_is_found_and_removed, world) {
    damage([&](write_txn& t) {
        BOOST_REQUIRE(!put_npm_metadata(t, 999999, "{}"));
        // A build info whose pipeline is gone: as a pipeline delete leaves it, pipeline 0.
        cursor c(t, t.db().build_infos);
        BOOST_REQUIRE(c.first());
        const std::string key(c.key());
        BOOST_REQUIRE(!put(t, t.db().build_infos, key, u64_key(pipeline_id + 50)));
        BOOST_REQUIRE(!put(t, t.db().file_build_infos, u64_pair_key(999999, pipeline_id), {}));
    });
    // The pipeline index follows the build info: the entry of the old pipeline is not implied,
    // the one of the new is missing.
    expect("build_infos:1 build_infos_by_pipeline:2 file_build_infos:1 npm_metadata:1");
    BOOST_TEST(last_repair.entries_removed == 3u);
}

BOOST_FIXTURE_TEST_CASE(the_cleanup_queue_holds_every_row_pending_destruction, world) {
    damage([&](write_txn& t) {
        BOOST_REQUIRE(*del(t, t.db().cleanup,
                           keys::cleanup_key(keys::cleanup_kind::package, pending_package)));
        // A live file queued: the cleanup would delete it.
        BOOST_REQUIRE(
            !put(t, t.db().cleanup, keys::cleanup_key(keys::cleanup_kind::file, pypi_file), {}));
    });
    expect("cleanup:2");
    BOOST_TEST(last_repair.queued == 1u);
    BOOST_TEST(last_repair.unqueued == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_file_row_naming_no_blob_is_a_finding_of_its_own, world) {
    damage([&](write_txn& t) {
        auto f = find_file(t, pypi_file);
        f->sha256 = "not a sha-256";
        BOOST_REQUIRE(!put(t, t.db().package_files, u64_key(f->id), encode(*f)));
    });
    // The row's own finding; the tables derived from its SHA-256 follow it (the old value's
    // entries are no longer implied, the new one's are missing), its blob is now an orphan,
    // and what is kept for the file (its core metadata) still has its row.
    expect("blob_refs:2 orphan_blobs:1 package_files:1 pypi_files:2", "package_files:1");
}

BOOST_FIXTURE_TEST_CASE(a_missing_blob_is_named_and_cannot_be_repaired, world) {
    const auto sha = blob_of(pypi_file);
    std::filesystem::remove(blobs.path_of(sha));
    expect("blobs_present:1", "blobs_present:1");
    const auto r = check();
    const auto& e = r.find("blobs_present")->examples;
    BOOST_REQUIRE(e.size() == 1u);
    BOOST_TEST(e[0].find("'My_Pkg-1.0-py3-none-any.whl'") != std::string::npos, e[0]);
    BOOST_TEST(e[0].find("'My_Pkg' 1.0") != std::string::npos, e[0]);
    BOOST_TEST(e[0].find(sha + " is missing") != std::string::npos, e[0]);
}

BOOST_FIXTURE_TEST_CASE(a_blob_shared_by_two_rows_counts_for_each, world) {
    // "bytes 0" is the blob of lib-0 1.0 in two projects.
    std::string sha;
    {
        auto t = read_txn::begin(*env);
        auto p = find_package_by_version(*t, other_project, package_type::generic, "lib-0", "1.0");
        sha = files_of(*t, p->id).front().sha256;
        BOOST_TEST(blob_refcount(*t, sha) == 2u);
    }
    std::filesystem::remove(blobs.path_of(sha));
    BOOST_TEST(findings(check()) == "blobs_present:2");
}

BOOST_FIXTURE_TEST_CASE(changed_bytes_are_found_by_their_hash_or_their_size, world) {
    const auto flipped = blob_of(pypi_file);
    {
        std::fstream f(blobs.path_of(flipped), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(2);
        f.put('X');
    }
    {
        std::ofstream f(blobs.path_of(blob_of(tool_file)), std::ios::app | std::ios::binary);
        f << "more";
    }
    expect("blob_hashes:1 blob_sizes:1", "blob_hashes:1 blob_sizes:1");
    // Without hashes, only the size shows.
    const auto quick = check(false);
    BOOST_TEST(findings(quick) == "blob_sizes:1");
    BOOST_TEST(quick.find("blob_hashes")->checked == 0u);
}

BOOST_FIXTURE_TEST_CASE(orphans_temp_files_and_strays_are_found, world) {
    const std::string orphan(64, 'e');
    std::ofstream(blobs.path_of(orphan)) << "nobody's";
    std::ofstream(blobs.tmp_dir() / "upload-1-2-abc") << "half";
    std::ofstream(blobs.blobs_dir() / "README") << "not a blob";
    // Beside a running server, a temp file is an upload in progress.
    BOOST_TEST(findings(check(true, true)) == "blob_folder:1 orphan_blobs:1");
    expect("blob_folder:1 orphan_blobs:1 temp_files:1", "blob_folder:1");
    BOOST_TEST(!std::filesystem::exists(blobs.path_of(orphan)));
    BOOST_TEST(last_repair.orphans_removed == 1u);
    BOOST_TEST(last_repair.temps_removed == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_row_committed_after_the_snapshot_is_no_orphan, world) {
    // Beside a server, the blob of an upload committed after the metadata snapshot is listed
    // with no row in that snapshot: the confirmation in a fresh one clears it. Simulated by a
    // blob whose reference exists while no file row names it.
    const std::string sha(64, 'f');
    std::ofstream(blobs.path_of(sha)) << "late";
    damage([&](write_txn& t) { BOOST_REQUIRE(!put(t, t.db().blob_refs, sha, u64_value(1))); });
    const auto running = check(true, true);
    BOOST_TEST(running.find("orphan_blobs")->problems == 0u);
    BOOST_TEST(running.find("blob_refs")->problems == 1u); // the reference no row holds
    BOOST_TEST(check(true, false).find("orphan_blobs")->problems == 1u);
}

BOOST_AUTO_TEST_CASE(keys_are_described_in_words) {
    package p;
    p.id = 12;
    p.project_id = 3;
    p.type = package_type::generic;
    p.name = "lib";
    p.version = "1.0";
    BOOST_TEST(check_detail::printable_key(keys::versions_key(p)) == "3.\\x07lib.1.0.12");
    key_builder npm;
    npm.str0("left-pad").u64(522); // npm_names: name\0 · project id
    BOOST_TEST(check_detail::printable_key(npm.str()) == "left-pad.522");
}

BOOST_AUTO_TEST_SUITE_END()
