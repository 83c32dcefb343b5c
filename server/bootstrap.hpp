#pragma once

#include "store/env.hpp"
#include "store/writer.hpp"

#include <filesystem>
#include <string>
#include <system_error>

namespace packyard::server {

/// First start on an empty store: creates the admin user root (id 1) with a personal access
/// token, PACKYARD_ROOT_TOKEN if set, otherwise a random one written to DATA/initial_root_token
/// (mode 0600). On later starts, a PACKYARD_ROOT_TOKEN not yet known is added to root.
/// Returns a sentence for the log.
std::error_code bootstrap_root(store::environment& env, store::writer& w,
                               const std::filesystem::path& data_dir, std::string& log_line);

} // namespace packyard::server
