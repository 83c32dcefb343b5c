#pragma once

// Whole answers of package list requests (project and group lists: body and pagination
// headers), kept under the request as its caller sees it and stamped with the scope's list
// generation (store::list_generation), which every write changing what a list of the scope
// shows moves on in its own transaction: a row, its index entries, its tags, its pipelines, its
// download time. What else a page shows — users, projects, memberships — is covered by the
// identity generation in the key. A hit is a page rendered from data equal to the reader's
// snapshot, byte for byte (tests/http/packages_api_test.cpp holds each kind of write to it), so
// a list asked again costs what /-/health costs plus a copy (docs/decisions/0013).

#include "routing/generation_cache.hpp"
#include "routing/shared_body.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace packyard::routing {

struct list_page_answer {
    std::shared_ptr<const shared_body> body;
    std::vector<std::pair<std::string, std::string>> headers;
};

using list_pages = generation_cache<std::shared_ptr<const list_page_answer>>;

} // namespace packyard::routing
