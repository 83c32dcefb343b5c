// packyard: command line -> config -> store, routing, server -> run.

#include "routing/app.hpp"
#include "routing/limits.hpp"
#include "routing/metrics.hpp"
#include "server/backup_command.hpp"
#include "server/blob_options.hpp"
#include "server/bootstrap.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "store/blobs.hpp"
#include "store/data_lock.hpp"
#include "store/env.hpp"
#include "store/error.hpp"
#include "store/fault.hpp"
#include "store/gc.hpp"
#include "store/log.hpp"
#include "store/upgrade.hpp"
#include "store/writer.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <sys/resource.h>

#ifndef PACKYARD_VERSION
#define PACKYARD_VERSION "0.0.0"
#endif

namespace {

using namespace packyard;

/// Raises the open-file limit to its hard limit (a connection is a descriptor) and keeps
/// --max-connections within it, leaving room for the store, the files of uploads and downloads
/// in progress, and connections accepted only to be refused. Should files still run out, an
/// upload answers 500 and a download 503, and accept() backs off: nothing crashes.
void fit_connections_to_descriptors(server::config& cfg) {
    constexpr std::size_t reserve = limits::reserved_descriptors;
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return;
    }
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            lim = raised;
        }
    }
    if (lim.rlim_cur == RLIM_INFINITY) {
        return;
    }
    const auto room = static_cast<std::size_t>(lim.rlim_cur);
    const std::size_t fits = room > reserve * 2 ? room - reserve : room / 2;
    if (cfg.max_connections > fits) {
        log::message("--max-connections lowered from " + std::to_string(cfg.max_connections) +
                     " to " + std::to_string(fits) + " (open-file limit " + std::to_string(room) +
                     ")");
        cfg.max_connections = std::max<std::size_t>(1, fits);
    }
}

