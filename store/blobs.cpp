#include "store/blobs.hpp"

#include "store/crypto.hpp"
#include "store/fault.hpp"
#include "store/log.hpp"
#include "store/s3/bucket.hpp"

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

namespace packyard::store {
namespace {

std::error_code errno_code() {
    return {errno, std::generic_category()};
}

std::atomic<std::uint64_t> upload_counter{0};

std::string hex_of(evp_md_ctx_st* ctx) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, out, &len);
    return to_hex(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::error_code fsync_dir(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return errno_code();
    }
    const int rc = ::fsync(fd);
    const auto ec = rc == 0 ? std::error_code{} : errno_code();
    ::close(fd);
    return ec;
}

int open_backup_lock(const std::filesystem::path& path) {
    // Read-only is enough for flock(2), and lets a backup run as another user that can read
    // the folder. O_CREAT: whichever of the server and a backup comes first makes the file.
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

} // namespace

bool is_sha256_hex(std::string_view s) noexcept {
    if (s.size() != 64) {
        return false;
    }
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

result<blob_upload> blob_upload::create(const std::filesystem::path& tmp_dir,
                                        std::uint64_t part_size) {
    blob_upload u;
    u.part_size_ = part_size;
    u.path_ = tmp_dir / ("upload-" + std::to_string(::getpid()) + "-" +
                         std::to_string(upload_counter.fetch_add(1)) + "-" + random_token_chars(8));
    u.fd_ = ::open(u.path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (u.fd_ < 0) {
        u.path_.clear();
        return errno_code();
    }
    u.md5_ = EVP_MD_CTX_new();
    u.sha1_ = EVP_MD_CTX_new();
    u.sha256_ = EVP_MD_CTX_new();
    if (u.md5_ == nullptr || u.sha1_ == nullptr || u.sha256_ == nullptr ||
        EVP_DigestInit_ex(u.md5_, EVP_md5(), nullptr) != 1 ||
        EVP_DigestInit_ex(u.sha1_, EVP_sha1(), nullptr) != 1 ||
        EVP_DigestInit_ex(u.sha256_, EVP_sha256(), nullptr) != 1) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
    if (part_size > 0 && ((u.part_ = EVP_MD_CTX_new()) == nullptr ||
                          EVP_DigestInit_ex(u.part_, EVP_sha256(), nullptr) != 1)) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
    return u;
}

blob_upload::blob_upload(blob_upload&& o) noexcept
    : fd_(o.fd_)
    , path_(std::move(o.path_))
    , size_(o.size_)
    , md5_(o.md5_)
    , sha1_(o.sha1_)
    , sha256_(o.sha256_)
    , part_(o.part_)
    , part_size_(o.part_size_)
    , part_fill_(o.part_fill_)
    , parts_(std::move(o.parts_))
    , pushed_(o.pushed_) {
    o.fd_ = -1;
    o.path_.clear();
    o.md5_ = o.sha1_ = o.sha256_ = o.part_ = nullptr;
}

void blob_upload::discard() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!path_.empty()) {
        ::unlink(path_.c_str());
        path_.clear();
    }
}

blob_upload::~blob_upload() {
    discard();
    EVP_MD_CTX_free(md5_);
    EVP_MD_CTX_free(sha1_);
    EVP_MD_CTX_free(sha256_);
    EVP_MD_CTX_free(part_);
}

std::error_code blob_upload::write(std::string_view chunk) {
    EVP_DigestUpdate(md5_, chunk.data(), chunk.size());
    EVP_DigestUpdate(sha1_, chunk.data(), chunk.size());
    EVP_DigestUpdate(sha256_, chunk.data(), chunk.size());
    if (part_ != nullptr) {
        // Part boundaries fall where the multipart upload will cut: every part_size_ bytes.
        std::string_view rest = chunk;
        while (!rest.empty()) {
            const auto take = static_cast<std::size_t>(
                std::min<std::uint64_t>(rest.size(), part_size_ - part_fill_));
            EVP_DigestUpdate(part_, rest.data(), take);
            part_fill_ += take;
            rest.remove_prefix(take);
            if (part_fill_ == part_size_) {
                parts_.push_back(hex_of(part_));
                EVP_DigestInit_ex(part_, EVP_sha256(), nullptr);
                part_fill_ = 0;
            }
        }
    }
    size_ += chunk.size();
    if (fault::hit(fault::point::blob_write)) {
        return std::make_error_code(std::errc::io_error);
    }
    while (!chunk.empty()) {
        const ssize_t n = ::write(fd_, chunk.data(), chunk.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_code();
        }
        chunk.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

std::error_code blob_upload::restart() {
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
        return errno_code();
    }
    size_ = 0;
    if (EVP_DigestInit_ex(md5_, EVP_md5(), nullptr) != 1 ||
        EVP_DigestInit_ex(sha1_, EVP_sha1(), nullptr) != 1 ||
        EVP_DigestInit_ex(sha256_, EVP_sha256(), nullptr) != 1 ||
        (part_ != nullptr && EVP_DigestInit_ex(part_, EVP_sha256(), nullptr) != 1)) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
    part_fill_ = 0;
    parts_.clear();
    return {};
}

result<blob_digest> blob_upload::finish() {
    if (fault::hit(fault::point::blob_fsync)) {
        return std::make_error_code(std::errc::io_error);
    }
    if (::fsync(fd_) != 0) {
        return errno_code();
    }
    ::close(fd_);
    fd_ = -1;
    blob_digest d;
    d.md5 = hex_of(md5_);
    d.sha1 = hex_of(sha1_);
    d.sha256 = hex_of(sha256_);
    d.size = size_;
    if (part_ != nullptr && (part_fill_ > 0 || parts_.empty())) {
        parts_.push_back(hex_of(part_));
        part_fill_ = 0;
    }
    return d;
}

std::filesystem::path backup_lock_path(const std::filesystem::path& data_dir) {
    return data_dir / "backup.lock";
}

blob_store::blob_store(const std::filesystem::path& data_dir)
    : blobs_(data_dir / "blobs")
    , tmp_(data_dir / "tmp")
    , lock_path_(backup_lock_path(data_dir)) {
    std::error_code ec;
    std::filesystem::create_directories(blobs_, ec);
    std::filesystem::create_directories(tmp_, ec);
    lock_.reset(open_backup_lock(lock_path_));
    if (!lock_) {
        // Unlinks then go ahead unguarded: a backup running meanwhile finds a blob of its
        // snapshot missing and fails saying so, it never completes without it.
        const auto why = errno_code();
        log::error("cannot open " + lock_path_.string() + " (backups may fail while blobs go)",
                   why);
    }
}

std::uint64_t blob_store::part_size() const noexcept {
    return bucket_ != nullptr ? bucket_->options().part_size : 0;
}

std::filesystem::path blob_store::path_of(std::string_view sha256_hex) const {
    return blobs_ / std::string(sha256_hex);
}

bool blob_store::has(std::string_view sha256_hex) const {
    return is_sha256_hex(sha256_hex) && ::access(path_of(sha256_hex).c_str(), F_OK) == 0;
}

std::error_code blob_store::link(blob_upload& upload, std::string_view sha256_hex) {
    if (!is_sha256_hex(sha256_hex)) {
        return make_error_code(errc::invalid_argument);
    }
    if (bucket_ != nullptr) {
        // The bytes went to the bucket before this job was queued; the spool file is done.
        if (!upload.pushed()) {
            return make_error_code(errc::not_found);
        }
        if (!upload.path().empty()) {
            ::unlink(upload.path().c_str());
            upload.release();
        }
        return {};
    }
    const auto target = path_of(sha256_hex);
    if (upload.path().empty()) {
        // Linked by an earlier run of this job (the batch was retried): nothing left to move.
        return ::access(target.c_str(), F_OK) == 0 ? std::error_code{}
                                                   : make_error_code(errc::not_found);
    }
    if (::access(target.c_str(), F_OK) == 0) {
        ::unlink(upload.path().c_str());
        upload.release();
        return {};
    }
    if (fault::hit(fault::point::blob_link) ||
        ::rename(upload.path().c_str(), target.c_str()) != 0) {
        return errno_code();
    }
    upload.release();
    dirty_ = true;
    return {};
}

std::error_code blob_store::sync() {
    if (!dirty_) {
        return {};
    }
    dirty_ = false;
    return fsync_dir(blobs_);
}

bool blob_store::lock_out_backups() {
    if (!lock_) {
        return true;
    }
    int rc = 0;
    do {
        rc = ::flock(lock_.get(), LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    // EWOULDBLOCK: a backup holds it. Any other failure is treated alike: keeping a file a
    // little longer is always safe.
    return rc == 0;
}

void blob_store::let_backups_in() {
    ::flock(lock_.get(), LOCK_UN);
}

void blob_store::remove(std::string_view sha256_hex) {
    if (!is_sha256_hex(sha256_hex)) {
        return;
    }
    // Held exclusively across the unlink: a backup that starts now waits the few microseconds
    // for it, then takes its snapshot, which already lacks this blob's last reference.
    if (!lock_out_backups()) {
        if (deferred_.emplace(sha256_hex).second) {
            deferred_count_.fetch_add(1, std::memory_order_relaxed);
        }
        return;
    }
    ::unlink(path_of(sha256_hex).c_str());
    if (bucket_ != nullptr) {
        bucket_->queue_delete(std::string(sha256_hex));
    }
    if (lock_) {
        let_backups_in();
    }
}

bool blob_store::backup_running() const {
    const unique_fd probe(open_backup_lock(lock_path_));
    if (!probe) {
        return false;
    }
    if (::flock(probe.get(), LOCK_EX | LOCK_NB) != 0) {
        return errno == EWOULDBLOCK;
    }
    return false; // closing the probe lets go of the lock
}

std::size_t blob_store::remove_deferred(const std::function<bool(std::string_view)>& still_unused) {
    if (deferred_.empty() || !lock_out_backups()) {
        return 0;
    }
    std::size_t n = 0;
    for (const auto& sha : deferred_) {
        if (still_unused(sha)) {
            ::unlink(path_of(sha).c_str());
            if (bucket_ != nullptr) {
                bucket_->queue_delete(sha);
            }
            ++n;
        }
    }
    deferred_.clear();
    deferred_count_.store(0, std::memory_order_relaxed);
    if (lock_) {
        let_backups_in();
    }
    return n;
}

std::size_t blob_store::sweep_tmp() {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(tmp_, ec)) {
        if (e.is_regular_file(ec)) {
            std::filesystem::remove(e.path(), ec);
            ++n;
        }
    }
    return n;
}

std::vector<std::string> blob_store::list_blobs() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(blobs_, ec)) {
        out.push_back(e.path().filename().string());
    }
    return out;
}

} // namespace packyard::store
