// packyard-seed: fills a data folder directly through store/ (batched write transactions, not
// HTTP) so that anyone can rebuild a store of a given shape for benchmarks.

#include "store/crypto.hpp"
#include "store/env.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"
#include "store/pipelines.hpp"
#include "store/upgrade.hpp"

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <vector>

namespace po = boost::program_options;
using namespace packyard;

namespace {

struct options {
    std::string data = "packyard-data";
    std::uint64_t groups = 10;
    std::uint64_t subgroups = 2; // per group, one level down
    std::uint64_t projects = 100;
    std::uint64_t packages = 10000;
    std::uint64_t files = 1;
    std::uint64_t batch = 5000;
    std::uint64_t seed = 42;
    std::uint64_t big_project_packages = 0; // extra packages in project 1 (search scenario)
};

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void check(std::error_code ec, const char* what) {
    if (ec) {
        std::fprintf(stderr, "packyard-seed: %s: %s\n", what, ec.message().c_str());
        std::exit(1);
    }
}

constexpr store::package_type mix[] = {
    store::package_type::generic, store::package_type::generic, store::package_type::generic,
    store::package_type::npm,     store::package_type::maven,   store::package_type::pypi,
    store::package_type::nuget,   store::package_type::conan,   store::package_type::helm,
    store::package_type::golang,
};

const char* words[] = {"alpha",  "beta",   "gamma", "delta", "core", "utils", "web",   "api",
                       "client", "server", "data",  "auth",  "log",  "cache", "queue", "ui"};

} // namespace

