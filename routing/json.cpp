#include "routing/json.hpp"

#include <ctime>

namespace packyard::routing {

void append_iso8601(std::string& out, std::int64_t ms) {
    std::int64_t secs = ms / 1000;
    std::int64_t frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        secs -= 1;
    }
    const auto t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, static_cast<int>(frac));
    out.append(buf, static_cast<std::size_t>(n));
}

std::string iso8601(std::int64_t ms) {
    std::string s;
    append_iso8601(s, ms);
    return s;
}

json_writer::json_writer()
    : w_(sb_) {}

json_writer& json_writer::time(std::int64_t ms) {
    if (ms == 0) {
        return null();
    }
    std::string s;
    s.reserve(32);
    append_iso8601(s, ms);
    return str(s);
}

std::string json_writer::take() {
    std::string out(sb_.GetString(), sb_.GetSize());
    sb_.Clear();
    w_.Reset(sb_);
    return out;
}

std::string json_quote(std::string_view s) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return {sb.GetString(), sb.GetSize()};
}

} // namespace packyard::routing
