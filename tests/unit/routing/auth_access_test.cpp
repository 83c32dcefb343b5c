// Authentication (routing/auth.cpp) and visibility (routing/access.cpp) over a real store:
// which credential wins, how each refusal is worded, and who sees which project.

#include "routing/access.hpp"
#include "routing/auth.hpp"
#include "store/identity.hpp"
#include "temp_services.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard;
using namespace packyard::routing;

namespace {

outcome nothing(request_context&, const store::read_txn&) {
    return response{};
}

constexpr route rows[] = {
    {method::get, "/read", nothing, scope_need::read, 0},
    {method::post, "/write", nothing, scope_need::write, 0},
    {method::get, "/job", nothing, scope_need::read, allow_job_token | allow_basic_auth},
    {method::get, "/projects/:id", nothing, scope_need::read, allow_job_token},
};
const router& table() {
    static const router r(rows);
    return r;
}

struct world : testing::temp_services {
    world() {
        auto t = store::write_txn::begin(*env);
        alice = user(*t, "alice", false);
        bob = user(*t, "bob", false);
        admin = user(*t, "admin", true);
        api = token(*t, alice, store::scope_api, "glpat-alice-api");
        read_only = token(*t, alice, store::scope_read_api, "glpat-alice-read");
        expired = token(*t, alice, store::scope_api, "glpat-alice-expired", 1000);
        revoked_id = token(*t, alice, store::scope_api, "glpat-alice-revoked");
        BOOST_REQUIRE(!store::revoke_token(*t, revoked_id));
        (void)token(*t, admin, store::scope_api, "glpat-admin");
        for (auto [path, vis] : {std::pair{"pub", store::visibility::public_},
                                 std::pair{"int", store::visibility::internal},
                                 std::pair{"priv", store::visibility::private_}}) {
            store::project p;
            p.name = p.path = path;
            p.namespace_id = ns_of_bob;
            p.vis = vis;
            BOOST_REQUIRE(!store::create_project(*t, p));
            projects.push_back(p);
        }
        store::member m;
        m.user_id = alice;
        m.access = store::access_level::guest;
        BOOST_REQUIRE(
            !store::put_member(*t, store::member_source::project, projects[2].id, m, false));
        BOOST_REQUIRE(!t->commit());
    }
    std::uint64_t user(store::write_txn& t, const std::string& name, bool is_admin) {
        store::user u;
        u.username = name;
        u.email = name + "@x.io";
        u.admin = is_admin;
        BOOST_REQUIRE(!store::create_user(t, u));
        if (name == "bob") {
            ns_of_bob = u.namespace_id;
        }
        return u.id;
    }
    std::uint64_t token(store::write_txn& t, std::uint64_t owner, std::uint32_t scopes,
                        const std::string& secret, std::int64_t expires_ms = 0) {
        store::token tok;
        tok.user_id = owner;
        tok.name = secret;
        tok.scopes = scopes;
        tok.expires_at_ms = expires_ms;
        BOOST_REQUIRE(!store::create_token(t, tok, secret));
        return tok.id;
    }

    /// Authenticates a request to path with these headers (and query).
    struct attempt {
        std::string path;
        std::string query;
        std::vector<std::pair<std::string, std::string>> headers;
        request req;
        std::unique_ptr<request_context> ctx;
        std::optional<response> refused;
    };
    std::unique_ptr<attempt> authenticate_as(method m, std::string path,
                                             std::vector<std::pair<std::string, std::string>> h,
                                             std::string query = {}) {
        auto a = std::make_unique<attempt>();
        a->path = std::move(path);
        a->query = std::move(query);
        a->headers = std::move(h);
        for (const auto& [k, v] : a->headers) {
            a->req.headers.emplace_back(k, v);
        }
        a->req.verb = m;
        a->req.path = a->path;
        a->req.query = a->query;
        a->ctx = std::make_unique<request_context>(a->req, *svc, table().match(m, a->path));
        BOOST_REQUIRE(a->ctx->match.matched != nullptr);
        BOOST_REQUIRE(parse_urlencoded(a->query, a->ctx->params));
        auto t = store::read_txn::begin(*env);
        a->refused = authenticate(*a->ctx, *t);
        return a;
    }

