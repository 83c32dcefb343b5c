#pragma once

// Streams one part out of a multipart/form-data body (what @gitbeaker sends for generic
// uploads): the bytes of the part named "file" reach the sink as they arrive, the envelope never
// does, and memory stays bounded by the chunk plus one boundary.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>

namespace packyard::routing {

/// The boundary parameter of a multipart/form-data Content-Type, if it is one.
std::optional<std::string> multipart_boundary(std::string_view content_type);

/// How an upload body is wrapped, from its Content-Type: bytes as they are, a form-data
/// envelope with a usable boundary, or a multipart type packyard cannot unwrap (another subtype,
/// or a boundary that is missing, empty or longer than RFC 2046's 70 characters). Storing the
/// last kind raw would keep the envelope as the file's bytes.
enum class upload_wrapping { raw, form_data, unusable };
upload_wrapping classify_upload(std::string_view content_type);

class multipart_extractor {
public:
    using sink = std::function<std::error_code(std::string_view)>;

    multipart_extractor(const std::string& boundary, std::string field);
    /// Also keeps the values of these other parts (the last of a repeated name), each cut at
    /// field_cap bytes (what twine sends next to the file: name, version, digests…).
    multipart_extractor(const std::string& boundary, std::string field,
                        std::set<std::string, std::less<>> keep, std::size_t field_cap);

    /// Feeds body bytes. False when the body is malformed or the sink failed (see error()).
    bool feed(std::string_view data, const sink& out);
    /// True when the wanted part was found and ended with its boundary.
    bool complete() const noexcept { return found_ && state_ == state::done; }
    std::error_code error() const noexcept { return error_; }
    /// The kept parts' values, by name.
    const std::map<std::string, std::string, std::less<>>& fields() const noexcept {
        return fields_;
    }
    /// Whether a kept part was longer than field_cap (its value holds the first bytes).
    bool field_cut(std::string_view name) const { return cut_.contains(name); }
    /// The filename="..." of the wanted part, if it had one.
    const std::optional<std::string>& file_name() const noexcept { return file_name_; }
    /// Bytes held for kept parts.
    std::size_t held() const noexcept { return held_; }

private:
    enum class state { preamble, after_delimiter, headers, in_part, done, failed };
    bool step(const sink& out, bool& progressed);

    std::string delimiter_; ///< "\r\n--" + boundary
    std::string field_;
    std::string buf_;
    state state_ = state::preamble;
    bool in_wanted_ = false;
    bool found_ = false;
    std::set<std::string, std::less<>> keep_;
    std::size_t field_cap_ = 0;
    std::optional<std::string> in_field_; ///< the kept part being read
    std::string value_;
    std::map<std::string, std::string, std::less<>> fields_;
    std::set<std::string, std::less<>> cut_;
    std::optional<std::string> file_name_;
    std::size_t held_ = 0;
    /// How much of a part's header block has been searched for its blank line.
    std::size_t headers_scanned_ = 0;
    std::error_code error_;
};

} // namespace packyard::routing
