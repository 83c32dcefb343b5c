#include "routing/multipart.hpp"

#include "routing/http_types.hpp"
#include "routing/limits.hpp"

#include <algorithm>

namespace packyard::routing {
namespace {

constexpr std::size_t max_part_headers = limits::part_headers;

/// The name="..." of a part's Content-Disposition header.
std::optional<std::string> disposition_name(std::string_view headers) {
    const std::string low = store::lower(headers);
    auto line_start = low.find("content-disposition:");
    if (line_start == std::string::npos) {
        return std::nullopt;
    }
    const auto line_end = low.find("\r\n", line_start);
    const auto line = std::string_view(headers).substr(line_start, line_end - line_start);
    const std::string line_low = store::lower(line);
    std::size_t pos = 0;
    while ((pos = line_low.find("name=", pos)) != std::string::npos) {
        // Skip "filename=": only the bare name parameter counts.
        if (pos > 0 && (line_low[pos - 1] == ' ' || line_low[pos - 1] == ';')) {
            auto value = line.substr(pos + 5);
            if (!value.empty() && value.front() == '"') {
                const auto close = value.find('"', 1);
                return std::string(
                    value.substr(1, close == std::string_view::npos ? close : close - 1));
            }
            const auto end = value.find(';');
            return std::string(value.substr(0, end));
        }
        pos += 5;
    }
    return std::nullopt;
}

/// The filename="..." of a part's Content-Disposition header (quoted, with \" unescaped as
/// browsers and requests write it).
std::optional<std::string> disposition_file_name(std::string_view headers) {
    const std::string low = store::lower(headers);
    const auto line_start = low.find("content-disposition:");
    if (line_start == std::string::npos) {
        return std::nullopt;
    }
    const auto line_end = low.find("\r\n", line_start);
    const auto line = headers.substr(line_start, line_end - line_start);
    const std::string line_low = store::lower(line);
    const auto pos = line_low.find("filename=");
    if (pos == std::string::npos) {
        return std::nullopt;
    }
    auto value = line.substr(pos + 9);
    if (value.empty() || value.front() != '"') {
        return std::string(value.substr(0, value.find(';')));
    }
    std::string out;
    for (std::size_t i = 1; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) {
            out += value[++i];
        } else if (value[i] == '"') {
            return out;
        } else {
            out += value[i];
        }
    }
    return std::nullopt; // unterminated
}

} // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
    const auto semi = content_type.find(';');
    auto type = content_type.substr(0, semi);
    while (!type.empty() && type.back() == ' ') {
        type.remove_suffix(1);
    }
    if (!iequals(type, "multipart/form-data") || semi == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string low = store::lower(content_type);
    const auto b = low.find("boundary=", semi);
    if (b == std::string::npos) {
        return std::nullopt;
    }
    auto value = content_type.substr(b + 9);
    if (!value.empty() && value.front() == '"') {
        const auto close = value.find('"', 1);
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        value = value.substr(1, close - 1);
    } else {
        value = value.substr(0, value.find(';'));
    }
    if (value.empty() || value.size() > 70) {
        return std::nullopt;
    }
    return std::string(value);
}

upload_wrapping classify_upload(std::string_view content_type) {
    auto type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) {
        type.remove_prefix(1);
    }
    if (type.size() < 10 || !iequals(type.substr(0, 10), "multipart/")) {
        return upload_wrapping::raw;
    }
    return multipart_boundary(content_type) ? upload_wrapping::form_data
                                            : upload_wrapping::unusable;
}

multipart_extractor::multipart_extractor(const std::string& boundary, std::string field)
    : delimiter_("\r\n--" + boundary)
    , field_(std::move(field))
    , buf_("\r\n") {} // the first delimiter has no CRLF before it: supply one

multipart_extractor::multipart_extractor(const std::string& boundary, std::string field,
                                         std::set<std::string, std::less<>> keep,
                                         std::size_t field_cap)
    : multipart_extractor(boundary, std::move(field)) {
    keep_ = std::move(keep);
    field_cap_ = field_cap;
}

