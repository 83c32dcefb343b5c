#include "tests/support/packyard_server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <optional>
#include <ostream> // before Beast (GCC 12 + Boost 1.81)
#include <poll.h>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace packyard::testing {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {
std::atomic<int> folder_counter{0};

std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : s) {
        h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    }
    return h;
}
} // namespace

std::string unique_for(const std::filesystem::path& data) {
    std::string path = std::filesystem::absolute(data).lexically_normal().string();
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    // The last two components, lower-cased, every run of other characters one '-'.
    const auto last = path.rfind('/');
    const auto before = last == 0 || last == std::string::npos ? 0 : path.rfind('/', last - 1) + 1;
    std::string readable;
    for (const char ch : std::string_view(path).substr(before)) {
        const auto c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            readable += c;
        } else if (!readable.empty() && readable.back() != '-') {
            readable += '-';
        }
    }
    readable.resize(std::min<std::size_t>(readable.size(), 40));
    while (!readable.empty() && readable.back() == '-') {
        readable.pop_back();
    }
    char hash[16];
    std::snprintf(hash, sizeof hash, "%012llx",
                  static_cast<unsigned long long>(fnv1a64(path) & 0xFFFFFFFFFFFFULL));
    return readable + "-" + hash;
}

std::vector<std::string> test_server_args(const std::filesystem::path& data) {
    const char* env = std::getenv("PACKYARD_TEST_SERVER_ARGS");
    std::vector<std::string> words;
    std::istringstream in(env == nullptr ? "" : env);
    for (std::string w; in >> w;) {
        for (auto at = w.find("{unique}"); at != std::string::npos; at = w.find("{unique}", at)) {
            const std::string u = unique_for(data);
            w.replace(at, 8, u);
            at += u.size();
        }
        words.push_back(std::move(w));
    }
    return words;
}

temp_folder::temp_folder() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("packyard-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(folder_counter.fetch_add(1)) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
}

temp_folder::~temp_folder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

server_process::server_process(std::filesystem::path data, std::string token,
                               std::vector<std::string> extra_args,
                               std::vector<std::pair<std::string, std::string>> env)
    : data_(std::move(data))
    , root_token_(std::move(token))
    , extra_(std::move(extra_args))
    , env_(std::move(env)) {
    start();
}

