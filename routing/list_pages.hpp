#pragma once

// Whole answers of package list requests (project and group lists: body and pagination
// headers), kept under the request as its caller makes it and stamped with the list generation
// of the scope they show (store::list_generation), which every write changing what a list of
// the scope shows moves on in its own transaction: a row, its index entries, its tags, its
// pipelines, its download time. What else a page depends on — users, tokens, projects,
// memberships, hence whether the caller may see the scope at all and with which rights — is
// covered by the identity generation in the key. A hit is a page rendered from data equal to
// the reader's snapshot, byte for byte (tests/http/packages_api_test.cpp holds each kind of write
// to it).
//
// A kept answer is looked for right after authentication, in the same snapshot, before the
// route's needs are resolved (routing::app, routes flagged kept_answers): a 200 was only ever
// kept after the needs passed for the same caller at the same identity generation, so they
// would pass again. While no list changed anywhere (environment::lists_generation), not even
// the scope's generation is read: a list asked again costs its authentication and a copy
// (docs/decisions/0013).

#include "routing/generation_cache.hpp"
#include "routing/http_types.hpp"
#include "routing/shared_body.hpp"
#include "store/packages.hpp"

#include <cstdint>
#include <memory>
#include <optional>

namespace packyard::routing {

class request_context;

struct list_page_answer {
    std::shared_ptr<const shared_body> body;
    /// The answer's own header lines, serialized (server/response_header.hpp).
    std::shared_ptr<const std::string> header_lines;
    /// Whose list generation stamps it.
    store::list_scope scope = store::list_scope::project;
    std::uint64_t scope_id = 0;
    /// env.lists_generation() before the snapshot it was rendered from opened: while it has
    /// not moved, no list changed, and the scope's generation need not be read.
    std::uint64_t lists_seen = 0;
    /// A web page's (text/html, its security headers among its lines), not the API's JSON.
    bool page = false;
};

using list_pages = generation_cache<std::shared_ptr<const list_page_answer>>;

/// The kept answer to this request, when the list it shows is still what the snapshot holds.
std::optional<response> kept_list_answer(const request_context& ctx, const store::txn& t);

/// Keeps a 200 answer of the list of (scope, id) as of generation (read from the snapshot it was
/// rendered from) for the next same request of the same caller, and returns it.
response keep_list_answer(const request_context& ctx, store::list_scope scope, std::uint64_t id,
                          std::uint64_t generation, response r);

} // namespace packyard::routing
