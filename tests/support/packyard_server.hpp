#pragma once

// Test support: runs the real packyard binary on a free loopback port with a temporary data
// folder, and talks HTTP/1.1 to it over one keep-alive connection.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <rapidjson/document.h>
#include <string>
#include <utility>
#include <vector>

namespace packyard::testing {

/// A fresh folder under the system temp dir, removed with its contents on destruction.
class temp_folder {
public:
    temp_folder();
    ~temp_folder();
    temp_folder(const temp_folder&) = delete;
    temp_folder& operator=(const temp_folder&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

/// A name for the data folder `data`, only [a-z0-9-]: its last two path components and a hash
/// of its absolute path, the same for the same folder (a restarted server gets the same name);
/// tests/compat/harness.py's unique_for computes the same.
std::string unique_for(const std::filesystem::path& data);

/// The words of PACKYARD_TEST_SERVER_ARGS (split on whitespace; unset or empty: none) with
/// `{unique}` replaced by unique_for(data). tests/s3/suite.sh sets it to run the HTTP tests
/// against the S3 blob backend (`--blob-store s3 ... --s3-prefix t-{unique}/`).
std::vector<std::string> test_server_args(const std::filesystem::path& data);

/// The packyard binary as a child process.
class server_process {
public:
    /// Starts `packyard serve --listen 127.0.0.1:0 --data <data>` plus extra arguments and
    /// test_server_args(data), with PACKYARD_ROOT_TOKEN set to root_token (unless empty); waits
    /// for the listening line.
    server_process(std::filesystem::path data, std::string token,
                   std::vector<std::string> extra_args = {},
                   std::vector<std::pair<std::string, std::string>> env = {});
    ~server_process();
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    int pid() const noexcept { return pid_; }
    /// The process's resident memory (VmRSS), in KiB.
    std::uint64_t rss_kib() const;
    /// Sends a signal; then wait_exit() reports how it ended.
    void signal(int sig);
    /// Waits for the process to end; returns its exit status, or -1 on timeout / signal death.
    int wait_exit(std::chrono::milliseconds timeout);
    bool running();
    /// What the server wrote to stderr so far (logs).
    std::string log() const;

private:
    void start();

    std::filesystem::path data_;
    std::string root_token_;
    std::vector<std::string> extra_;
    std::vector<std::pair<std::string, std::string>> env_;
    int pid_ = -1;
    std::uint16_t port_ = 0;
    std::filesystem::path log_path_;
};

struct http_response {
    unsigned status = 0;
    std::map<std::string, std::string> headers; ///< lower-case names
    std::string body;

    std::string header(const std::string& name) const;
    bool has_header(const std::string& name) const;
    rapidjson::Document json() const;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

/// One keep-alive HTTP/1.1 connection (reconnects when the server closed it).
class http_client {
public:
    explicit http_client(std::uint16_t port);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    http_response request(const std::string& method, const std::string& target,
                          const std::string& body = {}, const header_list& headers = {});
    http_response get(const std::string& target, const header_list& headers = {}) {
        return request("GET", target, {}, headers);
    }
    http_response del(const std::string& target, const header_list& headers = {}) {
        return request("DELETE", target, {}, headers);
    }
    http_response post_json(const std::string& target, const std::string& json,
                            header_list headers = {});
    http_response put(const std::string& target, const std::string& body,
                      const header_list& headers = {}) {
        return request("PUT", target, body, headers);
    }

private:
    struct impl;
    impl* impl_;
};

/// A raw response with its "X-Request-Id: <ULID>\r\n" line taken out (ids differ on every
/// response); unchanged when there is no such line or its value is not a ULID.
std::string without_request_id(std::string raw);

/// Sends raw bytes on a fresh connection and returns everything read until the server closes
/// or the timeout passes (the bool says whether the server closed it).
std::pair<std::string, bool> raw_exchange(std::uint16_t port, const std::string& bytes,
                                          std::chrono::milliseconds timeout);

/// A raw TCP connection for requests sent in pieces, kept open, or never finished.
class raw_connection {
public:
    explicit raw_connection(std::uint16_t port);
    ~raw_connection();
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;

    /// Sends every byte; false once the server has closed or reset the connection.
    bool send(std::string_view bytes);
    /// What arrives until the server closes (the bool) or the timeout passes.
    std::pair<std::string, bool> read(std::chrono::milliseconds timeout);
    /// What arrives until the bytes seen hold `until`, the server closes, or the timeout passes.
    std::string read_until(std::string_view until, std::chrono::milliseconds timeout);
    void close();
    /// The socket, for poll(2) over many connections at once.
    int fd() const noexcept { return fd_; }

private:
    int fd_ = -1;
};

/// The token every fixture gives root.
inline const std::string root_token = "glpat-roottesttoken0000000000";
inline header_list as_root() {
    return {{"PRIVATE-TOKEN", root_token}};
}
inline header_list with_token(const std::string& t) {
    return {{"PRIVATE-TOKEN", t}};
}

/// A running server on a fresh data folder, and a client connected to it.
struct server_fixture {
    server_fixture();
    explicit server_fixture(std::vector<std::string> extra,
                            std::vector<std::pair<std::string, std::string>> env = {});
    temp_folder dir;
    server_process server;
    http_client http;

    /// Creates what a test needs through the API; each returns the new id.
    std::uint64_t create_group(const std::string& path, const std::string& visibility,
                               std::uint64_t parent = 0);
    std::uint64_t create_project(const std::string& path, std::uint64_t namespace_id,
                                 const std::string& visibility);
    /// A user and an api-scoped token for them.
    std::pair<std::uint64_t, std::string> create_user(const std::string& username);
    void add_member(const std::string& kind, std::uint64_t id, std::uint64_t user,
                    int access_level);
    /// A generic upload; returns the HTTP status.
    unsigned upload(std::uint64_t project, const std::string& name, const std::string& version,
                    const std::string& file, const std::string& content,
                    const header_list& auth = as_root());
};

/// Standard base64 (for HTTP Basic credentials).
std::string base64(const std::string& s);

/// JSON string field, or "" when absent / not a string.
std::string str_field(const rapidjson::Value& v, const char* name);
std::int64_t int_field(const rapidjson::Value& v, const char* name);

} // namespace packyard::testing
