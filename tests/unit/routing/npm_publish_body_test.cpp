#include "routing/npm/publish_body.hpp"

#include <boost/test/unit_test.hpp>
#include <random>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace packyard::routing::npm;
using splitter = publish_body_splitter;

namespace {

struct split_result {
    splitter::status status = splitter::status::ok;
    std::string metadata;
    std::string streamed;
    int member = -1;
};

split_result split(std::string_view body, std::size_t chunk, std::size_t limit = 1 << 20) {
    splitter s(limit);
    split_result r;
    const splitter::sink sink = [&](std::string_view b64) {
        r.streamed.append(b64);
        return true;
    };
    for (std::size_t i = 0; i < body.size() && r.status == splitter::status::ok; i += chunk) {
        r.status = s.feed(body.substr(i, chunk), sink);
    }
    if (r.status == splitter::status::ok) {
        r.status = s.finish();
    }
    r.metadata = s.metadata();
    r.member = s.streamed() ? s.streamed_member() : -1;
    return r;
}

/// The reference: RapidJSON's DOM finds the first string "data" of an object member of a
/// top-level "_attachments" object, and that string emptied is what the metadata must be.
struct reference {
    bool found = false;
    std::string data;
    int member = -1;
    rapidjson::Document without;
};

reference reference_split(const std::string& body) {
    reference ref;
    ref.without.Parse(body.c_str(), body.size());
    BOOST_REQUIRE(!ref.without.HasParseError());
    if (!ref.without.IsObject()) {
        return ref;
    }
    for (auto& top : ref.without.GetObject()) {
        if (ref.found || std::string_view(top.name.GetString()) != "_attachments" ||
            !top.value.IsObject()) {
            continue;
        }
        int index = 0;
        for (auto& att : top.value.GetObject()) {
            if (!ref.found && att.value.IsObject()) {
                for (auto& m : att.value.GetObject()) {
                    if (std::string_view(m.name.GetString()) == "data") {
                        // The splitter streams the first "data" that is a string.
                        if (m.value.IsString()) {
                            ref.found = true;
                            ref.member = index;
                            ref.data.assign(m.value.GetString(), m.value.GetStringLength());
                            m.value.SetString("", 0);
                        }
                        break;
                    }
                }
            }
            ++index;
        }
    }
    return ref;
}

std::string random_base64(std::mt19937& rng, std::size_t n) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += alphabet[rng() % 64];
    }
    s.append((3 - n % 3) % 3, '=');
    return s;
}

/// A publish-shaped document with random extra members, nesting and escapes, as JSON text.
std::string random_document(std::mt19937& rng, std::string& data) {
    data = random_base64(rng, rng() % 300);
    // Spell some '/' as "\/" (a JSON encoder may), which the splitter must undo.
    std::string spelled;
    for (char c : data) {
        if (c == '/' && rng() % 2 == 0) {
            spelled += "\\/";
        } else if (c == 'A' && rng() % 3 == 0) {
            spelled += "\\u0041";
        } else {
            spelled += c;
        }
    }
    const std::string ws = rng() % 2 ? " " : "";
    std::string extra = R"("description":"a \"quoted\" text with {braces} and [brackets], \u00e9")";
    std::string attachment = "{" + ws + "\"content_type\":\"application/octet-stream\"," + ws +
                             "\"data\"" + ws + ":" + ws + "\"" + spelled + "\"," + ws +
                             "\"length\":" + std::to_string(data.size()) + "}";
    std::string attachments = "{";
    if (rng() % 3 == 0) {
        attachments += R"("first.txt":"not an object",)";
    }
    attachments += "\"@scope/pkg-1.0.0.tgz\":" + attachment;
    if (rng() % 3 == 0) {
        attachments += R"(,"second.tgz":{"data":"c2Vjb25k"})";
    }
    attachments += "}";
    std::string body =
        "{" + ws + R"("_id":"@scope/pkg","name":"@scope/pkg",)" + extra + "," +
        R"("versions":{"1.0.0":{"name":"@scope/pkg","data":"not me","_attachments":{"x":{"data":"no"}}}},)";
    if (rng() % 2) {
        body += R"("nested":[{"_attachments":{"y":{"data":"nor me"}}},[1,2,{"a":null}]],)";
    }
    body += R"("dist-tags":{"latest":"1.0.0"},)" + ws + "\"_attachments\"" + ws + ":" + ws +
            attachments + ws + "}" + ws;
    return body;
}

} // namespace

