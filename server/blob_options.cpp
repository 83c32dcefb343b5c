#include "server/blob_options.hpp"

#include "store/crypto.hpp"
#include "store/unique_fd.hpp"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <unistd.h>

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

namespace packyard::server {

std::string blob_location_of(const std::optional<store::s3::bucket_options>& s3) {
    return s3 ? "s3 " + s3->client.bucket + " " + s3->prefix : std::string("local");
}

std::string read_blob_location(const std::filesystem::path& data_dir) {
    std::ifstream in(data_dir / "blob-store");
    std::string line;
    std::getline(in, line);
    return line;
}

std::string read_store_id(const std::filesystem::path& data_dir) {
    std::ifstream in(data_dir / "blob-store");
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    return line.rfind("id ", 0) == 0 ? line.substr(3) : std::string();
}

std::error_code write_blob_location(const std::filesystem::path& data_dir,
                                    const std::string& location, const std::string& id) {
    if (read_blob_location(data_dir) == location && read_store_id(data_dir) == id) {
        return {};
    }
    const auto tmp = data_dir / "blob-store.tmp";
    const auto target = data_dir / "blob-store";
    const store::unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) {
        return {errno, std::generic_category()};
    }
    const std::string text = location + "\nid " + id + "\n";
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        ::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), target.c_str()) != 0) {
        return {errno, std::generic_category()};
    }
    const store::unique_fd dir(::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) {
        ::fsync(dir.get());
    }
    return {};
}

std::string claim_prefix(store::s3::bucket& b, const std::filesystem::path& data_dir,
                         std::string& error) {
    std::string id = read_store_id(data_dir);
    if (id.empty()) {
        id = store::random_token_chars(32);
    }
    std::string owner;
    const auto f = b.run(b.claim(id, owner));
    if (f.status == 409) {
        error = "prefix " + b.options().prefix + " of bucket " + b.options().client.bucket +
                " belongs to another data folder (id " + owner + "; this one's is " + id +
                "): its start-up sweep would delete the other's objects. Give this folder its "
                "own --s3-prefix (a restored backup or a copy of a folder too)";
        return {};
    }
    if (f.failed()) {
        error = "cannot claim prefix " + b.options().prefix + " of bucket " +
                b.options().client.bucket + ": " + f.describe();
        return {};
    }
    return id;
}

std::string blob_location_conflict(const std::string& recorded, const std::string& wanted) {
    // Local to a bucket is the migration path (blobs still in the folder are served from it).
    if (recorded.empty() || recorded == "local" || recorded == wanted) {
        return {};
    }
    if (wanted == "local") {
        return "this data folder's package bytes are in a bucket (" + recorded +
               "): start with --blob-store s3 and that bucket's flags";
    }
    return "this data folder's package bytes are in another bucket or prefix (" + recorded +
           ", asked: " + wanted + "); copy the objects first, then change the flags";
}

opened_blobs open_blob_location(const std::filesystem::path& data_dir,
                                const std::optional<store::s3::bucket_options>& s3) {
    opened_blobs out;
    out.error = blob_location_conflict(read_blob_location(data_dir), blob_location_of(s3));
    if (!out.error.empty()) {
        out.conflict = true;
    } else if (s3) {
        out.bucket = open_bucket(*s3, out.error);
    }
    return out;
}

