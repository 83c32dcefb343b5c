#include "routing/npm/publish_body.hpp"

#include <array>

namespace packyard::routing::npm {
namespace {

/// Deeper than any npm document; the metadata parser has its own bound.
constexpr std::size_t max_depth = 256;

constexpr std::array<bool, 256> base64_table() {
    std::array<bool, 256> t{};
    for (int c = 'A'; c <= 'Z'; ++c) {
        t[static_cast<unsigned char>(c)] = true;
    }
    for (int c = 'a'; c <= 'z'; ++c) {
        t[static_cast<unsigned char>(c)] = true;
    }
    for (int c = '0'; c <= '9'; ++c) {
        t[static_cast<unsigned char>(c)] = true;
    }
    t['+'] = t['/'] = t['='] = true;
    return t;
}
constexpr auto base64_char = base64_table();

bool json_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int hex_value(char c) {
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

} // namespace

publish_body_splitter::publish_body_splitter(std::size_t metadata_limit)
    : limit_(metadata_limit) {}

void publish_body_splitter::begin_value(role& child) {
    child = role::other;
    if (stack_.empty()) {
        child = role::root;
        return;
    }
    frame& top = stack_.back();
    if (!top.object) {
        ++top.members;
        return;
    }
    if (top.what == role::root && !top.key_long && top.key == "_attachments") {
        child = role::attachments;
    } else if (top.what == role::attachments) {
        child = role::attachment;
    }
}

publish_body_splitter::status publish_body_splitter::feed(std::string_view chunk,
                                                          const sink& attachment) {
    if (failed_ != status::ok) {
        return failed_;
    }
    std::size_t i = 0;
    while (i < chunk.size()) {
        if (streaming_ && escape_ == 0) {
            // The hot loop: a run of base64 text goes to the sink as one piece.
            std::size_t j = i;
            while (j < chunk.size() && base64_char[static_cast<unsigned char>(chunk[j])]) {
                ++j;
            }
            if (j > i && !attachment(chunk.substr(i, j - i))) {
                return fail(status::sink_failed);
            }
            i = j;
            if (i == chunk.size()) {
                break;
            }
            const char c = chunk[i++];
            if (c == '"') {
                streaming_ = false;
                in_string_ = false;
                out_ += '"';
            } else if (c == '\\') {
                escape_ = 1;
            } else {
                return fail(status::malformed);
            }
            continue;
        }
        if (streaming_) {
            // An escape inside the base64 text: \/ and \u00XX spell alphabet characters, \n \r
            // \t line breaks (which base64 decoding skips anyway).
            const char c = chunk[i++];
            if (escape_ == 1) {
                if (c == '/') {
                    escape_ = 0;
                    if (!attachment("/")) {
                        return fail(status::sink_failed);
                    }
                } else if (c == 'n' || c == 'r' || c == 't') {
                    escape_ = 0;
                } else if (c == 'u') {
                    escape_ = 2;
                    unicode_ = 0;
                } else {
                    return fail(status::malformed);
                }
            } else {
                const int v = hex_value(c);
                if (v < 0) {
                    return fail(status::malformed);
                }
                unicode_ = unicode_ * 16 + static_cast<unsigned>(v);
                if (++escape_ == 6) {
                    escape_ = 0;
                    const char decoded = static_cast<char>(unicode_);
                    if (unicode_ < 0x80 && base64_char[static_cast<unsigned char>(decoded)]) {
                        if (!attachment(std::string_view(&decoded, 1))) {
                            return fail(status::sink_failed);
                        }
                    } else if (!(unicode_ < 0x80 && json_space(decoded))) {
                        return fail(status::malformed);
                    }
                }
            }
            continue;
        }
        if (auto s = step(chunk[i]); s != status::ok) {
            return fail(s);
        }
        ++i;
    }
    return status::ok;
}

publish_body_splitter::status publish_body_splitter::step(char c) {
    if (out_.size() >= limit_) {
        return status::too_large;
    }
    if (in_string_) {
        out_ += c;
        if (escape_ != 0) {
            escape_ = 0; // the escaped character (RapidJSON checks \u sequences later)
        } else if (c == '\\') {
            escape_ = 1;
        } else if (c == '"') {
            in_string_ = false;
            string_is_key_ = false;
        } else if (string_is_key_) {
            frame& top = stack_.back();
            if (top.key.size() < 16) {
                top.key += c;
            } else {
                top.key_long = true;
            }
        }
        return status::ok;
    }
    if (done_) {
        if (!json_space(c)) {
            return status::malformed;
        }
        out_ += c;
        return status::ok;
    }
    switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
        break;
    case '"': {
        in_string_ = true;
        if (!stack_.empty() && stack_.back().object && stack_.back().expect_key) {
            frame& top = stack_.back();
            string_is_key_ = true;
            top.key.clear();
            top.key_long = false;
            ++top.members;
            break;
        }
        role r{};
        begin_value(r);
        if (!stack_.empty() && stack_.back().what == role::attachment && !stack_.back().key_long &&
            stack_.back().key == "data" && streamed_index_ < 0) {
            // The first attachment's data: stream it; the metadata keeps "".
            streaming_ = true;
            streamed_index_ = attachment_member_;
        }
        break;
    }
    case '{':
    case '[': {
        if (stack_.size() >= max_depth) {
            return status::malformed;
        }
        role r{};
        begin_value(r);
        if (r == role::attachment) {
            attachment_member_ = stack_.back().members - 1;
        }
        frame f;
        f.object = c == '{';
        f.expect_key = f.object;
        f.what = f.object ? r : role::other;
        stack_.push_back(std::move(f));
        break;
    }
    case '}':
    case ']':
        if (stack_.empty() || stack_.back().object != (c == '}')) {
            return status::malformed;
        }
        stack_.pop_back();
        if (stack_.empty()) {
            done_ = true;
        }
        break;
    case ':':
        if (stack_.empty() || !stack_.back().object) {
            return status::malformed;
        }
        stack_.back().expect_key = false;
        break;
    case ',':
        if (stack_.empty()) {
            return status::malformed;
        }
        stack_.back().expect_key = stack_.back().object;
        break;
    default:
        // A scalar's characters (numbers, true, false, null); RapidJSON judges them.
        break;
    }
    out_ += c;
    return status::ok;
}

publish_body_splitter::status publish_body_splitter::finish() {
    if (failed_ != status::ok) {
        return failed_;
    }
    if (!done_ || in_string_ || streaming_) {
        return fail(status::malformed);
    }
    return status::ok;
}

} // namespace packyard::routing::npm
