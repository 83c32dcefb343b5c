#pragma once

// The stylesheet and script of the web pages, compiled into the binary from routing/web/assets/
// (routing/CMakeLists.txt embeds them): one binary, no files to deploy beside it.

#include <string_view>

namespace packyard::routing::web {

struct asset {
    std::string_view name;
    std::string_view content_type;
    std::string_view bytes;
};

/// The asset of that file name ("packyard.css"), or nullptr.
const asset* find_asset(std::string_view name) noexcept;

} // namespace packyard::routing::web
