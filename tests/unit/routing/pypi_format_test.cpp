// PyPI's names, versions, metadata text and simple pages, byte for byte as GitLab makes them
// (lib/gitlab/regex/packages.rb, app/presenters/packages/pypi/*, ActiveSupport's truncate and
// ERB::Util.html_escape; the expected strings follow GitLab's own specs).

#include "routing/pypi/names.hpp"
#include "routing/pypi/simple_pages.hpp"

#include <boost/test/unit_test.hpp>

namespace pypi = packyard::routing::pypi;

BOOST_AUTO_TEST_SUITE(pypi_format)

BOOST_AUTO_TEST_CASE(names_normalize_as_pep_503_says) {
    BOOST_TEST(pypi::normalize("My_Pkg.Name") == "my-pkg-name");
    BOOST_TEST(pypi::normalize("a__-.b") == "a-b");
    BOOST_TEST(pypi::normalize("my.package") == "my-package");
    BOOST_TEST(pypi::normalize("-x_") == "-x-");
    BOOST_TEST(pypi::normalize("Flask") == "flask");
}

BOOST_AUTO_TEST_CASE(versions_follow_gitlabs_pep_440_pattern) {
    for (const char* ok :
         {"1", "1.0", "v1.0.0", "1!2.0", "1.0a1", "1.0.alpha.1", "1.0rc1", "1.0-1", "1.0.post2",
          "1.0post", "1.0.dev3", "1.0+local.1", "1.0preview", "1.0C1", "V2.0.DEV1", "2.0.0.0.0",
          "1.0a1.post2.dev3+abc-def", "0.0.1-r_4", "1.0-dev-"}) {
        BOOST_TEST(pypi::valid_version(ok), ok);
    }
    for (const char* bad : {"", "abc", "1.0-", "1.0+", "1.0+.a", "1..0", "1.0 ", "v", "1.0-dev-x",
                            ".1", "1.0_alpha_beta", "1.0+a..b", "1,0"}) {
        BOOST_TEST(!pypi::valid_version(bad), bad);
    }
    BOOST_TEST(!pypi::valid_version(std::string(256, '1')));
}

BOOST_AUTO_TEST_CASE(names_follow_gitlabs_package_name_pattern) {
    for (const char* ok : {"my-pkg", "My_Pkg.Name", "a/b", "@scope/x", "x@1", "a+b/c", "a/"}) {
        BOOST_TEST(pypi::valid_name(ok), ok);
    }
    for (const char* bad : {"", ".$/@!^*", "a b", "a+b", "a+", "é"}) {
        BOOST_TEST(!pypi::valid_name(bad), bad);
    }
    BOOST_TEST(!pypi::valid_name(std::string(256, 'a')));
    BOOST_TEST(pypi::valid_name(std::string(255, 'a')));
}

BOOST_AUTO_TEST_CASE(sha256_digests) {
    BOOST_TEST(pypi::valid_sha256(std::string(64, 'a')));
    BOOST_TEST(pypi::valid_sha256(std::string(64, 'F')));
    BOOST_TEST(!pypi::valid_sha256(std::string(63, 'a') + "%"));
    BOOST_TEST(!pypi::valid_sha256(std::string(65, 'a')));
}

BOOST_AUTO_TEST_CASE(truncation_is_activesupports) {
    BOOST_TEST(pypi::truncate("abc", 3) == "abc");
    BOOST_TEST(pypi::truncate(std::string(256, 'x'), 255) == std::string(252, 'x') + "...");
    BOOST_TEST(pypi::truncate("abcdef", 5) == "ab...");
    BOOST_TEST(pypi::truncate("abcdef", 2) == "...");
    // Characters, not bytes: "é" is two bytes and one character.
    BOOST_TEST(pypi::truncate("ééééé", 5) == "ééééé");
    BOOST_TEST(pypi::truncate("éééééé", 5) == "éé...");
}

