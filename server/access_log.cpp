#include "server/access_log.hpp"

#include "routing/json.hpp"

#include <chrono>
#include <unistd.h>

namespace packyard::server {
namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// Percent-decodes and lower-cases a query key, keeping a malformed escape as it is.
std::string lenient_key(std::string_view raw) {
    std::string key;
    key.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%' && i + 2 < raw.size()) {
            const int hi = hex_digit(raw[i + 1]);
            const int lo = hex_digit(raw[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = static_cast<char>(hi * 16 + lo);
                i += 2;
            }
        } else if (c == '+') {
            c = ' ';
        }
        key.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return key;
}

bool is_secret_key(std::string_view raw) {
    std::string key = lenient_key(raw);
    if (const auto bracket = key.find('['); bracket != std::string::npos) {
        key.resize(bracket); // "private_token[]" is still the private token
    }
    return key.ends_with("token") || key.find("password") != std::string::npos ||
           key.find("secret") != std::string::npos;
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

std::string printable(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    auto escape = [&out](unsigned char b) {
        out.append("\\x", 2);
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 15U]);
    };
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            if (b < 0x20 || b == 0x7f || b == '\\') {
                escape(b);
            } else {
                out.push_back(static_cast<char>(b));
            }
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
        std::size_t len = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) {
            len = 2;
        } else if (b >= 0xe0 && b <= 0xef) {
            len = 3;
            lo = b == 0xe0 ? 0xa0 : 0x80;
            hi = b == 0xed ? 0x9f : 0xbf;
        } else if (b >= 0xf0 && b <= 0xf4) {
            len = 4;
            lo = b == 0xf0 ? 0x90 : 0x80;
            hi = b == 0xf4 ? 0x8f : 0xbf;
        }
        bool ok = len != 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xbf);
        }
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            escape(b);
            ++i;
        }
    }
    return out;
}

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
    const std::string target = printable(redact_target(e.target));
    if (fmt == log_format::json) {
        routing::json_writer w;
        w.begin_object();
        w.key("time").str(routing::iso8601(now_ms()));
        w.field("remote", e.remote).field("method", printable(e.method)).field("path", target);
        w.field_u("status", e.status).field_u("bytes", e.bytes).field_u("duration_us", e.micros);
        w.end_object();
        line = w.take();
    } else {
        routing::append_iso8601(line, now_ms());
        line += ' ';
        line += e.remote;
        line += " \"";
        line += printable(e.method);
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
