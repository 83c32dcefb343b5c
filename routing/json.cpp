#include "routing/json.hpp"

#include <vector>

namespace packyard::routing {

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
