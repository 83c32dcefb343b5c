#include "routing/maven/metadata_xml.hpp"

#include "routing/web/html.hpp"
#include "store/text.hpp"

#include <chrono>
#include <cstdio>
#include <openssl/evp.h>

namespace packyard::routing::maven {
namespace {

/// yyyyMMddHHmmss in UTC: Maven's lastUpdated.
std::string timestamp(std::int64_t ms) {
    using namespace std::chrono;
    const sys_time<milliseconds> tp{milliseconds{ms}};
    const auto day = floor<days>(tp);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<seconds>(tp - day)};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u%02ld%02ld%02ld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

void element(std::string& out, std::string_view indent, std::string_view name,
             std::string_view text) {
    out += indent;
    out += '<';
    out += name;
    out += '>';
    web::escape_into(out, text);
    out += "</";
    out += name;
    out += ">\n";
}

std::string hex_digest(const EVP_MD* md, std::string_view bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), out, &n, md, nullptr) != 1) {
        return {};
    }
    return store::to_hex(std::string_view(reinterpret_cast<const char*>(out), n));
}

} // namespace

std::string render_metadata(const coordinates& c, const std::vector<listed_version>& versions) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n";
    element(out, "  ", "groupId", c.group_id);
    element(out, "  ", "artifactId", c.artifact_id);
    out += "  <versioning>\n";
    std::int64_t newest = 0;
    const listed_version* release = nullptr;
    for (const auto& v : versions) {
        newest = std::max(newest, v.created_at);
        if (!v.version.ends_with("-SNAPSHOT")) {
            release = &v;
        }
    }
    if (!versions.empty()) {
        element(out, "    ", "latest", versions.back().version);
    }
    if (release != nullptr) {
        element(out, "    ", "release", release->version);
    }
    out += "    <versions>\n";
    for (const auto& v : versions) {
        element(out, "      ", "version", v.version);
    }
    out += "    </versions>\n";
    element(out, "    ", "lastUpdated", timestamp(newest));
    out += "  </versioning>\n</metadata>\n";
    return out;
}

checksums checksums_of(std::string_view bytes) {
    return {hex_digest(EVP_md5(), bytes), hex_digest(EVP_sha1(), bytes)};
}

} // namespace packyard::routing::maven
