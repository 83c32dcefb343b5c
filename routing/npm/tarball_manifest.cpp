#include "routing/npm/tarball_manifest.hpp"

#include "routing/npm/names.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <memory>
#include <optional>
#include <rapidjson/document.h>
#include <system_error>
#include <utility>

namespace packyard::routing::npm {
namespace {

struct archive_closer {
    void operator()(archive* a) const noexcept { archive_read_free(a); }
};

/// GitLab's entry pattern: %r{^[^/]+/package.json$} ("package/package.json" in npm's tarballs).
bool manifest_path(std::string_view p) {
    const auto slash = p.find('/');
    return slash != std::string_view::npos && slash > 0 && p.substr(slash + 1) == "package.json";
}

} // namespace

std::string check_tarball(const std::filesystem::path& tgz, std::string_view name,
                          std::string_view version) {
    std::error_code ec;
    const auto compressed = std::filesystem::file_size(tgz, ec);
    if (ec) {
        return "invalid package file";
    }
    const std::uint64_t budget = compressed * max_expansion + (1U << 20);
    std::unique_ptr<archive, archive_closer> a(archive_read_new());
    if (!a) {
        return "invalid package file";
    }
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), tgz.c_str(), 64 * 1024) != ARCHIVE_OK) {
        return "invalid package file";
    }
    std::optional<std::string> manifest;
    bool too_large = false;
    std::uint64_t entries = 0;
    archive_entry* e = nullptr;
    for (;;) {
        const int rc = archive_read_next_header(a.get(), &e);
        if (rc == ARCHIVE_EOF) {
            break;
        }
        if (rc < ARCHIVE_WARN || ++entries > max_entries ||
            static_cast<std::uint64_t>(archive_filter_bytes(a.get(), -1)) > budget) {
            return "invalid package file";
        }
        const char* path = archive_entry_pathname(e);
        if (path == nullptr || !manifest_path(path) || archive_entry_filetype(e) != AE_IFREG) {
            continue; // skipped: libarchive reads past the data
        }
        // The last match wins, as in GitLab's service.
        const auto size = static_cast<std::uint64_t>(archive_entry_size(e));
        if (size > max_package_json) {
            too_large = true;
            manifest.reset();
            continue;
        }
        too_large = false;
        std::string text(size, '\0');
        const auto got = archive_read_data(a.get(), text.data(), text.size());
        if (got < 0 || static_cast<std::uint64_t>(got) != size) {
            return "invalid package file";
        }
        manifest = std::move(text);
    }
    if (too_large) {
        return "package.json file too large";
    }
    if (!manifest) {
        return "package.json not found";
    }
    rapidjson::Document doc;
    doc.Parse(manifest->data(), manifest->size());
    if (doc.HasParseError() || !doc.IsObject()) {
        return "invalid package file";
    }
    // Pointers, and the const view: comparing a mutable Document's member iterators is ambiguous
    // under C++20's reversed operators (clang-diagnostic-ambiguous-reversed-operator). The last
    // duplicate key wins, as in Ruby's JSON.parse.
    const rapidjson::Value* n = nullptr;
    const rapidjson::Value* v = nullptr;
    for (const auto& m : std::as_const(doc).GetObject()) {
        const std::string_view key(m.name.GetString(), m.name.GetStringLength());
        if (key == "name") {
            n = &m.value;
        } else if (key == "version") {
            v = &m.value;
        }
    }
    const bool name_ok = n != nullptr && n->IsString() &&
                         std::string_view(n->GetString(), n->GetStringLength()) == name;
    if (!name_ok) {
        return "Package manifest is not coherent";
    }
    if (v == nullptr || !v->IsString()) {
        return "Version in package.json is not SemVer compliant";
    }
    const auto same = same_version(std::string_view(v->GetString(), v->GetStringLength()), version);
    if (!same) {
        return "Version in package.json is not SemVer compliant";
    }
    return *same ? std::string() : "Package manifest is not coherent";
}

} // namespace packyard::routing::npm
