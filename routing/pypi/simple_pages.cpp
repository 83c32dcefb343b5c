#include "routing/pypi/simple_pages.hpp"

#include "routing/pypi/names.hpp"

#include <algorithm>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace packyard::routing::pypi {
namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(json_writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void put_key(json_writer& w, std::string_view s) {
    w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    return s;
}

} // namespace

std::string render_simple_html(std::string_view title, const std::vector<simple_link>& links) {
    const std::string name = html_escape(title);
    std::string out;
    out += "<!DOCTYPE html>\n        <html>\n          <head>\n            <title>Links for ";
    out += name;
    out += "</title>\n          </head>\n          <body>\n            <h1>Links for ";
    out += name;
    out += "</h1>\n            ";
    for (const auto& l : links) {
        out += "<a href=\"";
        out += l.href;
        out += "\" data-requires-python=\"";
        out += html_escape(l.requires_python);
        out += '"';
        if (l.core_metadata_sha256) {
            // PEP 714's name, and PEP 658's older one that pip before 23.3 reads.
            out += " data-core-metadata=\"sha256=";
            out += *l.core_metadata_sha256;
            out += "\" data-dist-info-metadata=\"sha256=";
            out += *l.core_metadata_sha256;
            out += '"';
        }
        out += '>';
        out += l.text;
        out += "</a>";
    }
    out += "\n          </body>\n        </html>\n";
    return out;
}

std::string render_index_json(std::vector<std::string> normalized_names) {
    std::sort(normalized_names.begin(), normalized_names.end());
    normalized_names.erase(std::unique(normalized_names.begin(), normalized_names.end()),
                           normalized_names.end());
    rapidjson::StringBuffer sb;
    json_writer w(sb);
    w.StartObject();
    put_key(w, "meta");
    w.StartObject();
    put_key(w, "api-version");
    put(w, "1.0");
    w.EndObject();
    put_key(w, "projects");
    w.StartArray();
    for (const auto& n : normalized_names) {
        w.StartObject();
        put_key(w, "name");
        put(w, n);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {sb.GetString(), sb.GetSize()};
}

std::string render_package_json(std::string_view normalized_name,
                                const std::vector<json_file>& files) {
    rapidjson::StringBuffer sb;
    json_writer w(sb);
    w.StartObject();
    put_key(w, "meta");
    w.StartObject();
    put_key(w, "api-version");
    put(w, "1.0");
    w.EndObject();
    put_key(w, "name");
    put(w, normalized_name);
    put_key(w, "files");
    w.StartArray();
    for (const auto& f : files) {
        w.StartObject();
        put_key(w, "filename");
        put(w, f.filename);
        put_key(w, "url");
        put(w, f.url);
        put_key(w, "hashes");
        w.StartObject();
        put_key(w, "sha256");
        put(w, f.sha256);
        w.EndObject();
        if (!f.requires_python.empty()) {
            put_key(w, "requires-python");
            put(w, f.requires_python);
        }
        if (f.core_metadata_sha256) {
            // PEP 714's key only: pip 23.0 (Debian 12's) fails on the older dist-info-metadata
            // key holding a hash object, and reads neither key from JSON correctly.
            put_key(w, "core-metadata");
            w.StartObject();
            put_key(w, "sha256");
            put(w, *f.core_metadata_sha256);
            w.EndObject();
        }
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {sb.GetString(), sb.GetSize()};
}

bool wants_json(std::string_view accept) noexcept {
    while (!accept.empty()) {
        const auto comma = accept.find(',');
        const auto item = trim(accept.substr(0, comma));
        if (item.starts_with("application/vnd.pypi.simple.v1+json") ||
            item.starts_with("application/vnd.pypi.simple.latest+json")) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        accept.remove_prefix(comma + 1);
    }
    return false;
}

} // namespace packyard::routing::pypi
