#include "server/bootstrap.hpp"

#include "store/clock.hpp"
#include "store/crypto.hpp"
#include "store/identity.hpp"

#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

namespace packyard::server {
namespace {

std::error_code write_secret_file(const std::filesystem::path& path, const std::string& secret) {
    const std::string tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return {errno, std::generic_category()};
    }
    const std::string line = secret + "\n";
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        return {errno, std::generic_category()};
    }
    return {};
}

store::token root_token(std::int64_t now) {
    store::token tok;
    tok.kind = store::token_kind::personal;
    tok.user_id = 1;
    tok.scopes = store::scope_api | store::scope_read_api | store::scope_read_user |
                 store::scope_sudo | store::scope_admin_mode;
    tok.created_at = now;
    return tok;
}

} // namespace

std::error_code bootstrap_root(store::environment& env, store::writer& w,
                               const std::filesystem::path& data_dir, std::string& log_line) {
    const char* env_token = std::getenv("PACKYARD_ROOT_TOKEN");
    const bool from_env = env_token != nullptr && *env_token != '\0';
    const auto [has_root, env_token_known] = store::with_snapshot(env, [&](const auto& t) {
        return std::pair{store::find_user(t, 1).has_value(),
                         from_env && store::find_token_by_secret(t, env_token).has_value()};
    });
    const std::int64_t now = store::now_ms();
    if (has_root) {
        if (!from_env || env_token_known) {
            return {};
        }
        auto tok = root_token(now);
        tok.name = "PACKYARD_ROOT_TOKEN";
        const std::string secret = env_token;
        log_line = "added PACKYARD_ROOT_TOKEN to user root";
        return w
            .async_run([&](store::write_txn& t) { return store::create_token(t, tok, secret); },
                       boost::asio::use_future)
            .get();
    }
    const std::string secret =
        from_env ? std::string(env_token) : "glpat-" + store::random_token_chars(20);
    store::user root;
    root.username = "root";
    root.name = "Administrator";
    root.email = "admin@example.com";
    root.admin = true;
    root.created_at = now;
    auto tok = root_token(now);
    tok.name = "initial root token";
    auto ec = w.async_run(
                   [&](store::write_txn& t) -> std::error_code {
                       if (auto e = store::create_user(t, root)) {
                           return e;
                       }
                       tok.user_id = root.id;
                       return store::create_token(t, tok, secret);
                   },
                   boost::asio::use_future)
                  .get();
    if (ec) {
        return ec;
    }
    if (from_env) {
        log_line = "created user root with the token from PACKYARD_ROOT_TOKEN";
        return {};
    }
    const auto file = data_dir / "initial_root_token";
    if (auto fe = write_secret_file(file, secret)) {
        return fe;
    }
    log_line = "created user root; its token is in " + file.string() + " (mode 0600)";
    return {};
}

} // namespace packyard::server
