// The web pages (docs/web.md) over HTTP against the real binary: visibility as the API's,
// sessions opened by a token and ended by sign-out and by the token's revocation, CSRF refusals,
// security headers, escaping, deletes by role, downloads, and the API's paths left as they were.
// tests/browser drives the same pages in Chromium.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>
#include <regex>
#include <string>

using namespace packyard::testing;

namespace {

const std::string hostile = "<img src=x onerror=alert(1)>";

/// The value a Set-Cookie header (the client joins several with ", ") gives the cookie name.
std::string set_cookie_value(const http_response& r, const std::string& name) {
    const std::regex re(name + "=([^;,]*)");
    std::smatch m;
    const std::string all = r.header("set-cookie");
    return std::regex_search(all, m, re) ? m[1].str() : std::string("<none>");
}

/// The first authenticity_token a page's forms carry.
std::string form_token(const std::string& page) {
    const std::regex re(R"(name="authenticity_token" value="([^"]*)\")");
    std::smatch m;
    return std::regex_search(page, m, re) ? m[1].str() : std::string{};
}

struct web_fixture : server_fixture {
    web_fixture()
        : web_fixture(std::vector<std::string>{}) {}
    explicit web_fixture(std::vector<std::string> extra)
        : server_fixture(std::move(extra)) {
        group = create_group("team", "private");
        project = create_project("app", group, "private");
        pub_group = create_group("open", "public");
        pub_project = create_project("lib", pub_group, "public");
    }

    /// Signs in with token through the form; returns the session cookie's value.
    std::string sign_in(const std::string& token) {
        auto form = http.get("/-/sign_in");
        BOOST_REQUIRE_EQUAL(form.status, 200u);
        const auto csrf = set_cookie_value(form, "_packyard_csrf");
        BOOST_REQUIRE_EQUAL(form_token(form.body), csrf);
        auto r =
            http.request("POST", "/-/sign_in", "authenticity_token=" + csrf + "&token=" + token,
                         {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"Cookie", "_packyard_csrf=" + csrf}});
        BOOST_REQUIRE_EQUAL(r.status, 303u);
        return set_cookie_value(r, "_packyard_session");
    }
    static header_list session(const std::string& cookie) {
        return {{"Cookie", "_packyard_session=" + cookie}};
    }
    /// A form post with the session and its CSRF token (read from page).
    http_response post_form(const std::string& target, const std::string& cookie,
                            const std::string& csrf) {
        return http.request("POST", target, "authenticity_token=" + csrf,
                            {{"Content-Type", "application/x-www-form-urlencoded"},
                             {"Cookie", "_packyard_session=" + cookie}});
    }
    std::uint64_t package_id(std::uint64_t proj, const std::string& name) {
        auto r =
            http.get("/api/v4/projects/" + std::to_string(proj) + "/packages?package_name=" + name,
                     as_root());
        BOOST_REQUIRE_EQUAL(r.status, 200u);
        const auto doc = r.json();
        BOOST_REQUIRE(doc.IsArray() && doc.Size() >= 1u);
        return static_cast<std::uint64_t>(int_field(doc[0], "id"));
    }

    std::uint64_t group = 0;
    std::uint64_t project = 0;
    std::uint64_t pub_group = 0;
    std::uint64_t pub_project = 0;
};

void check_page_headers(const http_response& r) {
    BOOST_TEST(r.header("content-type") == "text/html; charset=utf-8");
    BOOST_TEST(r.header("content-security-policy") ==
               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    BOOST_TEST(r.header("x-frame-options") == "DENY");
    BOOST_TEST(r.header("x-content-type-options") == "nosniff");
    BOOST_TEST(r.header("referrer-policy") == "strict-origin-when-cross-origin");
    BOOST_TEST(r.header("cache-control") == "private, no-store");
    // No inline script or style: the policy would block it anyway.
    BOOST_TEST(r.body.find("<script>") == std::string::npos);
    BOOST_TEST(r.body.find("style=") == std::string::npos);
    BOOST_TEST(r.body.find("onclick") == std::string::npos);
}

} // namespace

BOOST_AUTO_TEST_SUITE(web_pages)

BOOST_FIXTURE_TEST_CASE(every_page_carries_the_security_headers, web_fixture) {
    BOOST_REQUIRE_EQUAL(upload(pub_project, "tool", "1.0", "tool.bin", "bytes"), 201u);
    const auto id = package_id(pub_project, "tool");
    for (const std::string& target : std::vector<std::string>{
             "/", "/-/sign_in", "/open/lib/-/packages", "/groups/open/-/packages",
             "/open/lib/-/packages/" + std::to_string(id), "/team/app/-/packages",
             "/open/lib/-/packages/999999"}) {
        BOOST_TEST_CONTEXT(target) {
            check_page_headers(http.get(target));
        }
    }
}

BOOST_FIXTURE_TEST_CASE(private_pages_answer_404_as_the_api_does, web_fixture) {
    BOOST_REQUIRE_EQUAL(upload(project, "secret", "1.0", "s.bin", "hidden bytes"), 201u);
    const auto id = std::to_string(package_id(project, "secret"));
    const auto [outsider, outsider_token] = create_user("outsider");
    const auto [member, member_token] = create_user("member");
    add_member("projects", project, member, 20);
    const auto files = http.get("/api/v4/projects/" + std::to_string(project) + "/packages/" + id +
                                    "/package_files",
                                as_root());
    const auto file_id = std::to_string(int_field(files.json()[0], "id"));
    const std::vector<std::string> pages = {"/team/app/-/packages", "/groups/team/-/packages",
                                            "/team/app/-/packages/" + id,
                                            "/team/app/-/package_files/" + file_id + "/download"};
    const auto outsider_cookie = sign_in(outsider_token);
    const auto member_cookie = sign_in(member_token);
    for (const auto& page : pages) {
        BOOST_TEST_CONTEXT(page) {
            auto anonymous = http.get(page);
            BOOST_TEST(anonymous.status == 404u);
            BOOST_TEST(anonymous.header("content-type") == "text/html; charset=utf-8");
            BOOST_TEST(anonymous.body.find("Page not found") != std::string::npos);
            BOOST_TEST(anonymous.body.find("secret") == std::string::npos);
            // An API token is not a web session: the page stays hidden.
            BOOST_TEST(http.get(page, as_root()).status == 404u);
            BOOST_TEST(http.get(page, session(outsider_cookie)).status == 404u);
            BOOST_TEST(http.get(page, session(member_cookie)).status == 200u);
        }
    }
    // The home page lists what the visitor sees, with its package count.
    const auto home = http.get("/", session(member_cookie));
    BOOST_TEST(home.body.find("href=\"/team/app/-/packages\"") != std::string::npos);
    BOOST_TEST(http.get("/").body.find("team/app") == std::string::npos);
    BOOST_TEST(http.get("/").body.find("href=\"/open/lib/-/packages\"") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_session_starts_with_a_token_and_ends_at_sign_out, web_fixture) {
    auto form = http.get("/-/sign_in");
    const auto csrf = set_cookie_value(form, "_packyard_csrf");
    BOOST_TEST(csrf.size() >= 40u);
    BOOST_TEST(form.header("set-cookie").find("HttpOnly; SameSite=Lax") != std::string::npos);
    BOOST_TEST(form.body.find("name=\"token\" type=\"password\"") != std::string::npos);
    auto in = http.request("POST", "/-/sign_in",
                           "authenticity_token=" + csrf + "&token=" + root_token +
                               "&redirect_to=%2Fteam%2Fapp%2F-%2Fpackages",
                           {{"Content-Type", "application/x-www-form-urlencoded"},
                            {"Cookie", "_packyard_csrf=" + csrf}});
    BOOST_TEST(in.status == 303u);
    BOOST_TEST(in.header("location") == "/team/app/-/packages");
    const auto cookie = set_cookie_value(in, "_packyard_session");
    BOOST_TEST(cookie.size() >= 40u);
    const auto set = in.header("set-cookie");
    BOOST_TEST(set.find("_packyard_session=" + cookie +
                        "; Path=/; Max-Age=604800; HttpOnly; "
                        "SameSite=Lax") != std::string::npos);
    BOOST_TEST(set.find("Secure") == std::string::npos); // http:// external URL
    // Neither the token nor the session's secret is ever written into a page.
    auto page = http.get("/team/app/-/packages", session(cookie));
    BOOST_TEST(page.status == 200u);
    BOOST_TEST(page.body.find("data-testid=\"user\">Administrator<") != std::string::npos);
    BOOST_TEST(page.body.find(root_token) == std::string::npos);
    BOOST_TEST(page.body.find(cookie) == std::string::npos);
    // Signing out without the form's token changes nothing.
    BOOST_TEST(post_form("/-/sign_out", cookie, "wrong").status == 422u);
    BOOST_TEST(http.get("/team/app/-/packages", session(cookie)).status == 200u);
    auto out = post_form("/-/sign_out", cookie, form_token(page.body));
    BOOST_TEST(out.status == 303u);
    BOOST_TEST(out.header("location") == "/");
    BOOST_TEST(set_cookie_value(out, "_packyard_session") == "");
    BOOST_TEST(http.get("/team/app/-/packages", session(cookie)).status == 404u);
    const auto again = http.get("/", session(cookie));
    BOOST_TEST(again.body.find("data-testid=\"sign-in\"") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(revoking_the_token_ends_its_sessions, web_fixture) {
    const auto [user, token] = create_user("dev");
    add_member("projects", project, user, 30);
    const auto cookie = sign_in(token);
    BOOST_TEST(http.get("/team/app/-/packages", session(cookie)).status == 200u);
    BOOST_TEST(http.del("/api/v4/personal_access_tokens/self", with_token(token)).status == 204u);
    BOOST_TEST(http.get("/team/app/-/packages", session(cookie)).status == 404u);
    // A revoked token cannot sign in again either.
    auto form = http.get("/-/sign_in");
    const auto csrf = set_cookie_value(form, "_packyard_csrf");
    auto r = http.request("POST", "/-/sign_in", "authenticity_token=" + csrf + "&token=" + token,
                          {{"Content-Type", "application/x-www-form-urlencoded"},
                           {"Cookie", "_packyard_csrf=" + csrf}});
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(r.body.find("This token has been revoked.") != std::string::npos);
    BOOST_TEST(r.header("set-cookie").find("_packyard_session") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(sign_in_refuses_what_the_api_would_and_redirects_only_here, web_fixture) {
    auto attempt = [this](const std::string& fields, const std::string& cookie_csrf) {
        return http.request("POST", "/-/sign_in", fields,
                            {{"Content-Type", "application/x-www-form-urlencoded"},
                             {"Cookie", "_packyard_csrf=" + cookie_csrf}});
    };
    const std::string csrf = set_cookie_value(http.get("/-/sign_in"), "_packyard_csrf");
    // No CSRF token, or another one than the cookie's: 422, nothing started.
    BOOST_TEST(attempt("token=" + root_token, csrf).status == 422u);
    BOOST_TEST(attempt("authenticity_token=x&token=" + root_token, csrf).status == 422u);
    BOOST_TEST(attempt("authenticity_token=" + csrf + "&token=" + root_token, "other").status ==
               422u);
    auto wrong = attempt("authenticity_token=" + csrf + "&token=glpat-nope", csrf);
    BOOST_TEST(wrong.status == 401u);
    BOOST_TEST(wrong.body.find("data-testid=\"flash\">Invalid token.<") != std::string::npos);
    // A token without api or read_api cannot open a session.
    const auto [user, token] = create_user("reader");
    auto narrow =
        http.post_json("/api/v4/users/" + std::to_string(user) + "/personal_access_tokens",
                       R"({"name":"u","scopes":["read_user"]})", as_root());
    BOOST_REQUIRE_EQUAL(narrow.status, 201u);
    auto scoped =
        attempt("authenticity_token=" + csrf + "&token=" + str_field(narrow.json(), "token"), csrf);
    BOOST_TEST(scoped.status == 401u);
    BOOST_TEST(scoped.body.find("api or read_api") != std::string::npos);
    // Anyone may post the form, so it is bounded before it is read.
    auto big = attempt("authenticity_token=" + csrf + "&token=" + std::string(20000, 'x'), csrf);
    BOOST_TEST(big.status == 413u);
    BOOST_TEST(big.header("content-type") == "text/html; charset=utf-8");
    auto chunked = raw_exchange(server.port(),
                                "POST /-/sign_in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                "chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                                "\r\n5\r\ntoken\r\n0\r\n\r\n",
                                std::chrono::milliseconds(2000));
    BOOST_TEST(chunked.first.starts_with("HTTP/1.1 411 "));
    // redirect_to is followed only within the site.
    for (const auto& [to, want] : std::vector<std::pair<std::string, std::string>>{
             {"%2Fopen%2Flib%2F-%2Fpackages", "/open/lib/-/packages"},
             {"%2F%2Fevil.example%2F", "/"},
             {"https%3A%2F%2Fevil.example%2F", "/"},
             {"%2F%5Cevil.example", "/"}}) {
        auto r =
            attempt("authenticity_token=" + csrf + "&token=" + token + "&redirect_to=" + to, csrf);
        BOOST_TEST_CONTEXT(to) {
            BOOST_TEST(r.status == 303u);
            BOOST_TEST(r.header("location") == want);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(only_a_maintainer_deletes_and_only_with_the_form_token, web_fixture) {
    BOOST_REQUIRE_EQUAL(upload(project, "old", "1.0", "a.bin", "aaa"), 201u);
    BOOST_REQUIRE_EQUAL(upload(project, "old", "1.0", "b.bin", "bbb"), 201u);
    const auto id = std::to_string(package_id(project, "old"));
    const auto base = "/api/v4/projects/" + std::to_string(project) + "/packages/" + id;
    const auto [dev, dev_token] = create_user("dev");
    const auto [maint, maint_token] = create_user("maint");
    add_member("projects", project, dev, 30);
    add_member("projects", project, maint, 40);
    const auto page_path = "/team/app/-/packages/" + id;

    const auto dev_cookie = sign_in(dev_token);
    auto dev_page = http.get(page_path, session(dev_cookie));
    BOOST_TEST(dev_page.status == 200u);
    BOOST_TEST(dev_page.body.find("data-testid=\"delete-package\"") == std::string::npos);
    BOOST_TEST(dev_page.body.find("data-testid=\"delete-file\"") == std::string::npos);
    BOOST_TEST(post_form(page_path + "/delete", dev_cookie, form_token(dev_page.body)).status ==
               403u);

    const auto maint_cookie = sign_in(maint_token);
    auto page = http.get(page_path, session(maint_cookie));
    BOOST_TEST(page.body.find("data-testid=\"delete-package\"") != std::string::npos);
    const auto files = http.get(base + "/package_files", as_root()).json();
    BOOST_REQUIRE_EQUAL(files.Size(), 2u);
    const auto file_a = std::to_string(int_field(files[0], "id"));
    // Without the form's token, or anonymously: nothing is deleted.
    BOOST_TEST(
        post_form(page_path + "/package_files/" + file_a + "/delete", maint_cookie, "x").status ==
        422u);
    auto anonymous = http.request("POST", page_path + "/delete", "authenticity_token=x",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_TEST(anonymous.status == 303u);
    BOOST_TEST(anonymous.header("location") == "/-/sign_in");
    BOOST_TEST(http.get(base + "/package_files", as_root()).json().Size() == 2u);

    const auto csrf = form_token(page.body);
    auto del_file =
        post_form(page_path + "/package_files/" + file_a + "/delete", maint_cookie, csrf);
    BOOST_TEST(del_file.status == 303u);
    BOOST_TEST(del_file.header("location") == page_path);
    BOOST_TEST(http.get(base + "/package_files", as_root()).json().Size() == 1u);
    auto del = post_form(page_path + "/delete", maint_cookie, csrf);
    BOOST_TEST(del.status == 303u);
    BOOST_TEST(del.header("location") == "/team/app/-/packages");
    BOOST_TEST(http.get(base, as_root()).status == 404u);
    BOOST_TEST(http.get(page_path, session(maint_cookie)).status == 404u);
}

BOOST_FIXTURE_TEST_CASE(a_read_api_session_browses_and_deletes_nothing, web_fixture) {
    BOOST_REQUIRE_EQUAL(upload(project, "keep", "1.0", "k.bin", "k"), 201u);
    const auto id = std::to_string(package_id(project, "keep"));
    auto t = http.post_json("/api/v4/users/1/personal_access_tokens",
                            R"({"name":"ro","scopes":["read_api"]})", as_root());
    BOOST_REQUIRE_EQUAL(t.status, 201u);
    const auto cookie = sign_in(str_field(t.json(), "token"));
    auto page = http.get("/team/app/-/packages/" + id, session(cookie));
    BOOST_TEST(page.status == 200u);
    BOOST_TEST(page.body.find("data-testid=\"delete-package\"") == std::string::npos);
    BOOST_TEST(
        post_form("/team/app/-/packages/" + id + "/delete", cookie, form_token(page.body)).status ==
        403u);
    BOOST_TEST(
        http.get("/api/v4/projects/" + std::to_string(project) + "/packages/" + id, as_root())
            .status == 200u);
}

BOOST_FIXTURE_TEST_CASE(user_strings_are_escaped_everywhere, web_fixture) {
    // A display name and a pipeline ref an attacker controls.
    const auto created = http.post_json(
        "/api/v4/users",
        R"({"username":"mallory","name":"<img src=x onerror=alert(1)>","email":"m@example.com"})",
        as_root());
    BOOST_REQUIRE_EQUAL(created.status, 201u);
    const auto mallory = static_cast<std::uint64_t>(int_field(created.json(), "id"));
    auto tok =
        http.post_json("/api/v4/users/" + std::to_string(mallory) + "/personal_access_tokens",
                       R"({"name":"t","scopes":["api"]})", as_root());
    const auto mallory_token = str_field(tok.json(), "token");
    add_member("projects", pub_project, mallory, 30);
    const auto base = "/api/v4/projects/" + std::to_string(pub_project);
    auto st = http.request("POST",
                           base + "/statuses/abc123?state=running&ref=%3Cimg%20src%3Dx%20"
                                  "onerror%3Dalert(1)%3E",
                           {}, with_token(mallory_token));
    BOOST_REQUIRE_EQUAL(st.status, 201u);
    const auto pipeline = std::to_string(int_field(st.json(), "pipeline_id"));
    auto jt = http.request("POST", base + "/pipelines/" + pipeline + "/job_token", {},
                           with_token(mallory_token));
    BOOST_REQUIRE_EQUAL(jt.status, 201u);
    BOOST_REQUIRE_EQUAL(http.put(base + "/packages/generic/evil/1.0/x.bin", "x",
                                 {{"JOB-TOKEN", str_field(jt.json(), "token")}})
                            .status,
                        201u);
    const auto id = std::to_string(package_id(pub_project, "evil"));
    const auto cookie = sign_in(mallory_token);
    for (const std::string& target : std::vector<std::string>{
             "/open/lib/-/packages", "/groups/open/-/packages", "/open/lib/-/packages/" + id}) {
        auto page = http.get(target, session(cookie));
        BOOST_TEST_CONTEXT(target) {
            BOOST_TEST(page.status == 200u);
            BOOST_TEST(page.body.find(hostile) == std::string::npos);
            BOOST_TEST(page.body.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(lists_filter_sort_and_page_as_the_api_does, web_fixture) {
    for (int i = 0; i < 25; ++i) {
        const auto name = (i % 5 == 0 ? "alpha-" : "beta-") + std::to_string(100 + i);
        BOOST_REQUIRE_EQUAL(upload(pub_project, name, "1.0", "f.bin", "x"), 201u);
    }
    const std::regex row("data-testid=\"package-row\"");
    auto rows = [&](const std::string& body) {
        return std::distance(std::sregex_iterator(body.begin(), body.end(), row),
                             std::sregex_iterator());
    };
    auto first = http.get("/open/lib/-/packages");
    BOOST_TEST(rows(first.body) == 20);
    BOOST_TEST(first.body.find("Page 1 of 2") != std::string::npos);
    BOOST_TEST(first.body.find("rel=\"next\" href=\"?page=2\"") != std::string::npos);
    auto second = http.get("/open/lib/-/packages?page=2");
    BOOST_TEST(rows(second.body) == 5);
    BOOST_TEST(second.body.find("rel=\"prev\"") != std::string::npos);
    BOOST_TEST(second.body.find("rel=\"next\"") == std::string::npos);
    // The filter form's empty fields are no filter; the name filter and the order are the API's.
    auto alpha = http.get("/open/lib/-/packages?package_name=alpha&package_type=&status=&order_by="
                          "name&sort=desc");
    BOOST_TEST(alpha.status == 200u);
    BOOST_TEST(rows(alpha.body) == 5);
    BOOST_TEST(alpha.body.find(">alpha-120<") < alpha.body.find(">alpha-100<"));
    BOOST_TEST(alpha.body.find("<option value=\"name\" selected>") != std::string::npos);
    BOOST_TEST(alpha.body.find("value=\"alpha\"") != std::string::npos);
    auto grouped = http.get("/groups/open/-/packages?order_by=project_path&per_page=10&page=2");
    BOOST_TEST(rows(grouped.body) == 10);
    BOOST_TEST(grouped.body.find("<td class=\"project\"><a href=\"/open/lib/-/packages\">") !=
               std::string::npos);
    BOOST_TEST(grouped.body.find("order_by=project_path") != std::string::npos);
    // A parameter the API refuses is refused here too, as a page.
    auto bad = http.get("/open/lib/-/packages?order_by=size");
    BOOST_TEST(bad.status == 400u);
    BOOST_TEST(bad.header("content-type") == "text/html; charset=utf-8");
    auto none = http.get("/open/lib/-/packages?package_name=nothing-like-this");
    BOOST_TEST(none.body.find("class=\"empty\"") != std::string::npos);
}

// List pages are kept like the API's lists (routing/list_pages.hpp), per session: a page holds
// its session's CSRF token, and what a visitor may see follows every write.
BOOST_FIXTURE_TEST_CASE(a_kept_list_page_is_its_sessions_and_follows_writes, web_fixture) {
    BOOST_REQUIRE_EQUAL(upload(project, "first", "1.0", "f.bin", "x"), 201u);
    const auto [dev, dev_token] = create_user("dev");
    add_member("projects", project, dev, 30);
    const auto one = sign_in(dev_token);
    const auto two = sign_in(dev_token);
    const std::string list = "/team/app/-/packages";
    const auto a = http.get(list, session(one));
    const auto b = http.get(list, session(two));
    BOOST_TEST(a.status == 200u);
    BOOST_TEST(b.status == 200u);
    BOOST_TEST(form_token(a.body) != form_token(b.body));
    const auto again = http.get(list, session(one));
    BOOST_TEST(again.body == a.body);
    BOOST_TEST(again.header("content-type") == "text/html; charset=utf-8");
    BOOST_TEST(again.header("content-security-policy") == a.header("content-security-policy"));
    BOOST_TEST(again.header("x-frame-options") == "DENY");
    BOOST_TEST(http.get(list).status == 404u);
    BOOST_REQUIRE_EQUAL(upload(project, "second", "1.0", "s.bin", "y"), 201u);
    BOOST_TEST(http.get(list, session(one)).body.find(">second<") != std::string::npos);
    BOOST_TEST(
        http.del("/api/v4/projects/" + std::to_string(project) + "/members/" + std::to_string(dev),
                 as_root())
            .status == 204u);
    BOOST_TEST(http.get(list, session(one)).status == 404u);
    BOOST_TEST(post_form("/-/sign_out", two, form_token(b.body)).status == 303u);
}

// The home page is kept too (routing/handlers/web_home.cpp): a new project, a membership, an
// upload each show at once.
BOOST_FIXTURE_TEST_CASE(the_kept_home_page_follows_writes, web_fixture) {
    const auto count_cell = [](const std::string& body, const std::string& path) {
        const auto at = body.find("href=\"/" + path + "/-/packages\"");
        if (at == std::string::npos) {
            return std::string("<absent>");
        }
        const auto cell = body.find("<td class=\"num\">", at);
        const auto end = body.find("</td>", cell);
        return body.substr(cell + 16, end - cell - 16);
    };
    const auto first = http.get("/");
    BOOST_TEST(count_cell(first.body, "open/lib") == "0");
    BOOST_TEST(http.get("/").body == first.body);
    BOOST_REQUIRE_EQUAL(upload(pub_project, "one", "1.0", "o.bin", "1"), 201u);
    BOOST_TEST(count_cell(http.get("/").body, "open/lib") == "1");
    create_project("more", pub_group, "public");
    BOOST_TEST(count_cell(http.get("/").body, "open/more") == "0");
    const auto [user, token] = create_user("newcomer");
    const auto cookie = sign_in(token);
    BOOST_TEST(count_cell(http.get("/", session(cookie)).body, "team/app") == "<absent>");
    add_member("groups", group, user, 10);
    BOOST_TEST(count_cell(http.get("/", session(cookie)).body, "team/app") == "0");
    // Anonymous visitors still see only what is public.
    BOOST_TEST(count_cell(http.get("/").body, "team/app") == "<absent>");
}

BOOST_FIXTURE_TEST_CASE(the_package_page_shows_files_snippets_and_downloads, web_fixture) {
    const std::string bytes = std::string("\x00\x01binary\xff", 9) + std::string(5000, 'z');
    BOOST_REQUIRE_EQUAL(upload(pub_project, "tool", "2.1", "tool.tar.gz", bytes), 201u);
    BOOST_REQUIRE_EQUAL(upload(pub_project, "tool", "2.0", "tool.tar.gz", "old"), 201u);
    const auto id = std::to_string(package_id(pub_project, "tool"));
    auto files = http.get("/api/v4/projects/" + std::to_string(pub_project) + "/packages/" + id +
                              "/package_files",
                          as_root())
                     .json();
    const auto sha256 = str_field(files[0], "file_sha256");
    const auto file_id = std::to_string(int_field(files[0], "id"));
    auto page = http.get("/open/lib/-/packages/" + id);
    BOOST_TEST(page.status == 200u);
    BOOST_TEST(page.body.find("<pre data-testid=\"install\">curl --header &quot;PRIVATE-TOKEN: "
                              "&lt;your_access_token&gt;&quot;") != std::string::npos);
    BOOST_TEST(page.body.find("/packages/generic/tool/2.1/tool.tar.gz") != std::string::npos);
    BOOST_TEST(page.body.find(sha256) != std::string::npos);
    BOOST_TEST(page.body.find("data-testid=\"versions\"") != std::string::npos);
    BOOST_TEST(page.body.find(">2.0</a>") != std::string::npos);
    BOOST_TEST(page.body.find("4.9 KiB") != std::string::npos);
    const auto link = "/open/lib/-/package_files/" + file_id + "/download";
    BOOST_TEST(page.body.find("href=\"" + link + "\"") != std::string::npos);
    auto dl = http.get(link);
    BOOST_TEST(dl.status == 200u);
    BOOST_TEST(dl.body == bytes);
    BOOST_TEST(dl.header("content-disposition").find("tool.tar.gz") != std::string::npos);
    // A file of another project is not downloadable under this one's path.
    BOOST_TEST(http.get("/team/app/-/package_files/" + file_id + "/download", as_root()).status ==
               404u);
    BOOST_TEST(http.get("/open/lib/-/package_files/999999/download").status == 404u);
    BOOST_TEST(http.get("/open/lib/-/packages/abc").status == 400u);
}

BOOST_FIXTURE_TEST_CASE(assets_and_the_api_keep_their_own_answers, web_fixture) {
    auto css = http.get("/-/assets/packyard.css");
    BOOST_TEST(css.status == 200u);
    BOOST_TEST(css.header("content-type") == "text/css; charset=utf-8");
    BOOST_TEST(css.header("cache-control") == "public, max-age=3600");
    BOOST_TEST(!css.body.empty());
    auto js = http.get("/-/assets/packyard.js");
    BOOST_TEST(js.header("content-type") == "text/javascript; charset=utf-8");
    BOOST_TEST(js.body.find("data-confirm") != std::string::npos);
    BOOST_TEST(http.get("/-/assets/nothing.css").status == 404u);
    // API paths no API route takes stay JSON, whatever the Accept.
    for (const std::string& target : std::vector<std::string>{
             "/api/v4/nothing", "/api/v4/groups/1/-/packages/5", "/api/v4/projects/1/-/packages"}) {
        auto r = http.get(target, {{"Accept", "text/html"}});
        BOOST_TEST_CONTEXT(target) {
            BOOST_TEST(r.status == 404u);
            BOOST_TEST(r.header("content-type") == "application/json");
            BOOST_TEST(r.body == R"({"error":"404 Not Found"})"); // Grape's unknown route
        }
    }
    // Elsewhere a browser gets the 404 page, a script the JSON it got before.
    auto browser = http.get("/nothing/here", {{"Accept", "text/html,application/xhtml+xml"}});
    BOOST_TEST(browser.status == 404u);
    BOOST_TEST(browser.header("content-type") == "text/html; charset=utf-8");
    auto script = http.get("/nothing/here");
    BOOST_TEST(script.header("content-type") == "application/json");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
struct https_fixture : web_fixture {
    https_fixture()
        : web_fixture({"--external-url", "https://registry.example"}) {}
};
} // namespace

BOOST_AUTO_TEST_SUITE(web_pages_https)

BOOST_FIXTURE_TEST_CASE(cookies_are_secure_behind_an_https_url, https_fixture) {
    auto form = http.get("/-/sign_in");
    BOOST_TEST(form.header("set-cookie").find("; Secure") != std::string::npos);
    const auto csrf = set_cookie_value(form, "_packyard_csrf");
    auto r =
        http.request("POST", "/-/sign_in", "authenticity_token=" + csrf + "&token=" + root_token,
                     {{"Content-Type", "application/x-www-form-urlencoded"},
                      {"Cookie", "_packyard_csrf=" + csrf}});
    BOOST_TEST(r.status == 303u);
    BOOST_TEST(r.header("set-cookie").find("HttpOnly; SameSite=Lax; Secure") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
