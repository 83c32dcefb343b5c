#pragma once

// A store written through the operations the handlers use: projects in a group and in a user's
// namespace, generic uploads (some sharing bytes, one from a pipeline), npm publishes with a
// dist-tag, a PyPI wheel with its core metadata, and a package deleted and waiting for the
// cleanup. For the tests of what is derived from rows and of the integrity check.

#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"
#include "store/pipelines.hpp"
#include "temp_env.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

namespace packyard::store::testing {

struct written_store : temp_env {
    written_store()
        : blobs(dir) {
        auto t = write_txn::begin(*env);
        user u;
        u.username = "root";
        u.email = "r@x.io";
        BOOST_REQUIRE(!create_user(*t, u));
        namespace_row g;
        g.name = g.path = "top";
        g.vis = visibility::public_;
        BOOST_REQUIRE(!create_group(*t, g));
        project in_group;
        in_group.name = in_group.path = "p";
        in_group.namespace_id = g.id;
        in_group.vis = visibility::internal;
        BOOST_REQUIRE(!create_project(*t, in_group));
        project personal;
        personal.name = personal.path = "mine";
        personal.namespace_id = u.namespace_id;
        BOOST_REQUIRE(!create_project(*t, personal));
        project_id = in_group.id;
        other_project = personal.id;
        pipeline pl;
        pl.project_id = project_id;
        pl.sha = std::string(40, 'a');
        pl.ref = "main";
        pl.status = "success";
        pl.source = "external";
        BOOST_REQUIRE(!save_pipeline(*t, pl));
        pipeline_id = pl.id;
        BOOST_REQUIRE(!t->commit());

        for (int i = 0; i < 12; ++i) {
            generic(project_id, "lib-" + std::to_string(i % 4), "1." + std::to_string(i),
                    "bytes " + std::to_string(i), i == 3 ? pipeline_id : 0);
        }
        generic(other_project, "lib-0", "1.0", "bytes 0"); // the same bytes in two projects
        tool_file = generic(other_project, "tool", "2.0", "tool bytes");
        npm_package = npm("left-pad", "1.0.0");
        npm("left-pad", "1.1.0");
        pypi_file = pypi("My_Pkg", "1.0");
        maven_file = maven("com/acme/demo/1.0", "com/acme/demo", "1.0", "demo-1.0.jar", false);
        maven("com/acme/demo", "com/acme/demo", "", "maven-metadata.xml", true);
        // A package deleted and waiting for the cleanup.
        auto w = write_txn::begin(*env);
        pending_package =
            find_package_by_version(*w, project_id, package_type::generic, "lib-1", "1.1")->id;
        BOOST_REQUIRE(!destroy_package(*w, pending_package));
        BOOST_REQUIRE(!w->commit());
    }

    blob_digest bytes_of(blob_upload& u, const std::string& content) {
        BOOST_REQUIRE(!u.write(content));
        auto d = u.finish();
        BOOST_REQUIRE(d);
        return *d;
    }

    std::uint64_t generic(std::uint64_t project, const std::string& name,
                          const std::string& version, const std::string& content,
                          std::uint64_t pipeline = 0) {
        auto u = blob_upload::create(blobs.tmp_dir());
        BOOST_REQUIRE(u);
        upload_record r;
        r.project_id = project;
        r.name = name;
        r.version = version;
        r.file_name = name + ".bin";
        r.pipeline_id = pipeline;
        r.now = ++clock;
        r.digest = bytes_of(*u, content);
        auto t = write_txn::begin(*env);
        auto f = record_upload(*t, blobs, *u, r);
        BOOST_REQUIRE(f);
        BOOST_REQUIRE(!blobs.sync());
        BOOST_REQUIRE(!t->commit());
        return f->id;
    }

    std::uint64_t npm(const std::string& name, const std::string& version) {
        auto u = blob_upload::create(blobs.tmp_dir());
        BOOST_REQUIRE(u);
        npm_publish_record r;
        r.upload.project_id = project_id;
        r.upload.type = package_type::npm;
        r.upload.name = name;
        r.upload.version = version;
        r.upload.file_name = name + "-" + version + ".tgz";
        r.upload.now = ++clock;
        r.upload.digest = bytes_of(*u, "tarball " + version);
        r.package_json = R"({"name":")" + name + R"("})";
        r.tag = "latest";
        auto t = write_txn::begin(*env);
        auto p = record_npm_publish(*t, blobs, *u, r);
        BOOST_REQUIRE(p);
        BOOST_REQUIRE(!blobs.sync());
        BOOST_REQUIRE(!t->commit());
        return p->id;
    }

    std::uint64_t pypi(const std::string& name, const std::string& version) {
        auto u = blob_upload::create(blobs.tmp_dir());
        BOOST_REQUIRE(u);
        pypi_upload_record r;
        r.upload.project_id = project_id;
        r.upload.type = package_type::pypi;
        r.upload.name = name;
        r.upload.version = version;
        r.upload.file_name = name + "-" + version + "-py3-none-any.whl";
        r.upload.now = ++clock;
        r.upload.digest = bytes_of(*u, "wheel " + version);
        r.core_metadata = "Metadata-Version: 2.1\nName: " + name + "\n";
        auto t = write_txn::begin(*env);
        auto f = record_pypi_upload(*t, blobs, *u, r);
        BOOST_REQUIRE(f);
        BOOST_REQUIRE(!blobs.sync());
        BOOST_REQUIRE(!t->commit());
        return f->id;
    }

    std::uint64_t maven(const std::string& path, const std::string& name,
                        const std::string& version, const std::string& file_name,
                        bool versionless) {
        auto u = blob_upload::create(blobs.tmp_dir());
        BOOST_REQUIRE(u);
        maven_upload_record r;
        r.path = path;
        r.versionless = versionless;
        r.upload.project_id = project_id;
        r.upload.type = package_type::maven;
        r.upload.name = name;
        r.upload.version = version;
        r.upload.file_name = file_name;
        r.upload.now = ++clock;
        r.upload.digest = bytes_of(*u, "maven " + path + "/" + file_name);
        auto t = write_txn::begin(*env);
        auto f = record_maven_upload(*t, blobs, *u, r);
        BOOST_REQUIRE(f);
        BOOST_REQUIRE(!blobs.sync());
        BOOST_REQUIRE(!t->commit());
        return f->id;
    }

    /// Some key of a table under prefix (the first).
    std::string first_key(MDB_dbi dbis::*dbi, std::string_view prefix = {}) {
        auto t = read_txn::begin(*env);
        cursor c(*t, t->db().*dbi);
        BOOST_REQUIRE(prefix.empty() ? c.first() : c.seek(prefix));
        return std::string(c.key());
    }
    std::string value_of(MDB_dbi dbis::*dbi, const std::string& key) {
        auto t = read_txn::begin(*env);
        auto v = get(*t, t->db().*dbi, key);
        BOOST_REQUIRE(v);
        return std::string(*v);
    }
    std::string blob_of(std::uint64_t file_id) {
        auto t = read_txn::begin(*env);
        return find_file(*t, file_id)->sha256;
    }

    blob_store blobs;
    std::uint64_t project_id = 0;
    std::uint64_t other_project = 0;
    std::uint64_t pipeline_id = 0;
    std::uint64_t npm_package = 0;
    std::uint64_t pypi_file = 0;
    std::uint64_t maven_file = 0;
    std::uint64_t tool_file = 0;
    std::uint64_t pending_package = 0;
    std::int64_t clock = 1000;
};

inline std::string u64_value(std::uint64_t n) {
    value_writer w;
    w.u64(n);
    return w.take();
}

} // namespace packyard::store::testing
