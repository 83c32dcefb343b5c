// Maven's URL rules (routing/maven/paths.hpp) against GitLab's regexes and Ruby's string
// methods, and the metadata document (routing/maven/metadata_xml.hpp) against a document
// written out by hand.

#include "routing/maven/metadata_xml.hpp"
#include "routing/maven/paths.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::routing::maven;

BOOST_AUTO_TEST_SUITE(maven_paths)

BOOST_AUTO_TEST_CASE(a_target_is_the_path_and_the_last_segment_decoded) {
    auto t = split_target("com/acme/demo/1.0/demo-1.0.jar");
    BOOST_REQUIRE(t);
    BOOST_TEST(t->path == "com/acme/demo/1.0");
    BOOST_TEST(t->file_name == "demo-1.0.jar");
    t = split_target("com/my%2Dapp/1.0/a%2Bb.jar");
    BOOST_REQUIRE(t);
    BOOST_TEST(t->path == "com/my-app/1.0");
    BOOST_TEST(t->file_name == "a+b.jar");
    BOOST_TEST(!split_target("demo.jar"));          // no path: no route
    BOOST_TEST(!split_target("com/acme/"));         // no file name
    BOOST_TEST(!split_target("com/%zz/1.0/x.jar")); // a malformed escape
}

BOOST_AUTO_TEST_CASE(parameters_fail_as_grape_words_it) {
    BOOST_TEST(parameter_errors({"com/acme/demo/1.0", "demo-1.0.jar"}, true).empty());
    BOOST_TEST(parameter_errors({"com/../etc", "x.jar"}, false) ==
               "path should be a valid file path");
    BOOST_TEST(parameter_errors({"com/acme/1.0", ".."}, false) ==
               "file_name should be a valid file path");
    BOOST_TEST(parameter_errors({"com/acme/1.0", "a b.jar"}, true) == "file_name is invalid");
    BOOST_TEST(parameter_errors({"com/acme/1.0", "a b.jar"}, false).empty()); // GET: no regexp
    BOOST_TEST(parameter_errors({"/abs/1.0", "x~.jar"}, true) ==
               "path should be a valid file path, file_name is invalid");
}

BOOST_AUTO_TEST_CASE(checksum_names_ask_for_their_base_file) {
    auto w = extract_format("demo-1.0.jar.sha1");
    BOOST_TEST(w.base == "demo-1.0.jar");
    BOOST_TEST((w.what == format::sha1));
    w = extract_format("maven-metadata.xml.md5");
    BOOST_TEST(w.base == "maven-metadata.xml");
    BOOST_TEST((w.what == format::md5));
    for (const auto* stored :
         {"demo-1.0.jar.sha256", "demo-1.0.jar.sha512", "demo.jar.asc", "sha1", "noext"}) {
        w = extract_format(stored);
        BOOST_TEST(w.base == stored);
        BOOST_TEST((w.what == format::file));
    }
}

BOOST_AUTO_TEST_CASE(metadata_of_an_artifact_makes_the_versionless_package) {
    auto p = package_for("com/acme/demo", "maven-metadata.xml");
    BOOST_TEST(p.versionless);
    BOOST_TEST(p.name == "com/acme/demo");
    // A SNAPSHOT folder's metadata is the SNAPSHOT version's file.
    p = package_for("com/acme/demo/1.0-SNAPSHOT", "maven-metadata.xml");
    BOOST_TEST(!p.versionless);
    BOOST_TEST(p.name == "com/acme/demo");
    BOOST_TEST(p.version == "1.0-SNAPSHOT");
    // Only that exact name: its checksum splits the path like any other file (GitLab's
    // FindOrCreatePackageService looks at the whole file name).
    p = package_for("com/acme/demo", "maven-metadata.xml.sha1");
    BOOST_TEST(!p.versionless);
    BOOST_TEST(p.name == "com/acme");
    BOOST_TEST(p.version == "demo");
    p = package_for("demo", "demo.jar"); // Ruby's rpartition without a separator
    BOOST_TEST(p.name.empty());
    BOOST_TEST(p.version == "demo");
}

BOOST_AUTO_TEST_CASE(validation_follows_the_metadatum_and_the_version_rules) {
    BOOST_TEST(
        validation_errors("com/acme/demo/1.0", package_for("com/acme/demo/1.0", "x.jar")).empty());
    BOOST_TEST(
        validation_errors("com/acme/demo/1..0", package_for("com/acme/demo/1..0", "x.jar")) ==
        "Version is invalid");
    BOOST_TEST(
        validation_errors("com/ac me/demo/1.0", package_for("com/ac me/demo/1.0", "x.jar")) ==
        "Maven metadatum path is invalid, Maven metadatum app group is invalid");
    BOOST_TEST(validation_errors("demo/1.0", package_for("demo/1.0", "x.jar")) ==
               "Maven metadatum app group is invalid");
    BOOST_TEST(validation_errors("demo", package_for("demo", "x.jar")) ==
               "Name can't be blank, Maven metadatum app group is invalid, Maven metadatum app "
               "name is invalid");
    const std::string long_version(300, '1');
    const std::string path = "com/acme/demo/" + long_version;
    BOOST_TEST(validation_errors(path, package_for(path, "x.jar")) ==
               "Version is too long (maximum is 255 characters)");
}

BOOST_AUTO_TEST_CASE(coordinates_are_the_group_with_dots_and_the_artifact) {
    const auto c = coordinates_of("com/acme/tools/demo");
    BOOST_TEST(c.group_id == "com.acme.tools");
    BOOST_TEST(c.artifact_id == "demo");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(maven_metadata)

BOOST_AUTO_TEST_CASE(the_document_lists_versions_latest_release_and_last_update) {
    // 1,764,633,600,000 ms is 2025-12-02T00:00:00Z.
    const std::vector<listed_version> v{{"1.0", 1764633600000},
                                        {"1.1", 1764633600000 + 3723000},
                                        {"1.2-SNAPSHOT", 1764633600000 + 7384000}};
    BOOST_TEST(render_metadata({"com.acme", "demo"}, v) ==
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<metadata>\n"
               "  <groupId>com.acme</groupId>\n"
               "  <artifactId>demo</artifactId>\n"
               "  <versioning>\n"
               "    <latest>1.2-SNAPSHOT</latest>\n"
               "    <release>1.1</release>\n"
               "    <versions>\n"
               "      <version>1.0</version>\n"
               "      <version>1.1</version>\n"
               "      <version>1.2-SNAPSHOT</version>\n"
               "    </versions>\n"
               "    <lastUpdated>20251202020304</lastUpdated>\n"
               "  </versioning>\n"
               "</metadata>\n");
    // Only SNAPSHOTs: no release.
    const auto snapshots = render_metadata({"com.acme", "demo"}, {{"2.0-SNAPSHOT", 0}});
    BOOST_TEST(snapshots.find("<release>") == std::string::npos);
    BOOST_TEST(snapshots.find("<latest>2.0-SNAPSHOT</latest>") != std::string::npos);
    BOOST_TEST(snapshots.find("<lastUpdated>19700101000000</lastUpdated>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(checksums_are_hex_digests_of_the_bytes) {
    // printf 'abc' | md5sum; printf 'abc' | sha1sum
    const auto sums = checksums_of("abc");
    BOOST_TEST(sums.md5 == "900150983cd24fb0d6963f7d28e17f72");
    BOOST_TEST(sums.sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

BOOST_AUTO_TEST_SUITE_END()