int serve(server::config cfg) {
    log::set_format(cfg.log);
    if (!store::fault::arm_from_environment()) {
        log::message("PACKYARD_FAULTS does not parse; expected name=N[,name=N]");
        return 2;
    }
    fit_connections_to_descriptors(cfg);
    // Downloads go out with sendfile(2), which has no MSG_NOSIGNAL: a client that drops the
    // connection mid-file would raise SIGPIPE and end the process. The failed call returns EPIPE
    // instead once the signal is ignored (nginx and Redis do the same at start-up).
    std::signal(SIGPIPE, SIG_IGN);
    std::error_code fs_ec;
    for (const auto* sub : {"db", "blobs", "tmp"}) {
        std::filesystem::create_directories(cfg.data_dir / sub, fs_ec);
        if (fs_ec) {
            log::error("cannot create " + (cfg.data_dir / sub).string(), fs_ec);
            return 1;
        }
    }
    // One server per data folder: a second one's start-up sweep would delete the first one's
    // uploads in progress, and `packyard check --repair` must know none runs.
    auto lock = store::data_lock::take(cfg.data_dir);
    if (!lock) {
        const auto pid = store::data_lock::holder(cfg.data_dir);
        log::message(lock.error() == std::errc::resource_unavailable_try_again
                         ? cfg.data_dir.string() + " is in use by another packyard process" +
                               (pid ? " (pid " + std::to_string(*pid) + ")" : std::string())
                         : "cannot lock " + store::lock_path(cfg.data_dir).string() + ": " +
                               lock.error().message());
        return 1;
    }
    store::env_options eo;
    eo.dir = cfg.data_dir / "db";
    eo.map_size = cfg.map_size;
    eo.max_readers = std::max(126U, cfg.threads * 4 + 64);
    auto env = store::environment::open(eo);
    if (!env) {
        if (env.error() == store::errc::schema_too_new) {
            log::message(eo.dir.string() +
                         " was written by a newer packyard; upgrade this binary to open it");
        } else {
            log::error("cannot open the store in " + eo.dir.string(), env.error());
        }
        return 1;
    }
    if (const auto was = (*env)->found_schema_version(); was < store::schema_version) {
        log::message("upgrading the store layout from version " + std::to_string(was) + " to " +
                     std::to_string(store::schema_version));
        if (auto ec = store::upgrade(**env)) {
            log::error("cannot upgrade the store in " + eo.dir.string(), ec);
            return 1;
        }
    }
    store::blob_store blobs(cfg.data_dir);
    auto opened = server::open_blob_location(cfg.data_dir, cfg.s3);
    if (!opened.error.empty()) {
        log::message(opened.error);
        return 1;
    }
    auto bucket = std::move(opened.bucket);
    if (bucket) {
        std::string why;
        blobs.use_bucket(bucket.get());
        const auto id = server::claim_prefix(*bucket, cfg.data_dir, why);
        if (id.empty()) {
            log::message(why);
            return 1;
        }
        if (auto ec =
                server::write_blob_location(cfg.data_dir, server::blob_location_of(cfg.s3), id)) {
            log::error("cannot record the blob store in " + cfg.data_dir.string(), ec);
            return 1;
        }
        log::message("package bytes go to bucket " + cfg.s3->client.bucket + " at " +
                     cfg.s3->client.endpoint + " under " + cfg.s3->prefix +
                     (cfg.s3->direct_download ? " (downloads redirect to it)" : ""));
    }
    if (const auto swept = store::sweep_leftovers(**env, blobs); swept.temps + swept.orphans > 0) {
        log::message("removed " + std::to_string(swept.temps) + " unfinished upload(s) and " +
                     std::to_string(swept.orphans) + " unreferenced blob(s)");
    }
    store::writer writer(**env);
    writer.set_pre_commit([&blobs] { return blobs.sync(); });
    std::string boot_line;
    if (auto ec = server::bootstrap_root(**env, writer, cfg.data_dir, boot_line)) {
        log::error("cannot create the root user", ec);
        return 1;
    }
    if (!boot_line.empty()) {
        log::message(boot_line);
    }

    routing::metrics::registry metrics(routing::all_routes());
    routing::services svc{**env, writer, cfg.app, cfg.data_dir, &blobs, {}};
    svc.metrics = cfg.metrics ? &metrics : nullptr;
    routing::app app(svc);
    server::server srv(cfg, app);
    svc.wake_cleanup = [&srv] { srv.wake_cleanup(); };
    if (bucket) {
        // Deletes go out from the first I/O thread, each checked against the committed state
        // just before it is sent (store/s3/bucket.hpp).
        bucket->start_deleter(srv.first_executor(), store::blob_unreferenced(**env));
        srv.on_stop = [b = bucket.get()] { b->stop_deleter(); };
    }
    std::string bound;
    try {
        bound = srv.listen();
    } catch (const std::exception& e) {
        log::message("cannot listen on " + cfg.listen_host + ':' + std::to_string(cfg.listen_port) +
                     ": " + e.what());
        return 1;
    }
    std::printf("packyard listening on http://%s\n", bound.c_str());
    std::fflush(stdout);
    log::message("serving " + cfg.data_dir.string() + " on " + bound + " with " +
                 std::to_string(cfg.threads) + " threads");
    srv.run();
    if (bucket) {
        // This thread ran the first io_context: its idle connections to the bucket go while
        // that context is still there.
        bucket->http().release_connections();
        bucket->stop_deleter();
        if (const auto left = bucket->queued_deletes(); left > 0) {
            log::message(std::to_string(left) +
                         " object delete(s) left for the next start's sweep");
        }
    }
    log::message("stopped");
    return 0;
}

void print_routes() {
    for (const auto& r : routing::all_routes()) {
        std::cout << routing::method_name(r.verb) << ' ' << r.pattern << '\n';
    }
}

} // namespace

int main(int argc, char** argv) {
    const auto cmd = server::parse_command_line(argc, argv);
    switch (cmd.what) {
    case server::command::kind::help:
        std::cout << cmd.text;
        return 0;
    case server::command::kind::version:
        std::cout << "packyard " << PACKYARD_VERSION << '\n';
        return 0;
    case server::command::kind::routes:
        print_routes();
        return 0;
    case server::command::kind::error:
        std::cerr << "packyard: " << cmd.text << '\n';
        return 2;
    case server::command::kind::backup:
    case server::command::kind::restore:
        try {
            return cmd.what == server::command::kind::backup
                       ? server::run_backup(cmd.copy, PACKYARD_VERSION)
                       : server::run_restore(cmd.copy);
        } catch (const std::exception& e) {
            std::cerr << "packyard: " << e.what() << '\n';
            return 1;
        }
    case server::command::kind::check:
        return server::run_check(cmd.check);
    case server::command::kind::migrate_blobs:
        try {
            return server::run_migrate_blobs(argc, argv);
        } catch (const std::exception& e) {
            std::cerr << "packyard: " << e.what() << '\n';
            return 1;
        }
    case server::command::kind::serve:
        break;
    }
    try {
        return serve(cmd.cfg);
    } catch (const std::exception& e) {
        log::message(e.what());
        return 1;
    }
}
