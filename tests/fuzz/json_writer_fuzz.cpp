// The JSON every answer is written with (routing/json.hpp): json_writer's copy-through path for
// strings that need no escaping (SSE2 sixteen bytes at a time) beside RapidJSON's own Writer.
// The input is a program: each byte an event (object, array, key, string, number, boolean,
// null, time, raw JSON), strings and numbers taken from the bytes that follow; events that
// would not make a valid document are skipped.
//
// Invariants: json_writer's bytes are those of RapidJSON's plain Writer for the same events
// (as json.hpp promises); the document parses back, with every key and string as written;
// json_quote parses back to its text; plain_json_string is true exactly when no byte needs an
// escape.

#include "fuzz_support.hpp"
#include "routing/json.hpp"

#include <optional>
#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <string>
#include <vector>

using namespace packyard;

namespace {

/// The program's bytes, read front to back.
class program {
public:
    explicit program(std::string_view s)
        : s_(s) {}
    bool empty() const noexcept { return s_.empty(); }
    std::uint8_t byte() {
        if (s_.empty()) {
            return 0;
        }
        const auto b = static_cast<std::uint8_t>(s_.front());
        s_.remove_prefix(1);
        return b;
    }
    std::uint64_t number() {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v = (v << 8U) | byte();
        }
        return v;
    }
    std::string_view text() {
        const std::size_t n = std::min<std::size_t>(byte(), s_.size());
        const auto t = s_.substr(0, n);
        s_.remove_prefix(n);
        return t;
    }

private:
    std::string_view s_;
};

/// Keys and strings as a SAX reader sees them.
struct strings : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, strings> {
    std::vector<std::string> seen;
    bool String(const char* s, rapidjson::SizeType n, bool /*copy*/) {
        seen.emplace_back(s, n);
        return true;
    }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return String(s, n, copy); }
};

/// The keys and strings of a document, read as packyard reads JSON: with its length (a
/// MemoryStream; RapidJSON's SSE2 scan of a NUL-terminated StringStream reads past the end).
std::optional<std::vector<std::string>> parse(std::string_view json, bool iterative) {
    strings h;
    rapidjson::MemoryStream ms(json.data(), json.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(ms);
    rapidjson::Reader reader;
    const bool ok = iterative ? !reader.Parse<rapidjson::kParseIterativeFlag>(in, h).IsError()
                              : !reader.Parse(in, h).IsError();
    return ok ? std::optional(std::move(h.seen)) : std::nullopt;
}

constexpr std::string_view raw_json = R"({"raw":["x",1,null]})";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text(data, size);
    program p(input);

    routing::json_writer fast;
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> plain(sb);
    std::vector<std::string> written;
    struct frame {
        bool object;
        bool expect_key;
    };
    std::vector<frame> stack;
    bool root_done = false;

    while (!p.empty() && !root_done) {
        const std::uint8_t op = p.byte() % 12;
        const bool want_key = !stack.empty() && stack.back().object && stack.back().expect_key;
        auto value_written = [&] {
            if (stack.empty()) {
                root_done = true;
            } else if (stack.back().object) {
                stack.back().expect_key = true;
            }
        };
        if (want_key && op != 1 && op != 4) {
            continue; // only a key or the end fits here
        }
        switch (op) {
        case 0:
        case 2:
            if (stack.size() >= 64) {
                break;
            }
            stack.push_back({op == 0, op == 0});
            op == 0 ? (fast.begin_object(), plain.StartObject())
                    : (fast.begin_array(), plain.StartArray());
            break;
        case 1:
        case 3:
            if (stack.empty() || stack.back().object != (op == 1) ||
                (op == 1 && !stack.back().expect_key)) {
                break;
            }
            stack.pop_back();
            op == 1 ? (fast.end_object(), plain.EndObject(0))
                    : (fast.end_array(), plain.EndArray(0));
            value_written();
            break;
        case 4: {
            const auto s = p.text();
            written.emplace_back(s);
            if (want_key) {
                fast.key(s);
                plain.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
                stack.back().expect_key = false;
            } else {
                fast.str(s);
                plain.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
                value_written();
            }
            break;
        }
        case 5: {
            const auto v = static_cast<std::int64_t>(p.number());
            fast.i64(v);
            plain.Int64(v);
            value_written();
            break;
        }
        case 6: {
            const auto v = p.number();
            fast.u64(v);
            plain.Uint64(v);
            value_written();
            break;
        }
        case 7: {
            const bool b = (p.byte() & 1U) != 0;
            fast.boolean(b);
            plain.Bool(b);
            value_written();
            break;
        }
        case 8:
            fast.null();
            plain.Null();
            value_written();
            break;
        case 9: {
            // Times the store keeps: from the epoch to the year 9999.
            const auto ms = static_cast<std::int64_t>(p.number() % 253402300800000ULL);
            fast.time(ms);
            if (ms == 0) {
                plain.Null();
            } else {
                const std::string iso = store::iso8601(ms);
                plain.String(iso.data(), static_cast<rapidjson::SizeType>(iso.size()));
                written.push_back(iso);
            }
            value_written();
            break;
        }
        case 10:
            fast.raw_object(raw_json);
            plain.RawValue(raw_json.data(), raw_json.size(), rapidjson::kObjectType);
            written.emplace_back("raw");
            written.emplace_back("x");
            value_written();
            break;
        default: {
            const bool present = (p.byte() & 1U) != 0;
            const auto s = p.text();
            if (present) {
                written.emplace_back(s);
                plain.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
            } else {
                plain.Null();
            }
            fast.opt_str(present ? std::optional<std::string>(s) : std::nullopt);
            value_written();
        }
        }
    }
    const std::string out = fast.take();
    FUZZ_CHECK(out == std::string_view(sb.GetString(), sb.GetSize()));
    if (root_done) {
        FUZZ_CHECK(parse(out, true) == written);
    }

    // One-off strings, and the test that picks the copy-through path.
    const auto quoted = parse(routing::json_quote(input), false);
    FUZZ_CHECK(quoted && quoted->size() == 1 && quoted->front() == input);
    bool plain_text = true;
    for (const char c : input) {
        const auto u = static_cast<unsigned char>(c);
        plain_text = plain_text && u >= 0x20U && c != '"' && c != '\\';
    }
    FUZZ_CHECK(routing::detail::plain_json_string(input) == plain_text);
    return 0;
}
