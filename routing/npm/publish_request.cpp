#include "routing/npm/publish_request.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace packyard::routing::npm {
namespace {

using value = rapidjson::Value;

/// Ruby's JSON keeps the last of duplicate keys: so does every lookup here.
const value* member(const value& obj, std::string_view key) {
    if (!obj.IsObject()) {
        return nullptr;
    }
    const value* found = nullptr;
    for (const auto& m : obj.GetObject()) {
        if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == key) {
            found = &m.value;
        }
    }
    return found;
}

std::optional<std::string> string_member(const value& obj, std::string_view key) {
    const value* v = member(obj, key);
    if (v == nullptr || !v->IsString()) {
        return std::nullopt;
    }
    return std::string(v->GetString(), v->GetStringLength());
}

std::string to_json(const value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

/// Ruby's String#inspect length of UTF-8 text: quotes, two-character escapes, \uXXXX for other
/// control characters, one per code point otherwise.
std::size_t inspect_string(std::string_view s) {
    std::size_t n = 2;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if ((c & 0xC0) == 0x80) {
            continue; // continuation byte: counted with its lead
        }
        switch (c) {
        case '"':
        case '\\':
        case '\n':
        case '\t':
        case '\r':
        case '\f':
        case '\v':
        case '\b':
        case '\a':
        case 0x1b:
            n += 2;
            break;
        case '#': {
            // "#{", "#$" and "#@" are escaped as \#.
            const char next = i + 1 < s.size() ? s[i + 1] : '\0';
            n += next == '{' || next == '$' || next == '@' ? 2 : 1;
            break;
        }
        default:
            n += c < 0x20 || c == 0x7f ? 6 : 1;
        }
    }
    return n;
}

/// Ruby's Float#to_s length, near enough for a size limit: the shortest digits that read back
/// the same, with ".0" when they have no point ("2.0", "1.0e+20").
std::size_t inspect_double(double d) {
    for (int prec = 1; prec <= 17; ++prec) {
        std::array<char, 40> b{};
        const int m = std::snprintf(b.data(), b.size(), "%.*g", prec, d);
        if (std::strtod(b.data(), nullptr) == d) {
            const std::string_view s(b.data(), static_cast<std::size_t>(m));
            return s.size() + (s.find('.') == std::string_view::npos ? 2 : 0);
        }
    }
    return 24;
}

std::size_t inspect_size(const value& v) {
    switch (v.GetType()) {
    case rapidjson::kNullType:
        return 3; // nil
    case rapidjson::kFalseType:
        return 5;
    case rapidjson::kTrueType:
        return 4;
    case rapidjson::kStringType:
        return inspect_string(std::string_view(v.GetString(), v.GetStringLength()));
    case rapidjson::kNumberType:
        if (v.IsInt64()) {
            return std::to_string(v.GetInt64()).size();
        }
        if (v.IsUint64()) {
            return std::to_string(v.GetUint64()).size();
        }
        return inspect_double(v.GetDouble());
    case rapidjson::kArrayType: {
        std::size_t n = 2;
        bool first = true;
        for (const auto& e : v.GetArray()) {
            n += (first ? 0 : 2) + inspect_size(e);
            first = false;
        }
        return n;
    }
    case rapidjson::kObjectType: {
        std::size_t n = 2;
        bool first = true;
        for (const auto& m : v.GetObject()) {
            n += (first ? 0 : 2) + inspect_size(m.name) + 2 + inspect_size(m.value);
            first = false;
        }
        return n;
    }
    }
    return 0;
}

constexpr std::array<std::string_view, 5> not_stored = {"readme", "readmeFilename", "licenseText",
                                                        "contributors", "exports"};
constexpr std::array<std::string_view, 3> install_scripts = {"preinstall", "install",
                                                             "postinstall"};