    std::uint64_t alice = 0, bob = 0, admin = 0, ns_of_bob = 0;
    std::uint64_t api = 0, read_only = 0, expired = 0, revoked_id = 0;
    std::vector<store::project> projects;
};

std::string header_of(const response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (iequals(k, name)) {
            return v;
        }
    }
    return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(authentication)

BOOST_FIXTURE_TEST_CASE(every_personal_token_carrier_signs_the_caller_in, world) {
    std::vector<std::unique_ptr<attempt>> carriers;
    carriers.push_back(
        authenticate_as(method::get, "/read", {{"PRIVATE-TOKEN", "glpat-alice-api"}}));
    carriers.push_back(
        authenticate_as(method::get, "/read", {{"Authorization", "Bearer glpat-alice-api"}}));
    carriers.push_back(authenticate_as(method::get, "/read", {}, "private_token=glpat-alice-api"));
    for (const auto& a : carriers) {
        BOOST_TEST(!a->refused);
        BOOST_TEST(a->ctx->who.user_id() == alice);
        BOOST_TEST((a->ctx->who.kind == auth_kind::personal_token));
    }
    auto anonymous = authenticate_as(method::get, "/read", {});
    BOOST_TEST(!anonymous->refused);
    BOOST_TEST(!anonymous->ctx->who.signed_in());
}

BOOST_FIXTURE_TEST_CASE(bad_tokens_are_refused_in_gitlabs_words, world) {
    auto unknown = authenticate_as(method::get, "/read", {{"PRIVATE-TOKEN", "glpat-nobody"}});
    BOOST_REQUIRE(unknown->refused);
    BOOST_TEST(unknown->refused->body == R"({"message":"401 Unauthorized"})");
    auto old = authenticate_as(method::get, "/read", {{"PRIVATE-TOKEN", "glpat-alice-expired"}});
    BOOST_REQUIRE(old->refused);
    BOOST_TEST(old->refused->status == 401u);
    BOOST_TEST(old->refused->body.find("Token is expired") != std::string::npos);
    BOOST_TEST(header_of(*old->refused, "WWW-Authenticate").rfind("Bearer realm=", 0) == 0u);
    auto gone = authenticate_as(method::get, "/read", {{"PRIVATE-TOKEN", "glpat-alice-revoked"}});
    BOOST_REQUIRE(gone->refused);
    BOOST_TEST(gone->refused->body.find("Token was revoked") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(read_api_reads_and_cannot_write, world) {
    BOOST_TEST(
        !authenticate_as(method::get, "/read", {{"PRIVATE-TOKEN", "glpat-alice-read"}})->refused);
    auto w = authenticate_as(method::post, "/write", {{"PRIVATE-TOKEN", "glpat-alice-read"}});
    BOOST_REQUIRE(w->refused);
    BOOST_TEST(w->refused->status == 403u);
    BOOST_TEST(w->refused->body.find(R"("error":"insufficient_scope")") != std::string::npos);
    BOOST_TEST(w->refused->body.find(R"("scope":"api")") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_wrong_basic_pair_is_anonymous_and_a_personal_token_is_no_job_token,
                        world) {
    auto basic = authenticate_as(method::get, "/job",
                                 {{"Authorization", "Basic " + base64url_encode("x:wrong")}});
    BOOST_TEST(!basic->refused);
    BOOST_TEST(!basic->ctx->who.signed_in());
    auto right = authenticate_as(
        method::get, "/job",
        {{"Authorization", "Basic YWxpY2U6Z2xwYXQtYWxpY2UtYXBp"}}); // alice:glpat-alice-api
    BOOST_TEST(!right->refused);
    BOOST_TEST(right->ctx->who.user_id() == alice);
    auto as_job = authenticate_as(method::get, "/job", {{"JOB-TOKEN", "glpat-alice-api"}});
    BOOST_REQUIRE(as_job->refused);
    BOOST_TEST(as_job->refused->status == 401u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(visibility)

BOOST_FIXTURE_TEST_CASE(who_reads_which_project, world) {
    auto t = store::read_txn::begin(*env);
    const auto& [pub, internal, priv] = std::tie(projects[0], projects[1], projects[2]);
    auto anonymous = authenticate_as(method::get, "/read", {});
    auto alice_ctx = authenticate_as(method::get, "/read", {{"PRIVATE-TOKEN", "glpat-alice-api"}});
    auto admin_ctx = authenticate_as(method::get, "/read", {{"PRIVATE-TOKEN", "glpat-admin"}});
    const auto& anon = *anonymous->ctx;
    const auto& member = *alice_ctx->ctx;
    const auto& root = *admin_ctx->ctx;
    BOOST_TEST(can_read_project(anon, *t, pub));
    BOOST_TEST(!can_read_project(anon, *t, internal));
    BOOST_TEST(!can_read_project(anon, *t, priv));
    BOOST_TEST(can_read_project(member, *t, internal)); // signed in
    BOOST_TEST(can_read_project(member, *t, priv));     // a guest member
    BOOST_TEST(can_read_project(root, *t, priv));       // admin
    BOOST_TEST((project_role(member, *t, priv) == store::access_level::guest));
    BOOST_TEST((project_role(root, *t, pub) == store::access_level::owner));
    // read_package: a guest of a private project reads its packages by default...
    BOOST_TEST(can_read_packages(member, *t, priv));
    // ...not when the least role is Reporter.
    svc->cfg.packages_read_min = store::access_level::reporter;
    BOOST_TEST(!can_read_packages(member, *t, priv));
    BOOST_TEST(can_read_packages(member, *t, pub));
    store::project disabled = pub;
    disabled.packages_enabled = false;
    BOOST_TEST(!can_read_packages(root, *t, disabled));
}

BOOST_FIXTURE_TEST_CASE(projects_resolve_by_id_or_path_with_gitlabs_404, world) {
    auto t = store::read_txn::begin(*env);
    auto by_id = authenticate_as(method::get, "/projects/" + std::to_string(projects[0].id), {});
    auto found = find_readable_project(*by_id->ctx, *t);
    BOOST_REQUIRE(std::holds_alternative<store::project>(found));
    BOOST_TEST(std::get<store::project>(found).path == "pub");
    auto by_path = authenticate_as(method::get, "/projects/bob%2Fpub", {});
    BOOST_TEST(std::holds_alternative<store::project>(find_readable_project(*by_path->ctx, *t)));
    auto hidden = authenticate_as(method::get, "/projects/" + std::to_string(projects[2].id), {});
    auto refused = find_readable_project(*hidden->ctx, *t);
    BOOST_REQUIRE(std::holds_alternative<response>(refused));
    BOOST_TEST(std::get<response>(refused).body == R"({"message":"404 Project Not Found"})");
    for (const char* bad : {"/projects/0", "/projects/-1", "/projects/nope", "/projects/999"}) {
        auto a = authenticate_as(method::get, bad, {});
        BOOST_TEST(std::holds_alternative<response>(find_readable_project(*a->ctx, *t)));
    }
}

BOOST_AUTO_TEST_SUITE_END()
