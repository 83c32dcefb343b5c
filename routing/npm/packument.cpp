#include "routing/npm/packument.hpp"

#include "routing/json.hpp"
#include "routing/npm/names.hpp"

#include <algorithm>
#include <array>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace packyard::routing::npm {

std::string packument_key(std::uint64_t project_id, std::string_view name, bool full,
                          std::string_view tarball_prefix) {
    std::string k = "npm|" + std::to_string(project_id);
    k += full ? "|f|" : "|a|";
    k += tarball_prefix;
    k += '|';
    k += name;
    return k;
}
namespace {

using value = rapidjson::Value;
using writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string_view text(const value& v) {
    return {v.GetString(), v.GetStringLength()};
}

void write_string(writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

/// A value as PostgreSQL's jsonb gives it back (GitLab stores package.json as jsonb): object
/// keys shorter first, then bytewise; of duplicate keys the last.
void write_jsonb(writer& w, const value& v) {
    if (v.IsObject()) {
        std::vector<const value::Member*> members;
        for (const auto& m : v.GetObject()) {
            auto same = std::find_if(members.begin(), members.end(), [&m](const value::Member* x) {
                return text(x->name) == text(m.name);
            });
            if (same != members.end()) {
                *same = &m;
            } else {
                members.push_back(&m);
            }
        }
        std::stable_sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
            const auto x = text(a->name);
            const auto y = text(b->name);
            return x.size() != y.size() ? x.size() < y.size() : x < y;
        });
        w.StartObject();
        for (const auto* m : members) {
            write_string(w, text(m->name));
            write_jsonb(w, m->value);
        }
        w.EndObject();
    } else if (v.IsArray()) {
        w.StartArray();
        for (const auto& e : v.GetArray()) {
            write_jsonb(w, e);
        }
        w.EndArray();
    } else {
        v.Accept(w);
    }
}

const value* member(const value& obj, std::string_view key) {
    if (!obj.IsObject()) {
        return nullptr;
    }
    const value* found = nullptr;
    for (const auto& m : obj.GetObject()) {
        if (text(m.name) == key) {
            found = &m.value;
        }
    }
    return found;
}

std::string tarball_url(std::string_view prefix, const store::npm_version& v) {
    std::string url(prefix);
    url += v.pkg.name;
    url += "/-/";
    url += v.file.file_name;
    return url;
}

void write_dist(writer& w, std::string_view prefix, const store::npm_version& v,
                const value* stored_dist, bool full) {
    w.StartObject();
    if (full && stored_dist != nullptr) {
        // The client's sha512 integrity: checked against the tarball's bytes at publish.
        if (const value* integrity = member(*stored_dist, "integrity");
            integrity && integrity->IsString()) {
            w.Key("integrity");
            write_string(w, text(*integrity));
        }
    }
    w.Key("shasum");
    write_string(w, v.file.sha1);
    w.Key("tarball");
    write_string(w, tarball_url(prefix, v));
    w.EndObject();
}

/// GitLab's PACKAGE_JSON_ALLOWED_FIELDS, in the order Hash#slice gives them.
constexpr std::array<std::string_view, 7> abbreviated_fields = {
    "deprecated", "bin", "directories", "dist", "engines", "_hasShrinkwrap", "hasInstallScript"};
/// Packages::DependencyLink.dependency_types, in enum order.
constexpr std::array<std::string_view, 4> dependency_types = {
    "dependencies", "devDependencies", "bundleDependencies", "peerDependencies"};

void write_abbreviated_version(writer& w, std::string_view prefix, const store::npm_version& v,
                               const value& pj) {
    w.StartObject();
    bool dist_written = false;
    for (auto field : abbreviated_fields) {
        const value* f = member(pj, field);
        if (f == nullptr) {
            continue;
        }
        write_string(w, field);
        if (field == "dist") {
            write_dist(w, prefix, v, f, false);
            dist_written = true;
        } else {
            write_jsonb(w, *f);
        }
    }
    w.Key("name");
    write_string(w, v.pkg.name);
    w.Key("version");
    write_string(w, v.pkg.version.value_or(""));
    if (!dist_written) {
        w.Key("dist");
        write_dist(w, prefix, v, nullptr, false);
    }
    // Dependencies as GitLab links them: objects of name => version pattern only (an array of
    // bundled names is not stored), none when empty.
    for (auto type : dependency_types) {
        const value* deps = member(pj, type);
        if (deps == nullptr || !deps->IsObject()) {
            continue;
        }
        std::vector<const value::Member*> items;
        for (const auto& m : deps->GetObject()) {
            if (!m.value.IsString()) {
                continue;
            }
            auto same = std::find_if(items.begin(), items.end(), [&m](const value::Member* x) {
                return text(x->name) == text(m.name);
            });
            if (same != items.end()) {
                *same = &m;
            } else {
                items.push_back(&m);
            }
        }
        if (items.empty()) {
            continue;
        }
        write_string(w, type);
        w.StartObject();
        for (const auto* m : items) {
            write_string(w, text(m->name));
            write_string(w, text(m->value));
        }
        w.EndObject();
    }
    w.EndObject();
}