bool multipart_extractor::feed(std::string_view data, const sink& out) {
    if (state_ == state::failed) {
        return false;
    }
    if (state_ == state::done) {
        return true; // the epilogue is ignored
    }
    buf_.append(data);
    bool progressed = true;
    while (progressed && state_ != state::failed && state_ != state::done) {
        progressed = false;
        if (!step(out, progressed)) {
            state_ = state::failed;
            return false;
        }
    }
    return state_ != state::failed;
}

bool multipart_extractor::step(const sink& out, bool& progressed) {
    switch (state_) {
    case state::preamble:
    case state::in_part: {
        const auto pos = buf_.find(delimiter_);
        const bool emit = state_ == state::in_part && in_wanted_;
        const bool keeping = state_ == state::in_part && in_field_.has_value();
        auto keep_bytes = [this](std::string_view s) {
            const std::size_t room = field_cap_ > value_.size() ? field_cap_ - value_.size() : 0;
            if (s.size() > room) {
                cut_.insert(*in_field_);
            }
            value_.append(s.substr(0, std::min(room, s.size())));
        };
        if (pos == std::string::npos) {
            // Keep a tail that may be the start of a delimiter split across chunks.
            const std::size_t keep = delimiter_.size() - 1;
            if (buf_.size() > keep) {
                const std::size_t n = buf_.size() - keep;
                if (emit) {
                    if ((error_ = out(std::string_view(buf_).substr(0, n)))) {
                        return false;
                    }
                } else if (keeping) {
                    keep_bytes(std::string_view(buf_).substr(0, n));
                }
                buf_.erase(0, n);
            }
            return true;
        }
        if (emit) {
            if ((error_ = out(std::string_view(buf_).substr(0, pos)))) {
                return false;
            }
        } else if (keeping) {
            keep_bytes(std::string_view(buf_).substr(0, pos));
            auto& slot = fields_[*in_field_];
            held_ = held_ - slot.size() + value_.size();
            slot = std::move(value_);
            value_.clear();
            in_field_.reset();
        }
        if (state_ == state::in_part && in_wanted_) {
            found_ = true;
        }
        buf_.erase(0, pos + delimiter_.size());
        state_ = state::after_delimiter;
        progressed = true;
        return true;
    }
    case state::after_delimiter:
        if (buf_.size() < 2) {
            return true;
        }
        if (buf_.compare(0, 2, "--") == 0) {
            state_ = state::done;
        } else if (buf_.compare(0, 2, "\r\n") == 0) {
            state_ = state::headers;
        } else {
            return false;
        }
        buf_.erase(0, 2);
        progressed = true;
        return true;
    case state::headers: {
        // The bound holds however the block arrives: a block over it that came in one chunk,
        // blank line and all, is refused as one that came a byte at a time.
        // Only what arrived since the last look is searched: a block trickling in a byte at a
        // time would otherwise be searched whole for each byte (16 KiB: 134M comparisons).
        const auto end = buf_.find("\r\n\r\n", headers_scanned_);
        if (end == std::string::npos) {
            headers_scanned_ = buf_.size() < 3 ? 0 : buf_.size() - 3;
            return buf_.size() < max_part_headers;
        }
        headers_scanned_ = 0;
        if (end + 4 > max_part_headers) {
            return false;
        }
        const auto part_headers = std::string_view(buf_).substr(0, end + 2);
        const auto name = disposition_name(part_headers);
        in_wanted_ = !found_ && name && *name == field_;
        if (in_wanted_) {
            file_name_ = disposition_file_name(part_headers);
        } else if (name && keep_.contains(*name)) {
            in_field_ = *name;
            cut_.erase(*name); // a repeated name: the last one counts
        }
        // The content follows the blank line; an empty part is followed at once by the
        // delimiter's own CRLF.
        buf_.erase(0, end + 4);
        state_ = state::in_part;
        progressed = true;
        return true;
    }
    case state::done:
    case state::failed:
        return true;
    }
    return true;
}

} // namespace packyard::routing