/// GitLab's CreatePackageService#package_json, in the order of the body's keys.
void shape_package_json(const value& version_data, publish_request& out) {
    rapidjson::Document doc;
    doc.SetObject();
    auto& a = doc.GetAllocator();
    bool has_install_script = false;
    if (const value* scripts = member(version_data, "scripts"); scripts && scripts->IsObject()) {
        for (const auto& m : scripts->GetObject()) {
            const std::string_view k(m.name.GetString(), m.name.GetStringLength());
            for (auto s : install_scripts) {
                has_install_script = has_install_script || k == s;
            }
        }
    }
    bool set_flag = false;
    for (const auto& m : version_data.GetObject()) {
        const std::string_view k(m.name.GetString(), m.name.GetStringLength());
        bool skip = false;
        for (auto s : not_stored) {
            skip = skip || k == s;
        }
        if (skip) {
            continue;
        }
        value name(m.name, a);
        if (k == "hasInstallScript" && has_install_script) {
            doc.AddMember(name, value(true), a); // replaced in place, as a Ruby Hash would
            set_flag = true;
            continue;
        }
        doc.AddMember(name, value(m.value, a), a);
    }
    if (has_install_script && !set_flag) {
        doc.AddMember("hasInstallScript", true, a);
    }
    out.package_json = to_json(doc);
    out.package_json_inspect_size = inspect_size(doc);
    const value* dist = member(doc, "dist");
    out.package_json_schema_ok = string_member(doc, "name") && string_member(doc, "version") &&
                                 dist != nullptr && dist->IsObject() &&
                                 string_member(*dist, "tarball") && string_member(*dist, "shasum");
    if (dist != nullptr) {
        out.shasum = string_member(*dist, "shasum");
        out.integrity = string_member(*dist, "integrity");
    }
}

} // namespace

std::optional<publish_request> read_publish_request(std::string_view metadata,
                                                    int streamed_member) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(metadata.data(), metadata.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        return std::nullopt;
    }
    publish_request out;
    out.name = string_member(doc, "name").value_or("");
    const value* versions = member(doc, "versions");
    out.versions_missing = versions == nullptr || versions->IsNull();
    out.versions_invalid = !out.versions_missing && !versions->IsObject();
    if (!out.versions_missing && !out.versions_invalid && !versions->ObjectEmpty()) {
        const auto& first = *versions->MemberBegin();
        out.version.assign(first.name.GetString(), first.name.GetStringLength());
        if (const value* data = member(*versions, out.version); data && data->IsObject()) {
            shape_package_json(*data, out);
        }
        for (const auto& m : versions->GetObject()) {
            const value* d = member(m.value, "deprecated");
            if (d == nullptr || d->IsNull() || d->IsFalse()) {
                continue; // Ruby's truthiness: "" still counts (it un-deprecates)
            }
            out.deprecations.emplace_back(
                std::string(m.name.GetString(), m.name.GetStringLength()),
                d->IsString() ? std::string(d->GetString(), d->GetStringLength()) : to_json(*d));
        }
    }
    if (const value* tags = member(doc, "dist-tags");
        tags && tags->IsObject() && !tags->ObjectEmpty()) {
        const auto& first = *tags->MemberBegin();
        out.dist_tag.emplace(first.name.GetString(), first.name.GetStringLength());
    }
    if (const value* atts = member(doc, "_attachments"); atts && atts->IsObject()) {
        const std::string key = out.name + "-" + out.version + ".tgz";
        int index = 0;
        const value* chosen = nullptr;
        int chosen_index = -1;
        for (const auto& m : atts->GetObject()) {
            if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == key) {
                chosen = &m.value;
                chosen_index = index;
            }
            ++index;
        }
        if (chosen != nullptr) {
            out.attachment_streamed = chosen_index == streamed_member;
            if (!out.attachment_streamed) {
                out.inline_attachment = string_member(*chosen, "data").value_or("");
            }
        }
    }
    return out;
}

std::size_t ruby_inspect_size(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
    return doc.HasParseError() ? 0 : inspect_size(doc);
}

} // namespace packyard::routing::npm
