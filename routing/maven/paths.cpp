#include "routing/maven/paths.hpp"

#include "routing/handlers/common.hpp"
#include "store/maven.hpp"

#include <algorithm>

namespace packyard::routing::maven {
namespace {

/// Ruby's \w (ASCII: Regexp without the u flag matches ASCII word characters only).
bool word(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/// maven_file_name_regex: \A[A-Za-z0-9\.\_\-\+]+\z
bool valid_file_name(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return word(c) || c == '.' || c == '-' || c == '+';
    });
}

/// maven_path_regex: \A\@?(([\w\-\.]*)/)*([\w\-\.\+]*)\z
bool valid_path(std::string_view s) noexcept {
    if (s.starts_with('@')) {
        s.remove_prefix(1);
    }
    const auto last = s.rfind('/');
    const std::string_view dirs =
        last == std::string_view::npos ? std::string_view{} : s.substr(0, last);
    const std::string_view tail = last == std::string_view::npos ? s : s.substr(last + 1);
    const bool dirs_ok = std::all_of(dirs.begin(), dirs.end(), [](char c) {
        return word(c) || c == '-' || c == '.' || c == '/';
    });
    const bool tail_ok = std::all_of(tail.begin(), tail.end(), [](char c) {
        return word(c) || c == '-' || c == '.' || c == '+';
    });
    return dirs_ok && tail_ok;
}

/// maven_app_group_regex and maven_app_name_regex: \A[\w\-\.]+\z
bool valid_app_part(std::string_view s) noexcept {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return word(c) || c == '-' || c == '.'; });
}

/// maven_version_regex: \A(?!.*\.\.)[\w+.-]+\z
bool valid_version(std::string_view s) noexcept {
    return !s.empty() && s.find("..") == std::string_view::npos &&
           std::all_of(s.begin(), s.end(),
                       [](char c) { return word(c) || c == '+' || c == '.' || c == '-'; });
}

void add(std::string& out, std::string_view message) {
    if (!out.empty()) {
        out += ", ";
    }
    out += message;
}

/// GitLab's MAVEN_SNAPSHOT_DYNAMIC_PARTS check on a path: it is a SNAPSHOT version's folder.
bool snapshot_path(std::string_view path) noexcept {
    return path.ends_with("-SNAPSHOT");
}

/// varchar(255): packages_packages.name and version, as generic uploads bound them.
constexpr std::size_t max_column = 255;

} // namespace

std::optional<target> split_target(std::string_view rest) {
    target t;
    std::size_t segments = 0;
    for (;;) {
        const auto slash = rest.find('/');
        auto seg = handlers::pct_decode(rest.substr(0, slash));
        if (!seg) {
            return std::nullopt;
        }
        if (slash == std::string_view::npos) {
            t.file_name = std::move(*seg);
            break;
        }
        if (segments++ > 0) {
            t.path += '/';
        }
        t.path += *seg;
        rest.remove_prefix(slash + 1);
    }
    if (segments == 0 || t.file_name.empty()) {
        return std::nullopt;
    }
    return t;
}

std::string parameter_errors(const target& t, bool upload) {
    std::string out;
    if (!handlers::valid_file_path(t.path)) {
        add(out, "path should be a valid file path");
    }
    if (upload && !valid_file_name(t.file_name)) {
        // The upload declares only maven_file_name_regex on the file name.
        add(out, "file_name is invalid");
    } else if (!handlers::valid_file_path(t.file_name)) {
        add(out, "file_name should be a valid file path");
    }
    return out;
}

wanted extract_format(std::string_view file_name) {
    const auto dot = file_name.rfind('.');
    if (dot != std::string_view::npos) {
        const auto ext = file_name.substr(dot + 1);
        if (ext == "md5") {
            return {file_name.substr(0, dot), format::md5};
        }
        if (ext == "sha1") {
            return {file_name.substr(0, dot), format::sha1};
        }
    }
    return {file_name, format::file};
}

new_package package_for(std::string_view path, std::string_view file_name) {
    new_package p;
    if (file_name == "maven-metadata.xml" && !snapshot_path(path)) {
        p.name = path;
        p.versionless = true;
        return p;
    }
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) {
        p.version = path; // Ruby's rpartition: no separator leaves the name empty
        return p;
    }
    p.name = path.substr(0, slash);
    p.version = path.substr(slash + 1);
    return p;
}

std::string validation_errors(std::string_view path, const new_package& p) {
    std::string out;
    if (p.name.empty()) {
        add(out, "Name can't be blank");
    } else if (p.name.size() > max_column) {
        add(out, "Name is too long (maximum is 255 characters)");
    }
    if (!p.versionless) {
        if (!valid_version(p.version)) {
            add(out, "Version is invalid");
        } else if (p.version.size() > max_column) {
            add(out, "Version is too long (maximum is 255 characters)");
        }
    }
    if (!valid_path(path)) {
        add(out, "Maven metadatum path is invalid");
    } else if (path.size() > store::maven_path_max) {
        add(out, "Maven metadatum path is too long (maximum is 500 characters)");
    }
    const auto c = coordinates_of(p.name);
    if (!valid_app_part(c.group_id)) {
        add(out, "Maven metadatum app group is invalid");
    }
    if (!valid_app_part(c.artifact_id)) {
        add(out, "Maven metadatum app name is invalid");
    }
    return out;
}

coordinates coordinates_of(std::string_view name) {
    coordinates c;
    const auto slash = name.rfind('/');
    if (slash == std::string_view::npos) {
        c.artifact_id = name;
        return c;
    }
    c.group_id = name.substr(0, slash);
    std::replace(c.group_id.begin(), c.group_id.end(), '/', '.');
    c.artifact_id = name.substr(slash + 1);
    return c;
}

} // namespace packyard::routing::maven
