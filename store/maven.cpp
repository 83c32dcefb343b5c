#include "store/maven.hpp"

#include "store/codec.hpp"
#include "store/package_keys.hpp"
#include "store/packages.hpp"
#include "store/records.hpp"

namespace packyard::store {
namespace {

// ---- maven_paths: path\0 · package id -> —

std::string paths_prefix(std::string_view path) {
    key_builder k;
    k.str0(path);
    return k.str();
}

std::string paths_key(const package& p) {
    key_builder k;
    k.str0(maven_path(p)).u64(p.id);
    return k.str();
}

} // namespace

std::string maven_path(const package& p) {
    if (!p.version) {
        return p.name;
    }
    std::string path = p.name;
    path += '/';
    path += *p.version;
    return path;
}

std::vector<package> maven_packages_at(const txn& t, std::string_view path) {
    std::vector<package> out;
    if (path.size() > maven_path_max) {
        return out;
    }
    const std::string prefix = paths_prefix(path);
    cursor c(t, t.db().maven_paths);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (c.key().size() != prefix.size() + 8) {
            continue;
        }
        if (auto p = find_package(t, key_u64(c.key(), prefix.size()))) {
            out.push_back(std::move(*p));
        }
    }
    return out;
}

bool maven_path_exists(const txn& t, std::string_view path) {
    if (path.size() > maven_path_max) {
        return false;
    }
    const std::string prefix = paths_prefix(path);
    cursor c(t, t.db().maven_paths);
    return c.seek(prefix) && has_prefix(c.key(), prefix) && c.key().size() == prefix.size() + 8;
}

std::vector<package> maven_versions(const txn& t, std::uint64_t project_id, std::string_view name) {
    std::vector<package> out;
    const std::string prefix = keys::versions_prefix(project_id, package_type::maven, name);
    cursor c(t, t.db().package_versions);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (c.value().size() != 1 || !installable(static_cast<package_status>(c.value()[0]))) {
            continue;
        }
        if (auto p = find_package(t, keys::package_id_in_versions_key(c.key()))) {
            out.push_back(std::move(*p));
        }
    }
    std::sort(out.begin(), out.end(),
              [](const package& a, const package& b) { return a.id < b.id; });
    return out;
}

std::error_code index_maven_package(write_txn& t, const package& p) {
    return put(t, t.db().maven_paths, paths_key(p), {});
}

std::error_code drop_maven_package(write_txn& t, const package& p) {
    if (auto r = del(t, t.db().maven_paths, paths_key(p)); !r) {
        return r.error();
    }
    return {};
}

void expected_maven_paths(const txn& t, const entry_sink& sink) {
    cursor c(t, t.db().packages);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package p;
        if (decode(c.value(), p) && p.type == package_type::maven &&
            maven_path(p).size() <= maven_path_max) {
            sink(paths_key(p), {});
        }
    }
}

} // namespace packyard::store
