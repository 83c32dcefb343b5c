#pragma once

#include "routing/context.hpp"
#include "routing/limits.hpp"
#include "server/check_command.hpp"
#include "store/log.hpp"
#include "store/s3/bucket.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace packyard::server {

/// Everything `packyard serve` is told, from flags or PACKYARD_<NAME> variables.
struct config {
    std::filesystem::path data_dir = "packyard-data";
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    unsigned threads = 0; ///< 0: hardware threads
    routing::settings app;
    log::format log = log::format::text;
    bool access_log = true;
    /// Count requests and serve /-/metrics (to app.metrics_allow); off for an A/B of its cost.
    bool metrics = true;
    std::chrono::seconds header_timeout = limits::header_timeout;
    std::chrono::seconds idle_timeout = limits::idle_timeout;
    std::chrono::seconds body_timeout = limits::body_timeout;
    std::chrono::seconds upload_timeout = limits::upload_timeout;
    std::chrono::seconds drain_timeout = limits::drain_timeout;
    std::uint64_t map_size = 1ULL << 40;
    std::uint64_t map_resident_mib = 128; ///< 0: never release the map's mapped pages
    /// The whole request header block: request line, fields and their line ends (431 past it).
    std::size_t header_limit = limits::header_block;
    /// Open connections across all threads; past it a new one gets 503 and is closed.
    std::size_t max_connections = limits::max_connections;
    /// Bytes of small request bodies held in memory at once across all connections (503 past
    /// it); each body is also bounded by app.max_small_body.
    std::uint64_t max_buffered_bodies = limits::max_buffered_bodies;
    /// --blob-store s3: the bucket package bytes go to (none: DATA/blobs).
    std::optional<store::s3::bucket_options> s3;
};

/// What `packyard backup` (data, folder = --to) and `packyard restore` (folder = --from,
/// data) are told (server/backup_command.cpp).
struct copy_args {
    std::filesystem::path data;
    std::filesystem::path folder;
    /// backup --blob-store s3: blobs not in DATA/blobs are read from this bucket.
    std::optional<store::s3::bucket_options> s3;
};

/// What the command line asked for.
struct command {
    enum class kind {
        serve,
        help,
        version,
        routes,
        backup,
        restore,
        check,
        migrate_blobs,
        error
    } what = kind::help;
    config cfg;
    copy_args copy;     ///< `packyard backup`, `packyard restore`
    check_config check; ///< `packyard check`
    std::string text;   ///< help text, or the error
};

/// Parses argv (and PACKYARD_* environment variables for serve's options).
command parse_command_line(int argc, char** argv);

} // namespace packyard::server
