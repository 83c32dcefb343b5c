#pragma once

// Every bound and default on what a request may carry and how long it may take, in one place:
// `packyard serve`'s option defaults (server/config.cpp), the session's buffers and deadlines
// (server/), and the routing layer's parsers read them from here. Why each is what it is:
// docs/decisions/0008-request-limits.md.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace packyard::limits {

// ---- options' defaults (each can be changed on the command line)

/// --header-limit: the whole request header block, request line included (431 past it).
inline constexpr std::size_t header_block = 16 * 1024;
/// --header-timeout: from a request's first byte to the end of its header.
inline constexpr std::chrono::seconds header_timeout{30};
/// --idle-timeout: a keep-alive connection waiting for its next request.
inline constexpr std::chrono::seconds idle_timeout{75};
/// --body-timeout: a whole JSON or form body (408 past it).
inline constexpr std::chrono::seconds body_timeout{60};
/// --upload-timeout: a whole streamed upload (408 past it); each read also has header_timeout.
inline constexpr std::chrono::seconds upload_timeout{3600};
/// --shutdown-timeout: what requests in progress get after SIGTERM before their sockets close.
inline constexpr std::chrono::seconds drain_timeout{10};
/// --max-upload-size: one uploaded file.
inline constexpr std::uint64_t max_upload_size = 5ULL << 30;
/// --max-connections: open connections, all threads together (503 past it).
inline constexpr std::size_t max_connections = 10'000;
/// --max-buffered-bodies: JSON and form bodies held in memory at once (503 past it).
inline constexpr std::uint64_t max_buffered_bodies = 64ULL << 20;

// ---- fixed bounds

/// One JSON or form body (413 past it).
inline constexpr std::uint64_t small_body = 1ULL << 20;
/// One web page's form (a token and two secrets, or a CSRF token): its Content-Length is
/// required and checked before the body is read, since signing in is open to anyone (413).
inline constexpr std::uint64_t web_form = 16 * 1024;
/// A stored file this small is read and sent with its header in one write (server/
/// response_writer.cpp); larger ones go by sendfile(2). Small enough that the kernel's send
/// buffer takes it at once, so a reader that stalls holds no more than this per connection.
inline constexpr std::uint64_t inline_file = 16 * 1024;
/// One kept part of a PyPI upload form (name, version, digests, description…): more than the
/// longest value GitLab stores (description, 4,000 characters of up to 4 bytes).
inline constexpr std::size_t pypi_field = 16 * 1024;
/// Memory for small stored files kept for downloads (server/small_files.hpp).
inline constexpr std::size_t small_file_cache = 16 * 1024 * 1024;
/// Unconsumed input while a body is read: chunk-size lines, chunk extensions, trailers.
inline constexpr std::size_t body_read_buffer = 64 * 1024;
/// What a keep-alive connection keeps of its read buffer between requests.
inline constexpr std::size_t idle_read_buffer = 16 * 1024;
/// An unwanted body (a refused request, a body on a GET) up to this size is read and dropped
/// so the connection stays usable; a larger one closes it.
inline constexpr std::uint64_t discarded_body = 1ULL << 20;
/// Bytes a body is read in, on its way to the handler or the upload sink.
inline constexpr std::size_t body_chunk = 64 * 1024;
/// After an error answer that left request bytes unread: how long and how much is read and
/// dropped before the socket closes (a reset would destroy the answer).
inline constexpr std::chrono::seconds linger_time{2};
inline constexpr std::size_t linger_bytes = 8U << 20;
/// A download whose client takes nothing for this long is cut off.
inline constexpr std::chrono::seconds send_stall{60};
/// Parameters in one query string or one body, keys plus array elements (Rack's params_limit).
inline constexpr std::size_t params = 4096;
/// JSON nesting (Ruby's JSON max_nesting, which Grape's parser uses).
inline constexpr std::size_t json_depth = 100;
/// A multipart part's header block.
inline constexpr std::size_t part_headers = 16 * 1024;
/// Everything of an npm PUT body but its tarball: the version's package.json with its README,
/// or for `npm deprecate` the whole packument sent back. Held in memory until the handler runs,
/// so it is also counted against --max-buffered-bodies (413 past this bound, 503 past that).
inline constexpr std::size_t npm_metadata = 16ULL << 20;
/// Rendered npm packuments kept in memory (least recently used go first).
inline constexpr std::size_t packument_cache = 64ULL << 20;
/// Totals of filtered package lists kept by generation (routing/list_totals.hpp): about 10,000
/// filters with their keys.
inline constexpr std::size_t list_totals_cache = 1ULL << 20;
/// Answers of package list requests kept by generation (routing/list_pages.hpp): about 2,000
/// pages of 20 packages.
inline constexpr std::size_t list_pages_cache = 16ULL << 20;
/// Room for a multipart envelope around an upload of --max-upload-size.
inline constexpr std::uint64_t multipart_envelope = 64 * 1024;
/// Descriptors kept free of connections: the store, files of uploads and downloads.
inline constexpr std::size_t reserved_descriptors = 1024;

} // namespace packyard::limits
