#include "server/backup_command.hpp"

#include "server/blob_options.hpp"
#include "store/backup.hpp"

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace packyard::server {
namespace po = boost::program_options;
namespace {

int exit_status(store::copy_status s) {
    switch (s) {
    case store::copy_status::ok:
        return 0;
    case store::copy_status::failed:
        return 1;
    case store::copy_status::refused:
        return 3;
    case store::copy_status::damaged:
        return 4;
    }
    return 1;
}

std::string size_text(std::uint64_t bytes) {
    char buf[32];
    if (bytes < 1024) {
        std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
    } else if (bytes < (1ULL << 20)) {
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
    } else if (bytes < (1ULL << 30)) {
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    } else {
        std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1ULL << 30));
    }
    return buf;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Tests only (tests/compat/backup_test.py): with PACKYARD_BACKUP_PAUSE=PATH the backup creates
/// PATH.reached once its snapshot is taken and waits (at most two minutes) for PATH to exist
/// before it copies a blob, so a test can delete packages in exactly that window.
void pause_for_tests() {
    const char* path = std::getenv("PACKYARD_BACKUP_PAUSE");
    if (path == nullptr || *path == '\0') {
        return;
    }
    const std::string gate(path);
    std::ofstream(gate + ".reached").put('\n');
    const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    std::error_code ec;
    while (!std::filesystem::exists(gate, ec) && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace

command parse_copy_command(int argc, char** argv) {
    command out;
    const std::string name = argv[1];
    const bool is_backup = name == "backup";
    std::string data;
    std::string folder;
    blob_flags blobs;
    po::options_description d("packyard " + name + " options");
    if (is_backup) {
        d.add_options()("help", "show this help")(
            "data", po::value<std::string>(&data)->required(),
            "the data folder of the store to copy (a server may be running on it)")(
            "to", po::value<std::string>(&folder)->required(),
            "the backup folder: absent or empty; it gets db/data.mdb, blobs/ and a manifest");
    } else {
        d.add_options()("help", "show this help")("from",
                                                  po::value<std::string>(&folder)->required(),
                                                  "a folder written by packyard backup")(
            "data", po::value<std::string>(&data)->required(),
            "the data folder to fill: absent or empty (no server running on it)");
    }
    if (is_backup) {
        add_blob_options(d, blobs);
    }
    const std::string usage = is_backup ? "Usage: packyard backup --data DATA --to FOLDER\n\n"
                                        : "Usage: packyard restore --from FOLDER --data DATA\n\n";
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc - 1, argv + 1, d), vm);
        if (vm.count("help") != 0U) {
            std::ostringstream s;
            s << usage << d;
            out.what = command::kind::help;
            out.text = s.str();
            return out;
        }
        po::notify(vm);
    } catch (const std::exception& e) {
        out.what = command::kind::error;
        out.text = name + ": " + e.what() + " (packyard " + name + " --help lists the options)";
        return out;
    }
    if (is_backup) {
        auto chosen = resolve_blob_flags(blobs);
        if (!chosen.error.empty()) {
            out.what = command::kind::error;
            out.text = name + ": " + chosen.error;
            return out;
        }
        out.copy.s3 = std::move(chosen.s3);
    }
    out.what = is_backup ? command::kind::backup : command::kind::restore;
    out.copy.data = data;
    out.copy.folder = folder;
    return out;
}

int run_backup(const copy_args& args, std::string_view packyard_version) {
    const auto t0 = std::chrono::steady_clock::now();
    store::backup_options o;
    o.data_dir = args.data;
    o.to = args.folder;
    o.packyard_version = packyard_version;
    o.after_snapshot = pause_for_tests;
    const auto opened = open_blob_location(args.data, args.s3);
    if (!opened.error.empty()) {
        std::cerr << "packyard backup: " << opened.error << '\n';
        return opened.conflict ? 2 : 1;
    }
    o.bucket = opened.bucket.get();
    const auto r = store::backup(o);
    if (r.status != store::copy_status::ok) {
        std::cerr << "packyard backup: " << r.message << '\n';
        return exit_status(r.status);
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", seconds_since(t0));
    std::cout << "backed up " << args.data.string() << " into " << args.folder.string()
              << ": the store (layout " << r.schema << ", " << size_text(r.db_bytes) << ") and "
              << r.blobs << " blobs (" << size_text(r.blob_bytes) << ") in " << secs << " s\n";
    return 0;
}

int run_restore(const copy_args& args) {
    const auto t0 = std::chrono::steady_clock::now();
    store::restore_options o;
    o.from = args.folder;
    o.data_dir = args.data;
    const auto r = store::restore(o);
    if (r.status != store::copy_status::ok) {
        std::cerr << "packyard restore: " << r.message << '\n';
        return exit_status(r.status);
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", seconds_since(t0));
    std::cout << "restored " << args.folder.string() << " into " << args.data.string()
              << ": the store (layout " << r.schema << ", " << size_text(r.db_bytes) << ") and "
              << r.blobs << " blobs (" << size_text(r.blob_bytes) << "), every sha256 checked, in "
              << secs << " s\n";
    return 0;
}

} // namespace packyard::server
