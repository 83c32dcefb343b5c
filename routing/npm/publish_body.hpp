#pragma once

// The body of `npm publish`: one JSON document whose `_attachments.<file>.data` member is the
// whole tarball in base64, next to a few kilobytes of metadata. This splitter takes the body as
// it arrives, in chunks of any size, and sends the first attachment's data (base64 text, JSON
// escapes undone) to a sink while it copies everything else, with that string left empty, into
// a bounded buffer that RapidJSON parses once the body is complete. Memory is the metadata
// bound whatever the tarball's size.
//
// Why not RapidJSON's Reader for the stream itself: it pulls its input and hands each string to
// the handler whole, so a 200 MB attachment would be one 270 MB string in memory. The splitter
// only follows JSON's lexical structure (strings, escapes, nesting, which string is a key); the
// metadata it keeps is a complete JSON document for RapidJSON to validate, and the original body
// is valid JSON exactly when that document is valid and the streamed text was string content
// (tests/unit/routing/npm_publish_body_test.cpp holds the splitter against a DOM reference).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::routing::npm {

class publish_body_splitter {
public:
    enum class status : std::uint8_t {
        ok,
        malformed,   ///< not JSON, or the attachment's data is not base64 text
        too_large,   ///< the metadata outgrew its bound
        sink_failed, ///< the attachment sink refused more bytes
    };
    /// Receives the attachment's base64 text in pieces; false stops the body.
    using sink = std::function<bool(std::string_view base64)>;

    explicit publish_body_splitter(std::size_t metadata_limit);

    /// Feeds body bytes (any split). Once a call fails, every later call fails the same way.
    status feed(std::string_view chunk, const sink& attachment);
    /// At the end of the body: the document must be one complete top-level object.
    status finish();

    /// The body without the streamed data (its string left as ""): a JSON document.
    const std::string& metadata() const noexcept { return out_; }
    /// Whether an attachment's data was streamed, and which member of `_attachments` it was
    /// (its position, counting from 0), so the caller can tell which file name it carried.
    bool streamed() const noexcept { return streamed_index_ >= 0; }
    int streamed_member() const noexcept { return streamed_index_; }

private:
    enum class role : std::uint8_t { other, root, attachments, attachment };
    struct frame {
        bool object = false;
        bool expect_key = false; ///< in an object, the next string is a key
        role what = role::other;
        int members = 0; ///< members (or elements) started so far
        std::string key; ///< the last key read in this object (raw, first 16 bytes)
        bool key_long = false;
    };
    status fail(status s) {
        failed_ = s;
        return s;
    }
    status step(char c);
    void begin_value(role& child);

    std::size_t limit_;
    std::string out_;
    std::vector<frame> stack_;
    status failed_ = status::ok;
    bool done_ = false; ///< the top-level object has closed
    bool in_string_ = false;
    bool string_is_key_ = false;
    bool streaming_ = false; ///< inside the streamed data string
    int escape_ = 0;         ///< 0: none; 1: after '\'; 2..5: reading \u hex digits
    unsigned unicode_ = 0;
    int streamed_index_ = -1;
    int attachment_member_ = -1; ///< position in _attachments of the object being read
};

} // namespace packyard::routing::npm