int main(int argc, char** argv) {
    options o;
    po::options_description desc("packyard-seed options");
    desc.add_options()("help", "show this help")("data", po::value(&o.data),
                                                 "data folder to fill (created if missing)")(
        "groups", po::value(&o.groups), "top-level groups")("subgroups", po::value(&o.subgroups),
                                                            "subgroups under each top-level group")(
        "projects", po::value(&o.projects), "projects, spread over all groups")(
        "packages", po::value(&o.packages), "packages, spread over all projects")(
        "files-per-package", po::value(&o.files), "files per package")(
        "big-project-packages", po::value(&o.big_project_packages), "extra packages in project 1")(
        "batch", po::value(&o.batch), "packages per write transaction")("seed", po::value(&o.seed),
                                                                        "random seed");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "packyard-seed: " << e.what() << "\n" << desc;
        return 2;
    }
    if (vm.count("help") != 0U) {
        std::cout << desc;
        return 0;
    }
    const auto started = std::chrono::steady_clock::now();
    std::filesystem::create_directories(std::filesystem::path(o.data) / "db");
    std::filesystem::create_directories(std::filesystem::path(o.data) / "blobs");
    std::filesystem::create_directories(std::filesystem::path(o.data) / "tmp");
    store::env_options eo;
    eo.dir = std::filesystem::path(o.data) / "db";
    eo.map_size = 64ULL << 30;
    eo.bulk_load = true; // one fsync at the end instead of one per batch
    auto env = store::environment::open(eo);
    if (!env) {
        std::cerr << "packyard-seed: cannot open store: " << env.error().message() << '\n';
        return 1;
    }
    check(store::upgrade(**env), "upgrade store");
    std::mt19937_64 rng(o.seed);
    const std::int64_t base_time = now_ms() - 365LL * 24 * 3600 * 1000;

    // Identity: root with PACKYARD_ROOT_TOKEN, groups, subgroups, projects.
    std::vector<std::uint64_t> leaf_groups;
    std::vector<std::uint64_t> project_ids;
    {
        auto t = store::write_txn::begin(**env);
        check(t ? std::error_code{} : t.error(), "begin");
        if (!store::find_user(*t, 1)) {
            store::user root;
            root.username = "root";
            root.name = "Administrator";
            root.email = "admin@example.com";
            root.admin = true;
            root.created_at = base_time;
            check(store::create_user(*t, root), "create root");
        }
        if (const char* tok = std::getenv("PACKYARD_ROOT_TOKEN");
            tok != nullptr && *tok != 0 && !store::find_token_by_secret(*t, tok)) {
            store::token pat;
            pat.user_id = 1;
            pat.name = "PACKYARD_ROOT_TOKEN";
            pat.scopes = store::scope_api | store::scope_read_api | store::scope_read_user;
            pat.created_at = base_time;
            check(store::create_token(*t, pat, tok), "create token");
        }
        for (std::uint64_t g = 0; g < o.groups; ++g) {
            store::namespace_row grp;
            grp.name = "Group " + std::to_string(g);
            grp.path = "group-" + std::to_string(g);
            grp.vis = store::visibility::public_;
            grp.created_at = base_time;
            check(store::create_group(*t, grp), "create group");
            leaf_groups.push_back(grp.id);
            for (std::uint64_t s = 0; s < o.subgroups; ++s) {
                store::namespace_row sub;
                sub.name = "Sub " + std::to_string(s);
                sub.path = "sub-" + std::to_string(s);
                sub.parent_id = grp.id;
                sub.vis = store::visibility::public_;
                sub.created_at = base_time;
                check(store::create_group(*t, sub), "create subgroup");
                leaf_groups.push_back(sub.id);
            }
        }
        for (std::uint64_t p = 0; p < o.projects; ++p) {
            store::project pr;
            pr.name = "project-" + std::to_string(p);
            pr.path = pr.name;
            pr.namespace_id = leaf_groups[p % leaf_groups.size()];
            const auto r = rng() % 10;
            pr.vis = r < 7 ? store::visibility::public_
                           : (r < 9 ? store::visibility::internal : store::visibility::private_);
            if (p == 0) {
                pr.vis = store::visibility::public_;
            }
            pr.creator_id = 1;
            pr.created_at = base_time;
            check(store::create_project(*t, pr), "create project");
            project_ids.push_back(pr.id);
        }
        // One pipeline per project for build infos.
        for (auto pid : project_ids) {
            store::pipeline pl;
            pl.project_id = pid;
            pl.sha =
                store::to_hex(std::string(reinterpret_cast<const char*>(&pid), 8)) + "00000000";
            pl.ref = "main";
            pl.status = "success";
            pl.source = "external";
            pl.user_id = 1;
            pl.created_at = base_time;
            pl.updated_at = base_time;
            check(store::save_pipeline(*t, pl), "create pipeline");
        }
        check(t->commit(), "commit identity");
    }
    std::printf("seeded %zu groups, %zu projects\n", leaf_groups.size(), project_ids.size());

    std::vector<store::package_place> places;
    {
        auto r = store::read_txn::begin(**env);
        for (auto pid : project_ids) {
            places.push_back(*store::place_of(*r, pid));
        }
    }
    const std::uint64_t total = o.packages + o.big_project_packages;
    std::uint64_t done = 0;
    std::int64_t clock = base_time;
    while (done < total) {
        auto t = store::write_txn::begin(**env);
        check(t ? std::error_code{} : t.error(), "begin");
        const std::uint64_t end = std::min(total, done + o.batch);
        for (; done < end; ++done) {
            const bool big = done >= o.packages;
            const auto& pl = big ? places.front() : places[(done / 7) % places.size()];
            store::package p;
            // Seven consecutive packages share a name and type (versions of one package); the
            // name's two words and the type follow from the name's number.
            const std::uint64_t name_no = done / 7;
            const std::uint64_t h = (name_no + o.seed) * 0x9E3779B97F4A7C15ULL;
            p.type = mix[(h >> 20) % std::size(mix)];
            p.name = std::string(words[(h >> 40) % std::size(words)]) + "-" +
                     words[(h >> 50) % std::size(words)] + "-" + std::to_string(name_no);
            if (!(p.type == store::package_type::maven && rng() % 10 == 0)) {
                p.version = std::to_string(rng() % 5) + "." + std::to_string(rng() % 20) + "." +
                            std::to_string(rng() % 50);
            }
            const auto s = rng() % 100;
            p.status =
                s < 94 ? store::package_status::default_
                       : (s < 97 ? store::package_status::hidden : store::package_status::error);
            clock += 1 + static_cast<std::int64_t>(rng() % 1000);
            p.created_at = clock;
            p.updated_at = clock;
            p.creator_id = 1;
            check(store::create_package(*t, p, pl), "create package");
            for (std::uint64_t f = 0; f < o.files; ++f) {
                store::package_file file;
                file.package_id = p.id;
                file.project_id = pl.project_id;
                file.file_name = p.name + "-" + std::to_string(f) + ".tgz";
                file.size = 1024 + rng() % 100000;
                const auto hex =
                    store::to_hex(std::string(reinterpret_cast<const char*>(&p.id), 8));
                file.sha256 = std::string(48, '0') + hex.substr(0, 16);
                file.md5 = std::string(32, '0');
                file.sha1 = std::string(40, '0');
                file.created_at = clock;
                file.updated_at = clock;
                check(store::add_file(*t, file), "add file");
            }
            if (rng() % 4 == 0) {
                // Pipeline ids equal project ids: one pipeline was made per project above.
                check(store::add_build_info(*t, p.id, pl.project_id), "build info");
            }
        }
        check(t->commit(), "commit packages");
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::printf("\rpackages %llu/%llu  %.1f s  %.0f/s", static_cast<unsigned long long>(done),
                    static_cast<unsigned long long>(total), secs, static_cast<double>(done) / secs);
        std::fflush(stdout);
    }
    check((*env)->sync(), "sync");
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    MDB_envinfo info{};
    mdb_env_info((*env)->handle(), &info);
    std::printf("\nseeded %llu packages in %.1f s; LMDB uses %.1f MiB\n",
                static_cast<unsigned long long>(total), secs,
                static_cast<double>(info.me_last_pgno + 1) * 4096.0 / (1024.0 * 1024.0));
    return 0;
}