int run_migrate_blobs(int argc, char** argv) {
    std::string to;
    std::string data;
    bool remove_local = false;
    blob_flags flags;
    po::options_description d("packyard migrate-blobs options");
    const char* env_data = std::getenv("PACKYARD_DATA");
    d.add_options()("help", "show this help")("data",
                                              po::value<std::string>(&data)->default_value(
                                                  env_data != nullptr ? env_data : "packyard-data"),
                                              "data folder whose DATA/blobs to copy")(
        "to", po::value<std::string>(&to), "where to: s3 (the bucket the flags name)")(
        "remove-local", po::bool_switch(&remove_local),
        "remove each local blob once the bucket holds it (only for a folder a server has "
        "already opened with these S3 flags)");
    add_blob_options(d, flags);
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc - 1, argv + 1, d), vm);
        po::notify(vm);
        if (vm.count("help") != 0U) {
            std::cout << "Usage: packyard migrate-blobs --to s3 --data DIR [S3 options]\n\n"
                         "Copies every blob of DIR/blobs into the bucket under its content "
                         "address,\nskipping what is there already. Safe beside a running "
                         "server and safe to run\nagain; reads keep being served throughout "
                         "(docs/operations.md, \"Running on S3,\nMinIO or Ceph\").\n\n"
                      << d;
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "packyard migrate-blobs: " << e.what() << '\n';
        return 2;
    }
    flags.store = "s3";
    auto chosen = resolve_blob_flags(flags);
    if (to != "s3" || !chosen.error.empty()) {
        std::cerr << "packyard migrate-blobs: "
                  << (to != "s3" ? std::string("--to must be s3") : chosen.error) << '\n';
        return 2;
    }
    const std::filesystem::path dir(data);
    if (remove_local && read_blob_location(dir) != blob_location_of(chosen.s3)) {
        std::cerr << "packyard migrate-blobs: --remove-local needs a folder a server has opened "
                     "with these S3 flags (DATA/blob-store says '"
                  << read_blob_location(dir) << "'): start the server on the bucket first\n";
        return 2;
    }
    std::string why;
    auto bucket = open_bucket(*chosen.s3, why);
    if (!bucket) {
        std::cerr << "packyard migrate-blobs: " << why << '\n';
        return 1;
    }
    std::size_t copied = 0;
    std::size_t removed = 0;
    std::size_t failed = 0;
    std::uint64_t bytes = 0;
    std::error_code ec;
    const auto part = chosen.s3->part_size;
    for (const auto& e : std::filesystem::directory_iterator(dir / "blobs", ec)) {
        const auto name = e.path().filename().string();
        std::error_code sec;
        if (!store::is_sha256_hex(name) || !e.is_regular_file(sec)) {
            continue;
        }
        // The parts' hashes, read once (the whole file's is its name: the gateway checks the
        // bytes against it, so a damaged local blob is refused, not copied).
        store::blob_digest dg;
        dg.sha256 = name;
        dg.size = e.file_size(sec);
        std::vector<std::string> parts;
        {
            std::ifstream in(e.path(), std::ios::binary);
            std::vector<char> buf(1 << 20);
            store::sha256_stream h;
            store::sha256_stream whole;
            std::uint64_t fill = 0;
            while (in) {
                in.read(buf.data(), static_cast<std::streamsize>(
                                        std::min<std::uint64_t>(buf.size(), part - fill)));
                const auto n = static_cast<std::uint64_t>(in.gcount());
                if (n == 0) {
                    break;
                }
                h.update(std::string_view(buf.data(), n));
                whole.update(std::string_view(buf.data(), n));
                fill += n;
                if (fill == part) {
                    parts.push_back(h.finish_hex());
                    fill = 0;
                }
            }
            if (fill > 0 || parts.empty()) {
                parts.push_back(h.finish_hex());
            }
            // A multipart upload is checked part by part, against hashes of these very bytes:
            // the whole file must hash to its name before any of it is sent.
            if (const auto got = whole.finish_hex(); got != name) {
                ++failed;
                std::cerr << "packyard migrate-blobs: " << name << " not copied: its bytes hash to "
                          << got << " (damaged: packyard check names its package)\n";
                continue;
            }
        }
        const auto f = bucket->run(bucket->push(e.path(), dg, parts));
        if (f.failed()) {
            ++failed;
            std::cerr << "packyard migrate-blobs: " << name << " not copied: " << f.describe()
                      << '\n';
            continue;
        }
        ++copied;
        bytes += dg.size;
        if (remove_local && std::filesystem::remove(e.path(), sec)) {
            ++removed;
        }
    }
    if (ec) {
        std::cerr << "packyard migrate-blobs: cannot list " << (dir / "blobs").string() << ": "
                  << ec.message() << '\n';
        return 1;
    }
    std::cout << "migrate-blobs: " << copied << " blob(s) stored in the bucket (" << bytes
              << " bytes), " << removed << " local cop" << (removed == 1 ? "y" : "ies")
              << " removed, " << failed << " failed\n";
    return failed == 0 ? 0 : 1;
}

} // namespace packyard::server
