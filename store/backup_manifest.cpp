#include "store/backup_manifest.hpp"

#include "store/blobs.hpp" // is_sha256_hex

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace packyard::store {
namespace {

/// The longest line a manifest of this format holds ("blob", 64 hex digits, a 20-digit size)
/// with room for a long version string; a longer one is damage, not a line to buffer.
constexpr std::size_t max_line = 160;

std::error_code errno_code() {
    return {errno, std::generic_category()};
}

std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    while (!line.empty()) {
        const auto sp = line.find(' ');
        out.push_back(line.substr(0, sp));
        line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    }
    return out;
}

template <class T>
bool number(std::string_view s, T& out) {
    const auto* end = s.data() + s.size();
    return !s.empty() && std::from_chars(s.data(), end, out).ptr == end;
}

/// A field the manifest writes as one token: printable ASCII, no space.
std::string token(std::string_view s) {
    std::string out;
    for (const char c : s.substr(0, 64)) {
        out.push_back(c > ' ' && c < 0x7f ? c : '_');
    }
    return out.empty() ? "unknown" : out;
}

std::error_code write_line(std::FILE* f, const std::string& line) {
    if (std::fputs(line.c_str(), f) < 0 || std::fputc('\n', f) == EOF) {
        return errno != 0 ? errno_code() : std::make_error_code(std::errc::io_error);
    }
    return {};
}

std::error_code fsync_folder(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return errno_code();
    }
    const int rc = ::fsync(fd);
    const auto ec = rc == 0 ? std::error_code{} : errno_code();
    ::close(fd);
    return ec;
}

} // namespace

result<manifest_writer> manifest_writer::create(const std::filesystem::path& folder,
                                                const manifest_header& h) {
    manifest_writer w;
    w.folder_ = folder;
    const auto partial = folder / (std::string(manifest_name) + ".partial");
    w.out_.reset(std::fopen(partial.c_str(), "wx"));
    if (!w.out_) {
        return errno_code();
    }
    for (const auto& line :
         {"packyard-backup " + std::to_string(h.format), "packyard " + token(h.packyard_version),
          "schema " + std::to_string(h.schema), "created " + token(h.created),
          "db " + std::to_string(h.db_bytes) + " " + h.db_sha256}) {
        if (auto ec = write_line(w.out_.get(), line)) {
            return ec;
        }
    }
    return w;
}

std::error_code manifest_writer::blob(std::string_view sha256_hex, std::uint64_t bytes) {
    return write_line(out_.get(), "blob " + std::string(sha256_hex) + " " + std::to_string(bytes));
}

std::error_code manifest_writer::commit(std::uint64_t blobs, std::uint64_t blob_bytes) {
    if (auto ec = write_line(out_.get(),
                             "blobs " + std::to_string(blobs) + " " + std::to_string(blob_bytes))) {
        return ec;
    }
    if (auto ec = write_line(out_.get(), "end")) {
        return ec;
    }
    if (std::fflush(out_.get()) != 0 || ::fsync(::fileno(out_.get())) != 0) {
        return errno_code();
    }
    if (std::fclose(out_.release()) != 0) {
        return errno_code();
    }
    const auto partial = folder_ / (std::string(manifest_name) + ".partial");
    if (::rename(partial.c_str(), (folder_ / manifest_name).c_str()) != 0) {
        return errno_code();
    }
    return fsync_folder(folder_);
}

bool manifest_reader::line(std::string& out, std::string& why) {
    char buf[max_line + 2];
    if (std::fgets(buf, sizeof buf, in_.get()) == nullptr) {
        why = std::ferror(in_.get()) != 0 ? "the manifest cannot be read"
                                          : "the manifest ends early (line " +
                                                std::to_string(line_no_ + 1) + " is missing)";
        return false;
    }
    ++line_no_;
    const std::size_t n = std::strlen(buf);
    if (n == 0 || buf[n - 1] != '\n') {
        why = "line " + std::to_string(line_no_) + " of the manifest is too long or unfinished";
        return false;
    }
    out.assign(buf, n - 1);
    return true;
}

bool manifest_reader::open(const std::filesystem::path& folder, manifest_header& h,
                           std::string& why) {
    in_.reset(std::fopen((folder / manifest_name).c_str(), "r"));
    if (!in_) {
        why = errno == ENOENT ? "it has no manifest: the backup did not finish, or this is not a "
                                "packyard backup"
                              : std::string("its manifest cannot be read: ") + std::strerror(errno);
        return false;
    }
    std::string l;
    const auto expect = [&](std::string_view key, std::size_t n) -> std::vector<std::string_view> {
        if (!line(l, why)) {
            return {};
        }
        auto f = fields(l);
        if (f.size() != n || f[0] != key) {
            why = "line " + std::to_string(line_no_) + " of the manifest is not '" +
                  std::string(key) + " ...'";
            return {};
        }
        return f;
    };
    auto f = expect("packyard-backup", 2);
    if (f.empty()) {
        return false;
    }
    if (!number(f[1], h.format) || h.format != backup_format) {
        why = "its format '" + std::string(f[1]) + "' is not one this packyard reads (" +
              std::to_string(backup_format) + ")";
        return false;
    }
    if (f = expect("packyard", 2); f.empty()) {
        return false;
    }
    h.packyard_version = f[1];
    if (f = expect("schema", 2); f.empty()) {
        return false;
    }
    if (!number(f[1], h.schema)) {
        why = "the manifest's schema is not a number";
        return false;
    }
    if (f = expect("created", 2); f.empty()) {
        return false;
    }
    h.created = f[1];
    if (f = expect("db", 3); f.empty()) {
        return false;
    }
    if (!number(f[1], h.db_bytes) || !is_sha256_hex(f[2])) {
        why = "the manifest's db line does not parse";
        return false;
    }
    h.db_sha256 = f[2];
    return true;
}

manifest_reader::entry manifest_reader::next(std::string& why) {
    entry e;
    std::string l;
    if (!line(l, why)) {
        return e;
    }
    const auto f = fields(l);
    if (f.size() == 3 && f[0] == "blob" && is_sha256_hex(f[1]) && number(f[2], e.bytes)) {
        e.what = entry::kind::blob;
        e.sha256 = f[1];
        return e;
    }
    if (f.size() == 3 && f[0] == "blobs" && number(f[1], e.blobs) && number(f[2], e.bytes)) {
        e.what = entry::kind::totals;
        return e;
    }
    why = "line " + std::to_string(line_no_) + " of the manifest does not parse";
    e.what = entry::kind::bad;
    return e;
}

bool manifest_reader::at_end(std::string& why) {
    std::string l;
    if (!line(l, why)) {
        return false;
    }
    if (l != "end") {
        why = "line " + std::to_string(line_no_) + " of the manifest is not 'end'";
        return false;
    }
    if (std::fgetc(in_.get()) != EOF) {
        why = "the manifest goes on after its end line";
        return false;
    }
    return true;
}

} // namespace packyard::store
