#include "routing/pypi/wheel_metadata.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <memory>
#include <string_view>

namespace packyard::routing::pypi {
namespace {

struct archive_closer {
    void operator()(archive* a) const noexcept { archive_read_free(a); }
};

/// "<dir>.dist-info/METADATA" at the top level.
bool metadata_path(std::string_view p) {
    constexpr std::string_view tail = ".dist-info/METADATA";
    return p.size() > tail.size() && p.ends_with(tail) &&
           p.substr(0, p.size() - tail.size()).find('/') == std::string_view::npos;
}

} // namespace

std::optional<std::string> wheel_metadata(const std::filesystem::path& wheel) {
    std::unique_ptr<archive, archive_closer> a(archive_read_new());
    if (!a) {
        return std::nullopt;
    }
    // The seekable reader trusts the central directory, as pip and installers do.
    archive_read_support_format_zip_seekable(a.get());
    if (archive_read_open_filename(a.get(), wheel.c_str(), 64 * 1024) != ARCHIVE_OK) {
        return std::nullopt;
    }
    std::optional<std::string> found;
    std::uint64_t entries = 0;
    archive_entry* e = nullptr;
    for (;;) {
        const int rc = archive_read_next_header(a.get(), &e);
        if (rc == ARCHIVE_EOF) {
            break;
        }
        if (rc < ARCHIVE_WARN || ++entries > max_wheel_entries) {
            return std::nullopt;
        }
        const char* path = archive_entry_pathname(e);
        if (path == nullptr || !metadata_path(path) || archive_entry_filetype(e) != AE_IFREG) {
            continue;
        }
        if (found) {
            return std::nullopt; // two .dist-info directories: not a valid wheel
        }
        const auto size = static_cast<std::uint64_t>(archive_entry_size(e));
        if (size > max_core_metadata) {
            return std::nullopt;
        }
        std::string text(size, '\0');
        const auto got = archive_read_data(a.get(), text.data(), text.size());
        if (got < 0 || static_cast<std::uint64_t>(got) != size) {
            return std::nullopt;
        }
        found = std::move(text);
    }
    return found;
}

} // namespace packyard::routing::pypi
