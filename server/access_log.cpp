#include "server/access_log.hpp"

#include "store/clock.hpp"
#include "store/log.hpp"
#include "store/text.hpp"

#include <charconv>

namespace packyard::server {
namespace {

/// Percent-decodes and lower-cases a query key, keeping a malformed escape as it is.
std::string lenient_key(std::string_view raw) {
    std::string key;
    key.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%' && i + 2 < raw.size()) {
            const int hi = store::hex_value(raw[i + 1]);
            const int lo = store::hex_value(raw[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = static_cast<char>(hi * 16 + lo);
                i += 2;
            }
        } else if (c == '+') {
            c = ' ';
        }
        key.push_back(store::ascii_lower(c));
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

void append_number(std::string& out, std::uint64_t v) {
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
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

void write_access_log(const access_entry& e) {
    thread_local std::string line;
    line.clear();
    const std::string target = redact_target(e.target);
    if (log::current_format() == log::format::json) {
        line += "{\"time\":\"";
        store::append_iso8601(line, store::now_ms());
        line += "\",\"remote\":";
        log::append_json_string(line, e.remote);
        line += ",\"method\":";
        log::append_json_string(line, e.method);
        line += ",\"path\":";
        log::append_json_string(line, target);
        line += ",\"status\":";
        append_number(line, e.status);
        line += ",\"bytes\":";
        append_number(line, e.bytes);
        line += ",\"duration_us\":";
        append_number(line, e.micros);
        if (!e.request_id.empty()) {
            line += ",\"correlation_id\":";
            log::append_json_string(line, e.request_id);
        }
        line += '}';
    } else {
        store::append_iso8601(line, store::now_ms());
        line += ' ';
        line += e.remote;
        line += " \"";
        line += log::printable(e.method);
        line += ' ';
        line += log::printable(target);
        line += "\" ";
        append_number(line, e.status);
        line += ' ';
        append_number(line, e.bytes);
        line += ' ';
        append_number(line, e.micros);
        line += "us";
        if (!e.request_id.empty()) {
            line += ' ';
            line += log::printable(e.request_id);
        }
    }
    log::write_line(line);
}

} // namespace packyard::server