void server_process::start() {
    int out[2];
    if (::pipe(out) != 0) {
        throw std::runtime_error("pipe failed");
    }
    log_path_ = data_.parent_path() / (data_.filename().string() + ".log");
    const std::vector<std::string> from_environment = test_server_args(data_);
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        ::dup2(out[1], 1);
        const int err = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (err >= 0) {
            ::dup2(err, 2);
        }
        ::close(out[0]);
        ::close(out[1]);
        for (const auto& [name, value] : env_) {
            ::setenv(name.c_str(), value.c_str(), 1);
        }
        if (!root_token_.empty()) {
            ::setenv("PACKYARD_ROOT_TOKEN", root_token_.c_str(), 1);
        } else {
            ::unsetenv("PACKYARD_ROOT_TOKEN");
        }
        std::vector<std::string> args = {PACKYARD_BINARY, "serve",  "--listen",
                                         "127.0.0.1:0",   "--data", data_.string(),
                                         "--threads",     "2"};
        args.insert(args.end(), extra_.begin(), extra_.end());
        args.insert(args.end(), from_environment.begin(), from_environment.end());
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        ::execv(PACKYARD_BINARY, argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    pid_ = pid;
    // Read the listening line (10 s at most).
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos) {
        pollfd p{out[0], POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            break;
        }
        char buf[256];
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    const auto colon = line.rfind(':');
    if (line.find("packyard listening on http://127.0.0.1:") != 0 || colon == std::string::npos) {
        throw std::runtime_error("server did not start: '" + line + "'\n" + log());
    }
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}

server_process::~server_process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

void server_process::signal(int sig) {
    if (pid_ > 0) {
        ::kill(pid_, sig);
    }
}

int server_process::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

bool server_process::running() {
    if (pid_ <= 0) {
        return false;
    }
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
}

std::string server_process::log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string http_response::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

bool http_response::has_header(const std::string& name) const {
    return headers.count(name) != 0;
}

rapidjson::Document http_response::json() const {
    rapidjson::Document d;
    d.Parse(body.c_str(), body.size());
    return d;
}

struct http_client::impl {
    explicit impl(std::uint16_t p)
        : port(p) {}
    void connect() {
        stream.emplace(ioc);
        stream->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        connected = true;
    }
    std::uint16_t port;
    net::io_context ioc;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    bool connected = false;
};

http_client::http_client(std::uint16_t port)
    : impl_(new impl(port)) {}

http_client::~http_client() {
    delete impl_;
}

http_response http_client::request(const std::string& method, const std::string& target,
                                   const std::string& body, const header_list& headers) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!impl_->connected) {
            impl_->connect();
            impl_->buffer.clear();
        }
        http::request<http::string_body> req{http::string_to_verb(method), target, 11};
        req.set(http::field::host, "127.0.0.1:" + std::to_string(impl_->port));
        for (const auto& [k, v] : headers) {
            req.set(k, v);
        }
        req.body() = body;
        if (!body.empty() || method == "POST" || method == "PUT") {
            req.prepare_payload();
        }
        beast::error_code ec;
        impl_->stream->expires_after(std::chrono::seconds(30));
        http::write(*impl_->stream, req, ec);
        http::response_parser<http::string_body> parser;
        parser.body_limit(1ULL << 30);
        parser.skip(method == "HEAD");
        if (!ec) {
            http::read(*impl_->stream, impl_->buffer, parser, ec);
        }
        if (ec) {
            impl_->connected = false;
            if (attempt == 0) {
                continue; // the server closed the idle keep-alive connection: retry once
            }
            throw std::runtime_error(method + " " + target + ": " + ec.message());
        }
        auto res = parser.release();
        http_response out;
        out.status = res.result_int();
        for (const auto& f : res) {
            std::string name(f.name_string());
            for (char& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            auto& slot = out.headers[name];
            slot = slot.empty() ? std::string(f.value()) : slot + ", " + std::string(f.value());
        }
        out.body = std::move(res.body());
        if (!res.keep_alive()) {
            impl_->connected = false;
        }
        return out;
    }
    throw std::runtime_error("unreachable");
}

http_response http_client::post_json(const std::string& target, const std::string& json,
                                     header_list headers) {
    headers.emplace_back("Content-Type", "application/json");
    return request("POST", target, json, headers);
}

std::pair<std::string, bool> raw_exchange(std::uint16_t port, const std::string& bytes,
                                          std::chrono::milliseconds timeout) {
    net::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    net::write(s, net::buffer(bytes));
    std::string out;
    const int fd = s.native_handle();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return {out, false};
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return {out, false};
        }
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            return {out, true};
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
}

std::uint64_t server_process::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stoull(line.substr(6));
        }
    }
    return 0;
}

raw_connection::raw_connection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        throw std::runtime_error("connect failed");
    }
}

raw_connection::~raw_connection() {
    close();
}

void raw_connection::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

bool raw_connection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::pair<std::string, bool> raw_connection::read(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return {out, false};
        }
        char buf[16384];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            return {out, true};
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
}

std::string raw_connection::read_until(std::string_view until, std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.find(until) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            break;
        }
        char buf[16384];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

server_fixture::server_fixture()
    : server_fixture(std::vector<std::string>{}) {}

server_fixture::server_fixture(std::vector<std::string> extra,
                               std::vector<std::pair<std::string, std::string>> env)
    : server(dir.path() / "data", root_token, std::move(extra), std::move(env))
    , http(server.port()) {}

