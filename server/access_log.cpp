#include "server/access_log.hpp"

#include "routing/json.hpp"

#include <chrono>
#include <unistd.h>

namespace packyard::server {
namespace {

bool is_secret_key(std::string_view key) {
    return key == "private_token" || key == "job_token" || key == "token";
}

void write_all(std::string_view s) {
    while (!s.empty()) {
        const ssize_t n = ::write(2, s.data(), s.size());
        if (n <= 0) {
            return; // stderr gone: nothing sensible left to do with a log line
        }
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

std::string redact_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return std::string(target);
    }
    std::string out(target.substr(0, q + 1));
    std::string_view rest = target.substr(q + 1);
    bool first = true;
    while (true) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        const auto key = pair.substr(0, eq);
        if (!first) {
            out.push_back('&');
        }
        first = false;
        if (eq != std::string_view::npos && is_secret_key(key)) {
            out.append(key);
            out.append("=[FILTERED]");
        } else {
            out.append(pair);
        }
        if (amp == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(amp + 1);
    }
    return out;
}

void write_access_log(log_format fmt, const access_entry& e) {
    thread_local std::string line;
    line.clear();
    const std::string target = redact_target(e.target);
    if (fmt == log_format::json) {
        routing::json_writer w;
        w.begin_object();
        w.key("time").str(routing::iso8601(now_ms()));
        w.field("remote", e.remote).field("method", e.method).field("path", target);
        w.field_u("status", e.status).field_u("bytes", e.bytes).field_u("duration_us", e.micros);
        w.end_object();
        line = w.take();
    } else {
        routing::append_iso8601(line, now_ms());
        line += ' ';
        line += e.remote;
        line += " \"";
        line += e.method;
        line += ' ';
        line += target;
        line += "\" ";
        line += std::to_string(e.status);
        line += ' ';
        line += std::to_string(e.bytes);
        line += ' ';
        line += std::to_string(e.micros);
        line += "us";
    }
    line += '\n';
    write_all(line);
}

void log_message(log_format fmt, std::string_view text) {
    std::string line;
    if (fmt == log_format::json) {
        routing::json_writer w;
        w.begin_object()
            .key("time")
            .str(routing::iso8601(now_ms()))
            .field("message", text)
            .end_object();
        line = w.take();
    } else {
        routing::append_iso8601(line, now_ms());
        line += " packyard: ";
        line += text;
    }
    line += '\n';
    write_all(line);
}

} // namespace packyard::server
