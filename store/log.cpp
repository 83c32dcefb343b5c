#include "store/log.hpp"

#include "store/clock.hpp"

#include <atomic>
#include <unistd.h>

namespace packyard::log {
namespace {

std::atomic<format> chosen{format::text};

void write_all(std::string_view s) {
    while (!s.empty()) {
        const ssize_t n = ::write(2, s.data(), s.size());
        if (n <= 0) {
            return; // stderr gone: nothing sensible left to do with a log line
        }
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no
/// surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
    const auto b = static_cast<unsigned char>(s[i]);
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
    if (len == 0 || i + len > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xbf)) {
            return 0;
        }
    }
    return len;
}

} // namespace

void set_format(format f) noexcept {
    chosen.store(f, std::memory_order_relaxed);
}

format current_format() noexcept {
    return chosen.load(std::memory_order_relaxed);
}

std::string printable(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = 1;
        bool keep = false;
        if (b < 0x80) {
            keep = b >= 0x20 && b != 0x7f && b != '\\';
        } else {
            len = utf8_sequence(s, i);
            keep = len != 0;
            len = keep ? len : 1;
        }
        if (keep) {
            out.append(s.substr(i, len));
        } else {
            out.append("\\x", 2);
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 15U]);
        }
        i += len;
    }
    return out;
}

void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (const char c : printable(s)) {
        if (c == '"' || c == '\\') {
            out.push_back('\\'); // printable() leaves only its own \xHH escapes as backslashes
        }
        out.push_back(c);
    }
    out.push_back('"');
}

void write_line(std::string_view line) {
    thread_local std::string buf;
    buf.assign(line);
    buf.push_back('\n');
    write_all(buf);
}

namespace {
thread_local std::string_view current_id;
} // namespace

request_scope::request_scope(std::string_view id) noexcept
    : outer_(current_id) {
    current_id = id;
}

request_scope::~request_scope() {
    current_id = outer_;
}

std::string_view current_request_id() noexcept {
    return current_id;
}

void message(std::string_view text) {
    std::string line;
    const std::string_view id = current_id;
    if (current_format() == format::json) {
        line = "{\"time\":\"";
        store::append_iso8601(line, store::now_ms());
        line += '"';
        if (!id.empty()) {
            line += ",\"correlation_id\":";
            append_json_string(line, id);
        }
        line += ",\"message\":";
        append_json_string(line, text);
        line += '}';
    } else {
        store::append_iso8601(line, store::now_ms());
        line += " packyard: ";
        line += printable(text);
        if (!id.empty()) {
            line += " request_id=";
            line += printable(id);
        }
    }
    write_line(line);
}

void error(std::string_view what, const std::error_code& ec) {
    std::string text(what);
    text += ": ";
    text += ec.message();
    message(text);
}

} // namespace packyard::log
