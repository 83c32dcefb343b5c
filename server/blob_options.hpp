#pragma once

// Where package bytes live: the flags every command that touches blobs takes (serve, check,
// migrate-blobs), and the bucket they describe. Credentials and region fall back to the AWS
// variables every S3 tool reads (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL); the secret is never
// printed or logged.

#include "store/s3/bucket.hpp"

#include <boost/program_options/options_description.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

namespace packyard::server {

struct blob_flags {
    std::string store = "local";
    std::string endpoint;
    std::string bucket;
    std::string region;
    std::string access_key_id;
    std::string secret_access_key;
    std::string prefix = "blobs/";
    long timeout_seconds = 30;
    std::uint64_t part_size_mib = 16;
    bool direct_download = false;
};

/// Adds --blob-store, --s3-* and --blob-direct-download to d.
void add_blob_options(boost::program_options::options_description& d, blob_flags& f);

/// The bucket the flags name (nullopt for --blob-store local), or the error to print.
struct blob_choice {
    std::optional<store::s3::bucket_options> s3;
    std::string error;
};
blob_choice resolve_blob_flags(const blob_flags& f);

/// Opens the bucket and checks it answers to these credentials (a HEAD on it), so a wrong
/// endpoint, bucket or secret stops the start with a clear line instead of failing uploads
/// later. Null and `error` set when it does not.
std::unique_ptr<store::s3::bucket> open_bucket(const store::s3::bucket_options& o,
                                               std::string& error);

/// DATA/blob-store: where a data folder's blobs went last, "local" or "s3 BUCKET PREFIX", so a
/// start (or a check) without the bucket's flags on a folder whose bytes live in a bucket stops
/// with a line saying so instead of answering 404 for every download, and migrate-blobs
/// --remove-local only drops local copies a server in S3 mode would no longer read.
std::string blob_location_of(const std::optional<store::s3::bucket_options>& s3);
/// The recorded location ("" when none was recorded: a folder from before the marker, local).
std::string read_blob_location(const std::filesystem::path& data_dir);
/// The folder's own id (the file's second line), made and recorded with `location` when it has
/// none yet.
std::string read_store_id(const std::filesystem::path& data_dir);
/// Records it durably (temp file, fsync, rename, fsync of the folder), with the folder's id.
std::error_code write_blob_location(const std::filesystem::path& data_dir,
                                    const std::string& location, const std::string& id);
/// Serve and check --repair: the folder's id, after claiming the bucket's prefix for it (see
/// store::s3::bucket::claim); empty and `error` set when another folder owns the prefix or
/// the claim failed.
std::string claim_prefix(store::s3::bucket& b, const std::filesystem::path& data_dir,
                         std::string& error);
/// The error to stop with when `wanted` may not open a folder recorded as `recorded` (a
/// local start on a folder in a bucket, or another bucket or prefix); "" when it may.
std::string blob_location_conflict(const std::string& recorded, const std::string& wanted);

/// What serve, check and backup open on a data folder: no bucket for --blob-store local, else
/// the bucket, once DATA/blob-store allows these flags (blob_location_conflict) and the
/// bucket answers (open_bucket).
struct opened_blobs {
    std::unique_ptr<store::s3::bucket> bucket;
    std::string error;     ///< set when the command must stop
    bool conflict = false; ///< the error is the folder's recorded location, not the bucket
};
opened_blobs open_blob_location(const std::filesystem::path& data_dir,
                                const std::optional<store::s3::bucket_options>& s3);

/// `packyard migrate-blobs --to s3 ...`: copies every blob of DATA/blobs into the bucket
/// (idempotent; beside a running server), optionally removing each local copy once stored.
int run_migrate_blobs(int argc, char** argv);

} // namespace packyard::server