BOOST_AUTO_TEST_CASE(escaping_is_erbs) {
    BOOST_TEST(pypi::html_escape(">=2.7") == "&gt;=2.7");
    BOOST_TEST(pypi::html_escape(R"("><script>alert(1)</script>)") ==
               "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    BOOST_TEST(pypi::html_escape(">=2.7, !=3.0") == "&gt;=2.7, !=3.0");
    BOOST_TEST(pypi::html_escape("a&b'c") == "a&amp;b&#39;c");
}

BOOST_AUTO_TEST_CASE(the_html_page_keeps_the_heredocs_bytes) {
    const std::string sha(64, 'a');
    const std::string href = "http://localhost/api/v4/projects/1/packages/pypi/files/" + sha +
                             "/my.pypi.package-0.0.1.tar.gz#sha256=" + sha;
    const std::vector<pypi::simple_link> links{
        {href, "my.pypi.package-0.0.1.tar.gz", ">=3.6", std::nullopt},
        {href, "x.whl", "", std::string(64, 'b')}};
    const std::string expected =
        "<!DOCTYPE html>\n        <html>\n          <head>\n"
        "            <title>Links for my.pypi.package</title>\n          </head>\n"
        "          <body>\n            <h1>Links for my.pypi.package</h1>\n            <a href=\"" +
        href + "\" data-requires-python=\"&gt;=3.6\">my.pypi.package-0.0.1.tar.gz</a><a href=\"" +
        href + "\" data-requires-python=\"\" data-core-metadata=\"sha256=" + std::string(64, 'b') +
        "\" data-dist-info-metadata=\"sha256=" + std::string(64, 'b') +
        "\">x.whl</a>\n          </body>\n        </html>\n";
    BOOST_TEST(pypi::render_simple_html("my.pypi.package", links) == expected);
    BOOST_TEST(pypi::render_simple_html("<b>", {}) ==
               "<!DOCTYPE html>\n        <html>\n          <head>\n"
               "            <title>Links for &lt;b&gt;</title>\n          </head>\n"
               "          <body>\n            <h1>Links for &lt;b&gt;</h1>\n            \n"
               "          </body>\n        </html>\n");
}

BOOST_AUTO_TEST_CASE(the_json_forms_are_pep_691_in_gitlabs_key_order) {
    BOOST_TEST(pypi::render_index_json({"b-c", "a", "b-c"}) ==
               R"({"meta":{"api-version":"1.0"},"projects":[{"name":"a"},{"name":"b-c"}]})");
    const std::vector<pypi::json_file> files{
        {"a-1.0.tar.gz", "http://h/f#sha256=11", "11", "", std::nullopt},
        {"a-1.0-py3-none-any.whl", "http://h/g#sha256=22", "22", ">=3.8", std::string("33")}};
    BOOST_TEST(
        pypi::render_package_json("a", files) ==
        R"({"meta":{"api-version":"1.0"},"name":"a","files":[)"
        R"({"filename":"a-1.0.tar.gz","url":"http://h/f#sha256=11","hashes":{"sha256":"11"}},)"
        R"({"filename":"a-1.0-py3-none-any.whl","url":"http://h/g#sha256=22",)"
        R"("hashes":{"sha256":"22"},"requires-python":">=3.8",)"
        R"("core-metadata":{"sha256":"33"}}]})");
}

BOOST_AUTO_TEST_CASE(json_is_asked_for_by_pips_accept_header) {
    BOOST_TEST(pypi::wants_json("application/vnd.pypi.simple.v1+json, "
                                "application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"));
    BOOST_TEST(pypi::wants_json("text/html, application/vnd.pypi.simple.latest+json"));
    BOOST_TEST(!pypi::wants_json("text/html"));
    BOOST_TEST(!pypi::wants_json(""));
    BOOST_TEST(!pypi::wants_json("application/json"));
}

BOOST_AUTO_TEST_SUITE_END()