BOOST_AUTO_TEST_SUITE(npm_publish_body)

BOOST_AUTO_TEST_CASE(the_splitter_agrees_with_a_dom_reference_on_random_documents) {
    std::mt19937 rng(20261201);
    for (int n = 0; n < 400; ++n) {
        std::string data;
        const std::string body = random_document(rng, data);
        auto ref = reference_split(body);
        BOOST_REQUIRE(ref.found);
        BOOST_REQUIRE(ref.data == data);
        for (std::size_t chunk : {1UL, 2UL, 5UL, 64UL, 100000UL}) {
            auto got = split(body, chunk);
            BOOST_REQUIRE(got.status == splitter::status::ok);
            BOOST_TEST(got.streamed == data);
            BOOST_TEST(got.member == ref.member);
            rapidjson::Document meta;
            meta.Parse(got.metadata.c_str(), got.metadata.size());
            BOOST_REQUIRE(!meta.HasParseError());
            BOOST_TEST((meta == ref.without),
                       "metadata differs for chunk " << chunk << ": " << got.metadata);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_body_without_attachments_is_kept_whole) {
    const std::string body =
        R"({"name":"a","versions":{"1.0.0":{"deprecated":"old"}},"_attachments":{}})";
    auto got = split(body, 3);
    BOOST_TEST((got.status == splitter::status::ok));
    BOOST_TEST(got.metadata == body);
    BOOST_TEST(got.member == -1);
    BOOST_TEST(got.streamed.empty());
}

BOOST_AUTO_TEST_CASE(malformed_bodies_are_refused_at_any_split) {
    const std::string good = R"({"_attachments":{"a.tgz":{"data":"QUJD"}}})";
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        BOOST_TEST((split(good.substr(0, cut), 1).status == splitter::status::malformed),
                   "truncated at " << cut);
    }
    for (const char* bad : {
             R"({"_attachments":{"a.tgz":{"data":"QU JD"}}})",      // a space in base64
             R"({"_attachments":{"a.tgz":{"data":"QU\"JD"}}})",     // an escaped quote
             R"({"_attachments":{"a.tgz":{"data":"QU\u00e9JD"}}})", // not base64
             R"({"_attachments":{"a.tgz":{"data":"QU\xJD"}}})",     // bad escape
             R"({"a":1}})",                                         // unbalanced
             R"({"a":[1}})",                                        // mismatched
             R"({"a":1} x)",                                        // trailing text
         }) {
        BOOST_TEST((split(bad, 1).status == splitter::status::malformed), bad);
    }
    std::string deep(300, '[');
    BOOST_TEST((split("{\"a\":" + deep, 7).status == splitter::status::malformed));
}

BOOST_AUTO_TEST_CASE(metadata_past_its_bound_is_refused_but_the_attachment_is_not_counted) {
    const std::string big_data(100000, 'A');
    const std::string body = R"({"name":"a","_attachments":{"a.tgz":{"data":")" + big_data +
                             R"("}},"description":")" + std::string(50, 'x') + "\"}";
    BOOST_TEST((split(body, 4096, 200).status == splitter::status::ok));
    BOOST_TEST((split(body, 4096, 80).status == splitter::status::too_large));
}

BOOST_AUTO_TEST_CASE(a_refusing_sink_stops_the_body) {
    splitter s(1 << 20);
    const splitter::sink refuse = [](std::string_view) { return false; };
    BOOST_TEST((s.feed(R"({"_attachments":{"a":{"data":"QUJD"}}})", refuse) ==
                splitter::status::sink_failed));
    BOOST_TEST((s.feed("}", refuse) == splitter::status::sink_failed));
}

BOOST_AUTO_TEST_SUITE_END()
