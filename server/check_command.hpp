#pragma once

#include "store/s3/bucket.hpp"

#include <optional>

// `packyard check`: the integrity check of a data folder from the command line, and its
// repair (store/check.hpp; docs/operations.md, "Integrity check").

#include <cstddef>
#include <filesystem>
#include <string>

namespace packyard::server {

struct check_config {
    std::filesystem::path data_dir = "packyard-data";
    bool repair = false;
    bool hashes = true;
    bool json = false;
    std::size_t examples = 10;
    /// --blob-store s3: the bucket whose objects are checked too.
    std::optional<store::s3::bucket_options> s3;
};

/// What `packyard check ...` asked for.
struct check_command_line {
    enum class kind { run, help, error } what = kind::run;
    check_config cfg;
    std::string text; ///< help text, or the error
};

/// Parses argv, whose argv[1] is "check" (PACKYARD_DATA gives --data's default, as for serve).
check_command_line parse_check_command(int argc, char** argv);

/// Runs the check (and the repair); returns the exit status: 0 clean, 1 problems found (or left
/// after the repair), 2 the check could not run.
int run_check(const check_config& cfg);

} // namespace packyard::server
