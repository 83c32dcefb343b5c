// The blob files against the file rows: each row's blob present, of the row's size, and (unless
// --no-hashes) holding bytes whose SHA-256 is its name; every blob referenced by some row; no
// stray entry in the blobs folder; no temp file left in tmp. Runs after the metadata snapshot
// is closed: a server may commit meanwhile, so a missing blob or an orphan counts only once a
// fresh snapshot agrees.

#include "store/check_detail.hpp"
#include "store/codec.hpp"
#include "store/crypto.hpp"
#include "store/packages.hpp"
#include "store/s3/bucket.hpp"
#include "store/text.hpp"
#include "store/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <iterator>
#include <openssl/evp.h>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace packyard::store::check_detail {
namespace {

std::string hex_of(const std::array<unsigned char, 32>& sha) {
    return to_hex(std::string_view(reinterpret_cast<const char*>(sha.data()), sha.size()));
}

/// The SHA-256 of a file's bytes in hex, read in 1 MiB blocks; empty when it cannot be read.
std::string sha256_of_file(const std::filesystem::path& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return {};
    }
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
        return {};
    }
    std::vector<char> buf(1 << 20);
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return {};
        }
        if (n == 0) {
            break;
        }
        EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), out, &len);
    return to_hex(std::string_view(reinterpret_cast<const char*>(out), len));
}

/// The SHA-256 of an object's bytes in hex, streamed from the bucket; empty when it cannot be
/// read.
std::string sha256_of_object(s3::bucket& b, const std::string& name) {
    sha256_stream h;
    s3::get_sink sink{[](std::uint64_t) -> boost::asio::awaitable<std::error_code> {
                          co_return std::error_code{};
                      },
                      [&h](std::span<const char> chunk) -> boost::asio::awaitable<std::error_code> {
                          h.update(std::string_view(chunk.data(), chunk.size()));
                          co_return std::error_code{};
                      }};
    if (b.run(b.fetch(name, {}, std::move(sink))).failed()) {
        return {};
    }
    return h.finish_hex();
}

/// A file row whose blob is wrong, and how (described only for the first few).
struct blob_finding {
    const file_row* file = nullptr;
    std::string how; ///< empty: missing
};

} // namespace

