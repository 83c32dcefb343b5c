#pragma once

// GitLab's JSON entities for the setup API (UserBasic, User, Group, Project, Member, token),
// with the fields python-gitlab and other clients read, in GitLab's order.

#include "routing/json.hpp"
#include "store/records.hpp"
#include "store/txn.hpp"

#include <optional>
#include <string_view>

namespace packyard::routing {

struct url_base {
    std::string_view base; ///< "http://host:port"
};

/// API::Entities::UserBasic: id, username, name, state, locked, avatar_url, web_url.
void write_user_basic(json_writer& w, const store::user& u, url_base b);
/// The detailed user; private fields when the viewer is the user or an admin.
void write_user(json_writer& w, const store::user& u, url_base b, bool show_private,
                bool viewer_admin);
void write_group(json_writer& w, const store::namespace_row& g, url_base b);
/// What the Project entity shows besides the row: its namespace, and the owner of a user
/// namespace.
struct project_data {
    store::project project;
    std::optional<store::namespace_row> ns;
    std::optional<store::user> owner;
    /// Reads them for p from the snapshot.
    static project_data of(const store::txn& t, const store::project& p);
};
void write_project(json_writer& w, const project_data& d, url_base b);
void write_member(json_writer& w, const store::user& u, const store::member& m, url_base b);
/// A personal access token record; the secret only when just created.
void write_token(json_writer& w, const store::token& tok, std::string_view secret);

} // namespace packyard::routing