void write_full_version(writer& w, std::string_view prefix, const store::npm_version& v,
                        const value& pj) {
    w.StartObject();
    bool dist_written = false;
    if (pj.IsObject()) {
        for (const auto& m : pj.GetObject()) {
            write_string(w, text(m.name));
            if (text(m.name) == "dist") {
                write_dist(w, prefix, v, &m.value, true);
                dist_written = true;
            } else {
                m.value.Accept(w);
            }
        }
    }
    if (!dist_written) {
        w.Key("dist");
        write_dist(w, prefix, v, nullptr, true);
    }
    w.EndObject();
}

/// Versions in GitLab's order: packages by id.
std::vector<const store::npm_version*> by_package_id(const std::vector<store::npm_version>& vs) {
    std::vector<const store::npm_version*> out;
    out.reserve(vs.size());
    for (const auto& v : vs) {
        out.push_back(&v);
    }
    std::sort(out.begin(), out.end(),
              [](const auto* a, const auto* b) { return a->pkg.id < b->pkg.id; });
    return out;
}

void write_dist_tags(writer& w, const std::vector<const store::npm_version*>& ordered) {
    std::vector<std::pair<std::string, std::string>> tags;
    std::string_view latest;
    for (const auto* v : ordered) {
        auto own = v->tags;
        std::sort(own.begin(), own.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        for (const auto& g : own) {
            auto same = std::find_if(tags.begin(), tags.end(),
                                     [&g](const auto& t) { return t.first == g.name; });
            if (same == tags.end()) {
                tags.emplace_back(g.name, v->pkg.version.value_or(""));
            } else {
                same->second = v->pkg.version.value_or("");
            }
        }
        const std::string_view version = v->pkg.version ? std::string_view(*v->pkg.version) : "";
        if (latest.empty() || version_sorter_compare(version, latest) > 0) {
            latest = version;
        }
    }
    const bool has_latest =
        std::any_of(tags.begin(), tags.end(), [](const auto& t) { return t.first == "latest"; });
    w.StartObject();
    for (const auto& [name, version] : tags) {
        write_string(w, name);
        write_string(w, version);
    }
    if (!has_latest && !latest.empty()) {
        w.Key("latest");
        write_string(w, latest);
    }
    w.EndObject();
}

std::string time_text(std::int64_t ms) {
    char buf[24];
    format_iso8601(buf, ms);
    return std::string(buf, 24);
}

} // namespace

std::string render_packument(std::string_view name, const std::vector<store::npm_version>& versions,
                             std::string_view tarball_prefix, packument_form form) {
    const auto ordered = by_package_id(versions);
    rapidjson::StringBuffer sb;
    writer w(sb);
    w.StartObject();
    const bool full = form == packument_form::full;
    if (full) {
        w.Key("_id");
        write_string(w, name);
    }
    w.Key("name");
    write_string(w, name);
    w.Key("versions");
    if (ordered.empty()) {
        w.Null(); // GitLab's compact_blank drops the empty hash; the entity then shows null
    } else {
        w.StartObject();
        for (const auto* v : ordered) {
            rapidjson::Document pj;
            pj.Parse(v->metadata.data(), v->metadata.size());
            if (pj.HasParseError()) {
                pj.SetObject();
            }
            write_string(w, v->pkg.version.value_or(""));
            if (full) {
                write_full_version(w, tarball_prefix, *v, pj);
            } else {
                write_abbreviated_version(w, tarball_prefix, *v, pj);
            }
        }
        w.EndObject();
    }
    w.Key("dist-tags");
    write_dist_tags(w, ordered);
    if (full && !ordered.empty()) {
        std::int64_t created = ordered.front()->pkg.created_at;
        std::int64_t modified = 0;
        for (const auto* v : ordered) {
            created = std::min(created, v->pkg.created_at);
            modified = std::max(modified, v->pkg.updated_at);
        }
        w.Key("time");
        w.StartObject();
        w.Key("created");
        write_string(w, time_text(created));
        w.Key("modified");
        write_string(w, time_text(modified));
        for (const auto* v : ordered) {
            write_string(w, v->pkg.version.value_or(""));
            write_string(w, time_text(v->pkg.created_at));
        }
        w.EndObject();
    }
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

std::string render_dist_tags(const std::vector<store::npm_version>& versions) {
    rapidjson::StringBuffer sb;
    writer w(sb);
    write_dist_tags(w, by_package_id(versions));
    return std::string(sb.GetString(), sb.GetSize());
}

packument_form form_for(std::string_view accept) noexcept {
    return accept.find("application/vnd.npm.install-v1+json") != std::string_view::npos
               ? packument_form::abbreviated
               : packument_form::full;
}

} // namespace packyard::routing::npm
