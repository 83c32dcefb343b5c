// SigV4 against AWS's published vectors, each expected string verbatim:
//  - the Signature Version 4 test suite (aws-sig-v4-test-suite; credentials AKIDEXAMPLE, region
//    us-east-1, service "service", 20150830T123600Z), as AWS keeps it in awslabs/aws-c-auth
//    tests/aws-signing-test-suite/v4/<name>/ (header-*.txt for the Authorization header,
//    query-*.txt for presigned URLs, expiration 3600 s);
//  - the examples of the Amazon S3 API Reference, "Signature Calculations for the Authorization
//    Header: Transferring Payload in a Single Chunk" and "Authenticating Requests: Using Query
//    Parameters" (AKIAIOSFODNN7EXAMPLE, 20130524T000000Z, examplebucket).
// Only vectors whose rules S3 shares are here: S3 neither normalizes nor double-encodes a path,
// so the suite's "-normalized" cases with dot segments are left out and "-unnormalized" kept.
#include "store/s3/sigv4.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

using namespace packyard::store::s3;

namespace {

const credentials suite_keys{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
const signing_scope suite_scope{"20150830T123600Z", "us-east-1", "service"};

const credentials s3_keys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
const signing_scope s3_scope{"20130524T000000Z", "us-east-1", "s3"};

// A suite request: Host and the X-Amz-Date the suite adds when it signs with headers.
request suite_request(std::string method, std::string path, std::vector<field> query = {},
                      std::vector<field> headers = {}) {
    headers.insert(headers.begin(), {"Host", "example.amazonaws.com"});
    headers.emplace_back("X-Amz-Date", "20150830T123600Z");
    return {std::move(method), std::move(path), std::move(query), std::move(headers),
            std::string(empty_payload_sha256)};
}

// The same request as the suite presigns it: Host only.
request suite_presign_request(std::string path, std::vector<field> query = {},
                              std::vector<field> headers = {}) {
    headers.insert(headers.begin(), {"Host", "example.amazonaws.com"});
    return {"GET", std::move(path), std::move(query), std::move(headers),
            std::string(empty_payload_sha256)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(store_s3_sigv4)

BOOST_AUTO_TEST_CASE(get_vanilla_every_step) {
    const request r = suite_request("GET", "/");
    const signed_request s = sign(r, suite_keys, suite_scope);
    BOOST_TEST(s.canonical_request ==
               "GET\n"
               "/\n"
               "\n"
               "host:example.amazonaws.com\n"
               "x-amz-date:20150830T123600Z\n"
               "\n"
               "host;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(s.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20150830T123600Z\n"
               "20150830/us-east-1/service/aws4_request\n"
               "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    BOOST_TEST(s.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    // header-signed-request.txt's Authorization line
    BOOST_TEST(authorization(s, suite_keys, suite_scope) ==
               "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
               "SignedHeaders=host;x-amz-date, "
               "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

BOOST_AUTO_TEST_CASE(get_header_value_trim_collapses_inner_spaces_even_in_quotes) {
    const request r = suite_request("GET", "/", {},
                                    {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}});
    const signed_request s = sign(r, suite_keys, suite_scope);
    BOOST_TEST(s.canonical_request ==
               "GET\n"
               "/\n"
               "\n"
               "host:example.amazonaws.com\n"
               "my-header1:value1\n"
               "my-header2:\"a b c\"\n"
               "x-amz-date:20150830T123600Z\n"
               "\n"
               "host;my-header1;my-header2;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(s.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20150830T123600Z\n"
               "20150830/us-east-1/service/aws4_request\n"
               "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7");
    BOOST_TEST(s.signature == "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

BOOST_AUTO_TEST_CASE(post_x_www_form_urlencoded_signs_the_body_hash) {
    // The suite signs this body ("Param1=value1") with x-amz-content-sha256 as S3 requires.
    const std::string body_hash =
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
    request r = suite_request("POST", "/", {},
                              {{"Content-Type", "application/x-www-form-urlencoded"},
                               {"Content-Length", "13"},
                               {"x-amz-content-sha256", body_hash}});
    r.payload_hash = body_hash;
    const signed_request s = sign(r, suite_keys, suite_scope);
    BOOST_TEST(s.canonical_request ==
               "POST\n"
               "/\n"
               "\n"
               "content-length:13\n"
               "content-type:application/x-www-form-urlencoded\n"
               "host:example.amazonaws.com\n"
               "x-amz-content-sha256:"
               "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n"
               "x-amz-date:20150830T123600Z\n"
               "\n"
               "content-length;content-type;host;x-amz-content-sha256;x-amz-date\n"
               "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
    BOOST_TEST(s.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20150830T123600Z\n"
               "20150830/us-east-1/service/aws4_request\n"
               "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb");
    BOOST_TEST(s.signature == "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b");
}

BOOST_AUTO_TEST_CASE(get_utf8_encodes_each_byte_of_the_path_once) {
    const signed_request s = sign(suite_request("GET", "/\xE1\x88\xB4"), suite_keys, suite_scope);
    BOOST_TEST(s.canonical_request ==
               "GET\n"
               "/%E1%88%B4\n"
               "\n"
               "host:example.amazonaws.com\n"
               "x-amz-date:20150830T123600Z\n"
               "\n"
               "host;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(s.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20150830T123600Z\n"
               "20150830/us-east-1/service/aws4_request\n"
               "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102");
    BOOST_TEST(s.signature == "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
}

struct suite_signature {
    const char* name;
    request r;
    const char* signature; // header-signature.txt
};

BOOST_AUTO_TEST_CASE(the_suites_header_signatures) {
    const std::vector<suite_signature> cases{
        {"get-vanilla-query-order-key-case",
         suite_request("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}),
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        {"get-vanilla-empty-query-key", suite_request("GET", "/", {{"Param1", "value1"}}),
         "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
        {"get-vanilla-query-unreserved",
         suite_request("GET", "/",
                       {{"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                         "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}}),
         "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
        {"get-vanilla-utf8-query", suite_request("GET", "/", {{"\xE1\x88\xB4", "bar"}}),
         "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
        {"get-vanilla-query-order-encoded",
         suite_request("GET", "/",
                       {{"Param-3", "Value3"}, {"Param", "Value2"}, {"\xE1\x88\xB4", "Value1"}}),
         "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"},
        {"get-header-key-duplicate",
         suite_request(
             "GET", "/", {},
             {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
         "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
        {"get-header-value-order",
         suite_request("GET", "/", {},
                       {{"My-Header1", "value4"},
                        {"My-Header1", "value1"},
                        {"My-Header1", "value3"},
                        {"My-Header1", "value2"}}),
         "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
        {"get-unreserved",
         suite_request("GET",
                       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
         "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
        {"get-space-unnormalized", suite_request("GET", "/example space/"),
         "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
        {"get-slashes-unnormalized", suite_request("GET", "//example//"),
         "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"},
        {"post-vanilla", suite_request("POST", "/"),
         "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
        {"post-vanilla-query", suite_request("POST", "/", {{"Param1", "value1"}}),
         "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
        {"post-header-key-sort", suite_request("POST", "/", {}, {{"My-Header1", "value1"}}),
         "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
        {"post-header-value-case", suite_request("POST", "/", {}, {{"My-Header1", "VALUE1"}}),
         "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(sign(c.r, suite_keys, suite_scope).signature == c.signature);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_suites_presigned_get_vanilla) {
    const presigned_query p =
        presign(suite_presign_request("/"), suite_keys, suite_scope, std::chrono::seconds(3600));
    BOOST_TEST(p.parts.canonical_request ==
               "GET\n"
               "/\n"
               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-"
               "east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-"
               "Amz-SignedHeaders=host\n"
               "host:example.amazonaws.com\n"
               "\n"
               "host\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(p.parts.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20150830T123600Z\n"
               "20150830/us-east-1/service/aws4_request\n"
               "bb7705b4aa3cb8e8f5e1e0b3d4c0b64030797a313c8ceee43e33117cc43eadc5");
    BOOST_TEST(p.parts.signature ==
               "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d");
    BOOST_TEST(p.query ==
               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-"
               "east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-"
               "Amz-SignedHeaders=host&X-Amz-Signature="
               "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d");
}

BOOST_AUTO_TEST_CASE(the_suites_presigned_query_and_extra_header) {
    const presigned_query q =
        presign(suite_presign_request("/", {{"Param2", "value2"}, {"Param1", "value1"}}),
                suite_keys, suite_scope, std::chrono::seconds(3600));
    BOOST_TEST(q.parts.canonical_request ==
               "GET\n"
               "/\n"
               "Param1=value1&Param2=value2&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
               "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
               "20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
               "host:example.amazonaws.com\n"
               "\n"
               "host\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(q.parts.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20150830T123600Z\n"
               "20150830/us-east-1/service/aws4_request\n"
               "b82878ecb2ab7ad194b9fe79b2946c2a36ee1627a219408089b2d774c1a0cedb");
    BOOST_TEST(q.parts.signature ==
               "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5");

    // A signed header besides host lands in X-Amz-SignedHeaders, its ';' encoded as %3B.
    const presigned_query h = presign(suite_presign_request("/", {},
                                                            {{"My-Header1", "value4"},
                                                             {"My-Header1", "value1"},
                                                             {"My-Header1", "value3"},
                                                             {"My-Header1", "value2"}}),
                                      suite_keys, suite_scope, std::chrono::seconds(3600));
    BOOST_TEST(h.parts.canonical_request ==
               "GET\n"
               "/\n"
               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-"
               "east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-"
               "Amz-SignedHeaders=host%3Bmy-header1\n"
               "host:example.amazonaws.com\n"
               "my-header1:value4,value1,value3,value2\n"
               "\n"
               "host;my-header1\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(h.parts.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20150830T123600Z\n"
               "20150830/us-east-1/service/aws4_request\n"
               "f4d3f13084ba7664111670ce26458291d3e0c620acd9384f8cd6b60d8e83423e");
    BOOST_TEST(h.parts.signature ==
               "313720e71ca6202fdcfa9b20f88de01a4eb0638a83c833b1c184359a4eda864e");
}

BOOST_AUTO_TEST_CASE(s3_get_object_example) {
    const request r{"GET",
                    "/test.txt",
                    {},
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", std::string(empty_payload_sha256)},
                     {"x-amz-date", "20130524T000000Z"}},
                    std::string(empty_payload_sha256)};
    const signed_request s = sign(r, s3_keys, s3_scope);
    BOOST_TEST(s.canonical_request ==
               "GET\n"
               "/test.txt\n"
               "\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "range:bytes=0-9\n"
               "x-amz-content-sha256:"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
               "x-amz-date:20130524T000000Z\n"
               "\n"
               "host;range;x-amz-content-sha256;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(s.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    BOOST_TEST(s.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    BOOST_TEST(authorization(s, s3_keys, s3_scope) ==
               "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
               "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
               "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

BOOST_AUTO_TEST_CASE(s3_put_object_example_encodes_the_dollar_once) {
    // Body "Welcome to Amazon S3.", key "test$file.text".
    const std::string body_hash =
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    const request r{"PUT",
                    "/test$file.text",
                    {},
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", body_hash}},
                    body_hash};
    const signed_request s = sign(r, s3_keys, s3_scope);
    BOOST_TEST(canonical_uri(r.path) == "/test%24file.text");
    BOOST_TEST(s.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
    BOOST_TEST(s.signed_headers == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
    BOOST_TEST(s.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

BOOST_AUTO_TEST_CASE(s3_bucket_examples_sign_a_flag_and_a_sorted_query) {
    auto bucket_get = [](std::vector<field> query) {
        return request{"GET",
                       "/",
                       std::move(query),
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"x-amz-content-sha256", std::string(empty_payload_sha256)},
                        {"x-amz-date", "20130524T000000Z"}},
                       std::string(empty_payload_sha256)};
    };
    // GET Bucket Lifecycle: "?lifecycle" is "lifecycle=" in the canonical query.
    const signed_request lifecycle = sign(bucket_get({{"lifecycle", ""}}), s3_keys, s3_scope);
    BOOST_TEST(lifecycle.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
    BOOST_TEST(lifecycle.signature ==
               "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    // Get Bucket (List Objects): ?max-keys=2&prefix=J
    const signed_request list =
        sign(bucket_get({{"prefix", "J"}, {"max-keys", "2"}}), s3_keys, s3_scope);
    BOOST_TEST(list.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
    BOOST_TEST(list.signature ==
               "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

BOOST_AUTO_TEST_CASE(s3_presigned_url_example) {
    const request r{"GET",
                    "/test.txt",
                    {},
                    {{"Host", "examplebucket.s3.amazonaws.com"}},
                    std::string(unsigned_payload)};
    const presigned_query p = presign(r, s3_keys, s3_scope, std::chrono::hours(24));
    BOOST_TEST(p.parts.canonical_request ==
               "GET\n"
               "/test.txt\n"
               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%"
               "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-"
               "Amz-SignedHeaders=host\n"
               "host:examplebucket.s3.amazonaws.com\n"
               "\n"
               "host\n"
               "UNSIGNED-PAYLOAD");
    BOOST_TEST(p.parts.string_to_sign ==
               "AWS4-HMAC-SHA256\n"
               "20130524T000000Z\n"
               "20130524/us-east-1/s3/aws4_request\n"
               "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
    BOOST_TEST(p.parts.signature ==
               "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    // The example URL's query, in its order.
    BOOST_TEST(p.query ==
               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%"
               "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-"
               "Amz-SignedHeaders=host&X-Amz-Signature="
               "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

BOOST_AUTO_TEST_CASE(a_download_link_overrides_content_disposition) {
    // GitLab answers a package file with Content-Disposition: attachment; filename="..."; a
    // redirect to S3 keeps it by signing response-content-disposition into the URL. Its value is
    // encoded like any query value: no '+', no raw ';', '"' or '='.
    const request r{"GET",
                    "/packages/ab/cd/blob",
                    {{"response-content-disposition", "attachment; filename=\"a b+c.tgz\""}},
                    {{"Host", "127.0.0.1:7480"}},
                    std::string(unsigned_payload)};
    const presigned_query p = presign(r, s3_keys, s3_scope, std::chrono::seconds(300));
    BOOST_TEST(p.query.starts_with("X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
    BOOST_TEST(p.query.find("&X-Amz-Expires=300&X-Amz-SignedHeaders=host&response-content-"
                            "disposition=attachment%3B%20filename%3D%22a%20b%2Bc.tgz%22&X-Amz-"
                            "Signature=") != std::string::npos);
    BOOST_TEST(p.parts.canonical_request.find("\n/packages/ab/cd/blob\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_repeated_header_keeps_its_values_in_the_order_sent) {
    // get-header-value-order has four values, too few for an unstable sort to show (libstdc++
    // sorts 16 elements or fewer by insertion, which is stable): 40 here, among other names.
    std::vector<field> headers;
    std::string expected;
    for (int i = 39; i >= 0; --i) {
        headers.emplace_back(i % 2 == 0 ? "X-Rep" : "x-rep", "v" + std::to_string(i));
        headers.emplace_back("x-other-" + std::to_string(i), "o");
        expected += (expected.empty() ? "" : ",") + ("v" + std::to_string(i));
    }
    const canonical_header_block h = canonical_headers(headers);
    BOOST_TEST(h.headers.find("\nx-rep:" + expected + "\n") != std::string::npos);
    BOOST_TEST(h.signed_headers.ends_with(";x-other-9;x-rep"));
}

BOOST_AUTO_TEST_CASE(uri_encoding_is_s3s) {
    BOOST_TEST(uri_encode("a b/c~d", true) == "a%20b/c~d");
    BOOST_TEST(uri_encode("a b/c~d", false) == "a%20b%2Fc~d");
    BOOST_TEST(uri_encode("%2F", true) == "%252F"); // a literal '%' in a key is data
    BOOST_TEST(uri_encode("\xff", false) == "%FF");
    BOOST_TEST(canonical_uri("") == "/");
}

BOOST_AUTO_TEST_CASE(amz_date_is_utc_basic_format) {
    using namespace std::chrono;
    BOOST_TEST(amz_date(system_clock::time_point(seconds(1440938160))) == "20150830T123600Z");
    BOOST_TEST(amz_date(system_clock::time_point(milliseconds(1369353600999))) ==
               "20130524T000000Z");
}

BOOST_AUTO_TEST_SUITE_END()