std::string base64(const std::string& s) {
    std::string out(beast::detail::base64::encoded_size(s.size()), '\0');
    out.resize(beast::detail::base64::encode(out.data(), s.data(), s.size()));
    return out;
}

std::string str_field(const rapidjson::Value& v, const char* name) {
    if (!v.IsObject() || !v.HasMember(name) || !v[name].IsString()) {
        return {};
    }
    return v[name].GetString();
}

std::int64_t int_field(const rapidjson::Value& v, const char* name) {
    if (!v.IsObject() || !v.HasMember(name) || !v[name].IsInt64()) {
        return -1;
    }
    return v[name].GetInt64();
}

namespace {
std::uint64_t created_id(const http_response& r, const std::string& what) {
    if (r.status != 201) {
        throw std::runtime_error(what + " failed: " + std::to_string(r.status) + " " + r.body);
    }
    return static_cast<std::uint64_t>(int_field(r.json(), "id"));
}
} // namespace

std::uint64_t server_fixture::create_group(const std::string& path, const std::string& visibility,
                                           std::uint64_t parent) {
    std::string body =
        R"({"name":")" + path + R"(","path":")" + path + R"(","visibility":")" + visibility + "\"";
    if (parent != 0) {
        body += ",\"parent_id\":" + std::to_string(parent);
    }
    body += "}";
    return created_id(http.post_json("/api/v4/groups", body, as_root()), "create group " + path);
}

std::uint64_t server_fixture::create_project(const std::string& path, std::uint64_t namespace_id,
                                             const std::string& visibility) {
    const std::string body = R"({"name":")" + path + R"(","path":")" + path +
                             R"(","namespace_id":)" + std::to_string(namespace_id) +
                             R"(,"visibility":")" + visibility + "\"}";
    return created_id(http.post_json("/api/v4/projects", body, as_root()),
                      "create project " + path);
}

std::pair<std::uint64_t, std::string> server_fixture::create_user(const std::string& username) {
    const auto id =
        created_id(http.post_json("/api/v4/users",
                                  R"({"username":")" + username + R"(","name":")" + username +
                                      R"(","email":")" + username + R"(@example.com"})",
                                  as_root()),
                   "create user " + username);
    auto r = http.post_json("/api/v4/users/" + std::to_string(id) + "/personal_access_tokens",
                            R"({"name":"t","scopes":["api"]})", as_root());
    if (r.status != 201) {
        throw std::runtime_error("create token failed: " + r.body);
    }
    return {id, str_field(r.json(), "token")};
}

void server_fixture::add_member(const std::string& kind, std::uint64_t id, std::uint64_t user,
                                int access_level) {
    auto r = http.post_json("/api/v4/" + kind + "/" + std::to_string(id) + "/members",
                            R"({"user_id":)" + std::to_string(user) + R"(,"access_level":)" +
                                std::to_string(access_level) + "}",
                            as_root());
    if (r.status != 201) {
        throw std::runtime_error("add member failed: " + r.body);
    }
}

unsigned server_fixture::upload(std::uint64_t project, const std::string& name,
                                const std::string& version, const std::string& file,
                                const std::string& content, const header_list& auth) {
    return http
        .put("/api/v4/projects/" + std::to_string(project) + "/packages/generic/" + name + "/" +
                 version + "/" + file,
             content, auth)
        .status;
}

std::string without_request_id(std::string raw) {
    constexpr std::string_view name = "\r\nX-Request-Id: ";
    const auto at = raw.find(name);
    if (at == std::string::npos || at + name.size() + 26 + 2 > raw.size()) {
        return raw;
    }
    const auto id = std::string_view(raw).substr(at + name.size(), 26);
    const bool ulid =
        id.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ") == std::string_view::npos &&
        raw.compare(at + name.size() + 26, 2, "\r\n") == 0;
    if (ulid) {
        raw.erase(at, name.size() + 26); // keeps the line end before it
    }
    return raw;
}

} // namespace packyard::testing
