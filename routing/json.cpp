#include "routing/json.hpp"

#include <vector>

namespace packyard::routing {

namespace {

// Howard Hinnant's days-to-civil algorithm: gmtime_r and snprintf were a tenth of a package
// list's CPU time, for twenty fixed-format dates.
struct civil {
    std::int64_t y;
    unsigned m;
    unsigned d;
};

civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

void put_digits(char* at, unsigned value, int width) noexcept {
    for (int i = width - 1; i >= 0; --i) {
        at[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

} // namespace

void format_iso8601(char* buf, std::int64_t ms) noexcept {
    std::int64_t secs = ms / 1000;
    std::int64_t frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        secs -= 1;
    }
    std::int64_t days = secs / 86400;
    std::int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    const civil c = civil_from_days(days);
    std::memcpy(buf, "0000-00-00T00:00:00.000Z", 24);
    put_digits(buf, static_cast<unsigned>(c.y), 4);
    put_digits(buf + 5, c.m, 2);
    put_digits(buf + 8, c.d, 2);
    put_digits(buf + 11, static_cast<unsigned>(rem / 3600), 2);
    put_digits(buf + 14, static_cast<unsigned>(rem % 3600 / 60), 2);
    put_digits(buf + 17, static_cast<unsigned>(rem % 60), 2);
    put_digits(buf + 20, static_cast<unsigned>(frac), 3);
}

void append_iso8601(std::string& out, std::int64_t ms) {
    char buf[24];
    format_iso8601(buf, ms);
    out.append(buf, 24);
}

std::string iso8601(std::int64_t ms) {
    std::string s;
    append_iso8601(s, ms);
    return s;
}

namespace {

// Writers nest (a memoised pipeline is rendered while a page is being written), so each thread
// keeps a few slots. A buffer that grew past 1 MiB for one large document is not kept.
constexpr std::size_t kept_slots = 8;
constexpr std::size_t kept_capacity = 1U << 20;

thread_local std::vector<std::unique_ptr<json_writer::slot>> free_slots;

std::unique_ptr<json_writer::slot> acquire_slot() {
    if (free_slots.empty()) {
        return std::make_unique<json_writer::slot>();
    }
    auto s = std::move(free_slots.back());
    free_slots.pop_back();
    return s;
}

} // namespace

json_writer::json_writer()
    : slot_(acquire_slot())
    , w_(slot_->w) {}

json_writer::~json_writer() {
    if (free_slots.size() < kept_slots && slot_->sb.stack_.GetCapacity() <= kept_capacity) {
        slot_->sb.Clear();
        slot_->w.Reset(slot_->sb);
        free_slots.push_back(std::move(slot_));
    }
}

json_writer& json_writer::time(std::int64_t ms) {
    if (ms == 0) {
        return null();
    }
    char buf[24];
    format_iso8601(buf, ms);
    w_.plain_string(std::string_view(buf, 24));
    return *this;
}

std::string json_writer::take() {
    auto& sb = slot_->sb;
    std::string out(sb.GetString(), sb.GetSize());
    sb.Clear();
    w_.Reset(sb);
    return out;
}

std::string json_quote(std::string_view s) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return {sb.GetString(), sb.GetSize()};
}

} // namespace packyard::routing
