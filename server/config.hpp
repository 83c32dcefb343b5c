#pragma once

#include "routing/context.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace packyard::server {

enum class log_format { text, json };

/// Everything `packyard serve` is told, from flags or PACKYARD_<NAME> variables.
struct config {
    std::filesystem::path data_dir = "packyard-data";
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    unsigned threads = 0; ///< 0: hardware threads
    routing::settings app;
    log_format log = log_format::text;
    bool access_log = true;
    std::chrono::seconds header_timeout{30};
    std::chrono::seconds idle_timeout{75};
    std::chrono::seconds drain_timeout{10};
    std::uint64_t map_size = 1ULL << 34;
    std::uint64_t map_resident_mib = 128; ///< 0: never release the map's mapped pages
    std::size_t header_limit = 16 * 1024;
};

/// What the command line asked for.
struct command {
    enum class kind { serve, help, version, routes, error } what = kind::help;
    config cfg;
    std::string text; ///< help text, or the error
};

/// Parses argv (and PACKYARD_* environment variables for serve's options).
command parse_command_line(int argc, char** argv);

} // namespace packyard::server
