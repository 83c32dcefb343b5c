#include "server/blob_options.hpp"

#include <boost/program_options.hpp>
#include <cstdlib>

namespace packyard::server {
namespace po = boost::program_options;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

} // namespace

void add_blob_options(po::options_description& d, blob_flags& f) {
    d.add_options()(
        "blob-store", po::value<std::string>(&f.store)->default_value("local"),
        "where package bytes live: local (DATA/blobs) or s3 (a bucket of S3, MinIO or Ceph)")(
        "s3-endpoint", po::value<std::string>(&f.endpoint),
        "the object store, http://host:port, path-style (default: AWS_ENDPOINT_URL_S3 or "
        "AWS_ENDPOINT_URL)")("s3-bucket", po::value<std::string>(&f.bucket),
                             "the bucket (it must exist)")(
        "s3-region", po::value<std::string>(&f.region),
        "signing region (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)")(
        "s3-access-key-id", po::value<std::string>(&f.access_key_id), "default: AWS_ACCESS_KEY_ID")(
        "s3-secret-access-key", po::value<std::string>(&f.secret_access_key),
        "default: AWS_SECRET_ACCESS_KEY (prefer the variable: a "
        "flag shows in the process list)")(
        "s3-prefix", po::value<std::string>(&f.prefix)->default_value("blobs/"),
        "key prefix of the objects (each is PREFIX + sha256[0:2] + / + sha256)")(
        "s3-timeout", po::value<long>(&f.timeout_seconds)->default_value(30),
        "seconds each object-store call may wait on a read or write")(
        "s3-part-size-mib", po::value<std::uint64_t>(&f.part_size_mib)->default_value(16),
        "uploads past this many MiB go as multipart uploads of parts this size (5 to 5120)")(
        "blob-direct-download", po::bool_switch(&f.direct_download),
        "answer downloads with a 302 to a presigned URL of the object store instead of "
        "streaming the bytes through packyard");
}

blob_choice resolve_blob_flags(const blob_flags& f) {
    blob_choice out;
    if (f.store == "local") {
        return out;
    }
    if (f.store != "s3") {
        out.error = "--blob-store must be local or s3";
        return out;
    }
    store::s3::bucket_options o;
    o.client.endpoint = !f.endpoint.empty()
                            ? f.endpoint
                            : env_or("AWS_ENDPOINT_URL_S3", env_or("AWS_ENDPOINT_URL", ""));
    o.client.bucket = f.bucket;
    o.client.region = !f.region.empty()
                          ? f.region
                          : env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", "us-east-1"));
    o.client.creds.access_key_id =
        !f.access_key_id.empty() ? f.access_key_id : env_or("AWS_ACCESS_KEY_ID", "");
    o.client.creds.secret_access_key =
        !f.secret_access_key.empty() ? f.secret_access_key : env_or("AWS_SECRET_ACCESS_KEY", "");
    o.client.session_token = env_or("AWS_SESSION_TOKEN", "");
    o.client.io_timeout = std::chrono::seconds(f.timeout_seconds);
    o.prefix = f.prefix;
    o.part_size = f.part_size_mib << 20;
    o.direct_download = f.direct_download;
    if (o.client.endpoint.empty()) {
        out.error = "--blob-store s3 needs --s3-endpoint (or AWS_ENDPOINT_URL)";
    } else if (!store::s3::parse_endpoint(o.client.endpoint)) {
        out.error = "--s3-endpoint must be http://host[:port] (path-style, no path)";
    } else if (o.client.bucket.empty()) {
        out.error = "--blob-store s3 needs --s3-bucket";
    } else if (o.client.creds.access_key_id.empty() || o.client.creds.secret_access_key.empty()) {
        out.error = "--blob-store s3 needs credentials: --s3-access-key-id and "
                    "--s3-secret-access-key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    } else if (f.timeout_seconds <= 0) {
        out.error = "--s3-timeout must be positive";
    } else if (f.part_size_mib < 5 || f.part_size_mib > 5120) {
        out.error = "--s3-part-size-mib must be between 5 and 5120 (S3's part limits)";
    } else if (!f.prefix.empty() && f.prefix.back() != '/') {
        out.error = "--s3-prefix must end in /";
    } else {
        out.s3 = std::move(o);
    }
    return out;
}

std::unique_ptr<store::s3::bucket> open_bucket(const store::s3::bucket_options& o,
                                               std::string& error) {
    auto b = std::make_unique<store::s3::bucket>(o);
    const auto f = b->run(b->probe());
    if (f.failed()) {
        error = "cannot use bucket " + o.client.bucket + " at " + o.client.endpoint + ": " +
                f.describe() +
                (f.status == 403 ? " (check the access key and secret, and the region)"
                                 : std::string());
        return nullptr;
    }
    return b;
}

} // namespace packyard::server
