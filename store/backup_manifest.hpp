#pragma once

// A backup's manifest: plain text, one record per line, fields separated by one space, so an
// operator can read it and a restore can check it line by line in bounded memory whatever the
// number of blobs.
//
//   packyard-backup 1                  the format (this file's layout)
//   packyard 0.1.0                     the binary that wrote it
//   schema 5                           the store layout of the snapshot
//   created 2026-11-24T10:00:00.000Z
//   db <bytes> <sha256>                db/data.mdb
//   blob <sha256> <bytes>              one line per blob, in the snapshot's blob_refs order
//   blobs <count> <total bytes>
//   end
//
// It is written as manifest.partial, fsynced, then renamed to manifest: a folder without a
// manifest is a backup that did not finish.

#include "store/error.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace packyard::store {

inline constexpr std::uint32_t backup_format = 1;
inline constexpr std::string_view manifest_name = "manifest";

struct manifest_header {
    std::uint32_t format = backup_format;
    std::string packyard_version;
    std::uint32_t schema = 0;
    std::string created; ///< ISO 8601, UTC
    std::uint64_t db_bytes = 0;
    std::string db_sha256;
};

struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

/// Writes folder/manifest.partial; commit() makes it folder/manifest.
class manifest_writer {
public:
    static result<manifest_writer> create(const std::filesystem::path& folder,
                                          const manifest_header& h);
    std::error_code blob(std::string_view sha256_hex, std::uint64_t bytes);
    /// Writes the totals and the end line, fsyncs, renames into place, fsyncs the folder.
    std::error_code commit(std::uint64_t blobs, std::uint64_t blob_bytes);

private:
    manifest_writer() = default;
    std::unique_ptr<std::FILE, file_closer> out_;
    std::filesystem::path folder_;
};

/// Reads folder/manifest. Every failure is a reason in words (the manifest is damaged, or not
/// one): the restore refuses the backup with it.
class manifest_reader {
public:
    /// False with why when the file cannot be opened or its header does not parse.
    bool open(const std::filesystem::path& folder, manifest_header& h, std::string& why);

    /// A line after the header: a blob (sha256, bytes), or the totals (blobs, bytes) that
    /// follow the last blob; bad with why otherwise.
    struct entry {
        enum class kind : std::uint8_t { blob, totals, bad } what = kind::bad;
        std::string sha256;
        std::uint64_t blobs = 0;
        std::uint64_t bytes = 0;
    };
    entry next(std::string& why);
    /// After the totals: the end line, then nothing.
    bool at_end(std::string& why);

private:
    /// One line without its end; false at the end of the file or past the bound (why says).
    bool line(std::string& out, std::string& why);

    std::unique_ptr<std::FILE, file_closer> in_;
    std::size_t line_no_ = 0;
};

} // namespace packyard::store