void check_blobs(environment& env, const blob_store& blobs, const rows& r, const check_options& o,
                 std::vector<check_result>& out) {
    auto present = named("blobs_present", "file rows", remedy::none);
    auto sizes = named("blob_sizes", "file rows", remedy::none);
    auto hashes = named("blob_hashes", "file rows", remedy::none);
    auto orphans = named("orphan_blobs", "blob files", remedy::remove);
    auto folder = named("blob_folder", "entries", remedy::none);
    auto temps = named("temp_files", "files", remedy::remove);

    // What the blobs folder holds, listed once: presence is looked up here rather than
    // asked of the file system per row (a folder of 10^6 rows' blobs, or of none).
    std::vector<std::string> on_disk; // sha256 names of regular files, sorted
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(blobs.blobs_dir(), ec)) {
        ++folder.checked;
        auto name = e.path().filename().string();
        std::error_code type_ec;
        if (!is_sha256_hex(name) || !e.is_regular_file(type_ec)) {
            tally(folder, o.examples).add([&] { return "not a blob: " + e.path().string(); });
            continue;
        }
        on_disk.push_back(std::move(name));
    }
    if (ec) {
        tally(folder, o.examples).add([&] { return "cannot list: " + ec.message(); });
    }
    std::sort(on_disk.begin(), on_disk.end());
    // With a bucket, its objects count as stored too (a store being migrated has both).
    std::vector<s3::object> in_bucket; // sorted by name
    s3::bucket* bucket = blobs.bucket();
    if (bucket != nullptr) {
        auto listed = bucket->run(bucket->list());
        if (auto* f = std::get_if<s3::failure>(&listed)) {
            tally(folder, o.examples).add([&] {
                return "cannot list the bucket: " + f->describe();
            });
        } else {
            in_bucket = std::move(std::get<std::vector<s3::object>>(listed));
            folder.checked += in_bucket.size();
        }
        std::sort(in_bucket.begin(), in_bucket.end(),
                  [](const s3::object& a, const s3::object& b) { return a.sha256 < b.sha256; });
    }
    auto bucket_size = [&](const std::string& name) -> std::optional<std::uint64_t> {
        auto it = std::lower_bound(
            in_bucket.begin(), in_bucket.end(), name,
            [](const s3::object& a, const std::string& n) { return a.sha256 < n; });
        if (it == in_bucket.end() || it->sha256 != name) {
            return std::nullopt;
        }
        return it->size;
    };
    orphans.checked = on_disk.size() + in_bucket.size();

    // Each distinct blob once, with the rows naming it.
    std::vector<const file_row*> by_sha;
    by_sha.reserve(r.files.size());
    for (const auto& f : r.files) {
        if (f.named) { // the others are findings of the row check
            by_sha.push_back(&f);
        }
    }
    std::sort(by_sha.begin(), by_sha.end(), [](const file_row* a, const file_row* b) {
        return a->sha != b->sha ? a->sha < b->sha : a->id < b->id;
    });
    std::vector<blob_finding> missing;
    std::vector<blob_finding> wrong_size;
    std::vector<blob_finding> wrong_hash;
    std::vector<std::string> referenced; // hex names, sorted as on_disk
    for (std::size_t i = 0; i < by_sha.size();) {
        std::size_t j = i + 1;
        while (j < by_sha.size() && by_sha[j]->sha == by_sha[i]->sha) {
            ++j;
        }
        const auto name = hex_of(by_sha[i]->sha);
        const auto path = blobs.path_of(name);
        present.checked += j - i;
        struct stat st {};
        const bool local = std::binary_search(on_disk.begin(), on_disk.end(), name) &&
                           ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
        const auto remote = local ? std::nullopt : bucket_size(name);
        if (!local && !remote) {
            for (std::size_t k = i; k < j; ++k) {
                missing.push_back({by_sha[k], {}});
            }
            referenced.push_back(name);
            i = j;
            continue;
        }
        const auto on_disk_size = local ? static_cast<std::uint64_t>(st.st_size) : *remote;
        bool all_sized = true;
        for (std::size_t k = i; k < j; ++k) {
            ++sizes.checked;
            if (by_sha[k]->size != on_disk_size) {
                all_sized = false;
                wrong_size.push_back({by_sha[k], "holds " + std::to_string(on_disk_size) +
                                                     " bytes, not " +
                                                     std::to_string(by_sha[k]->size)});
            }
        }
        if (o.hashes && all_sized) {
            hashes.checked += j - i;
            const auto sha = local ? sha256_of_file(path) : sha256_of_object(*bucket, name);
            if (sha != name) {
                for (std::size_t k = i; k < j; ++k) {
                    wrong_hash.push_back(
                        {by_sha[k], sha.empty() ? "cannot be read" : "hashes to " + sha});
                }
            }
        }
        referenced.push_back(name);
        i = j;
    }
    if (!o.hashes) {
        hashes.note = "skipped (--no-hashes)";
    }

    // Orphans and temp files.
    std::vector<std::string> candidates;
    std::set_difference(on_disk.begin(), on_disk.end(), referenced.begin(), referenced.end(),
                        std::back_inserter(candidates));
    std::vector<std::string> bucket_names;
    bucket_names.reserve(in_bucket.size());
    for (const auto& obj : in_bucket) {
        bucket_names.push_back(obj.sha256);
    }
    std::vector<std::string> bucket_candidates;
    std::set_difference(bucket_names.begin(), bucket_names.end(), referenced.begin(),
                        referenced.end(), std::back_inserter(bucket_candidates));
    std::uint64_t temp_files = 0;
    std::vector<std::string> temp_names;
    for (const auto& e : std::filesystem::directory_iterator(blobs.tmp_dir(), ec)) {
        ++temp_files;
        if (temp_names.size() < o.examples) {
            temp_names.push_back(e.path().string());
        }
    }
    temps.checked = temp_files;
    if (o.server_running) {
        temps.note =
            std::to_string(temp_files) + " upload(s) in progress (a server holds the folder)";
    } else {
        temps.problems = temp_files;
        for (auto& n : temp_names) {
            temps.examples.push_back("left by an unfinished upload: " + n);
        }
    }

    // A server may have committed since the metadata snapshot: a row gone with its blob is no
    // finding, nor is a blob whose row came after that snapshot (or whose unlink follows its
    // commit by a moment).
    if (o.server_running && (!candidates.empty() || !bucket_candidates.empty())) {
        std::this_thread::sleep_for(o.settle);
    }
    auto fresh = read_txn::begin(env);
    if (!fresh) {
        fail(fresh.error(), "begin read transaction");
    }
    auto describe = [&](const blob_finding& m) {
        return describe_file(*fresh, m.file->id) + ": its blob " + hex_of(m.file->sha) + " " +
               (m.how.empty() ? "is missing" : m.how);
    };
    tally found_missing(present, o.examples);
    for (const auto& m : missing) {
        if (!o.server_running || get(*fresh, fresh->db().package_files, u64_key(m.file->id))) {
            found_missing.add([&] { return describe(m); });
        }
    }
    tally found_size(sizes, o.examples);
    for (const auto& m : wrong_size) {
        found_size.add([&] { return describe(m); });
    }
    tally found_hash(hashes, o.examples);
    for (const auto& m : wrong_hash) {
        found_hash.add([&] { return describe(m); });
    }
    tally found_orphan(orphans, o.examples);
    for (const auto& name : candidates) {
        if (o.server_running && (blob_refcount(*fresh, name) > 0 ||
                                 !std::filesystem::exists(blobs.path_of(name), ec))) {
            continue;
        }
        found_orphan.add([&] { return "no row references it: " + blobs.path_of(name).string(); });
    }
    for (const auto& name : bucket_candidates) {
        if (o.server_running && blob_refcount(*fresh, name) > 0) {
            continue;
        }
        found_orphan.add([&] {
            return "no row references it: s3://" + bucket->options().client.bucket + "/" +
                   bucket->key_of(name);
        });
    }
    for (auto* res : {&present, &sizes, &hashes, &orphans, &folder, &temps}) {
        out.push_back(std::move(*res));
    }
}

} // namespace packyard::store::check_detail
