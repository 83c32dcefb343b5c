#include "store/npm.hpp"

#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/package_counts.hpp"
#include "store/package_keys.hpp"
#include "store/packages.hpp"
#include "store/records.hpp"

#include <map>

namespace packyard::store {
namespace {

// ---- npm_names: name\0 · project id -> generation · last installable package id

std::string name_key(std::string_view name, std::uint64_t project_id) {
    key_builder k;
    k.str0(name).u64(project_id);
    return k.str();
}

std::string name_prefix(std::string_view name) {
    key_builder k;
    k.str0(name);
    return k.str();
}

npm_name_state read_state(std::string_view key, std::string_view value) {
    npm_name_state s;
    s.project_id = key_u64(key, key.size() - 8);
    value_reader r(value);
    if (r.u8() != 1) {
        fail(make_error_code(errc::corrupted), "npm_names value has an unknown format");
    }
    s.generation = r.u64();
    s.last_installable = r.u64();
    if (!r.ok()) {
        fail(make_error_code(errc::corrupted), "npm_names value is truncated");
    }
    return s;
}

// ---- package_tags: project id · type · name\0 · tag\0 -> package id
// ---- tags_by_package: package id · tag\0 -> tag row

std::string tag_key(std::uint64_t project_id, package_type type, std::string_view name,
                    std::string_view tag) {
    key_builder k;
    k.u64(project_id).u8(static_cast<std::uint8_t>(type)).str0(name).str0(tag);
    return k.str();
}

std::string package_tag_key(std::uint64_t package_id, std::string_view tag) {
    key_builder k;
    k.u64(package_id).str0(tag);
    return k.str();
}

std::string encode_tag(const package_tag& g) {
    value_writer w;
    w.u8(1).u64(g.id).u64(g.package_id).u64(g.project_id).str(g.name);
    w.i64(g.created_at).i64(g.updated_at);
    return std::string(w.view());
}

package_tag decode_tag(std::string_view value) {
    value_reader r(value);
    package_tag g;
    if (r.u8() != 1) {
        fail(make_error_code(errc::corrupted), "tag value has an unknown format");
    }
    g.id = r.u64();
    g.package_id = r.u64();
    g.project_id = r.u64();
    g.name = r.str();
    g.created_at = r.i64();
    g.updated_at = r.i64();
    if (!r.ok()) {
        fail(make_error_code(errc::corrupted), "tag value is truncated");
    }
    return g;
}

std::optional<package_file> newest_installable_file(const txn& t, std::uint64_t package_id) {
    auto files = files_of(t, package_id);
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
        if (it->status == file_status::default_) {
            return *it;
        }
    }
    return std::nullopt;
}

bool installable_entry(std::string_view value) {
    return value.size() == 1 && installable(static_cast<package_status>(value[0]));
}

} // namespace

std::optional<npm_name_state> npm_name(const txn& t, std::uint64_t project_id,
                                       std::string_view name) {
    const auto key = name_key(name, project_id);
    auto v = get(t, t.db().npm_names, key);
    if (!v) {
        return std::nullopt;
    }
    return read_state(key, *v);
}

std::vector<npm_name_state> npm_projects_with(const txn& t, std::string_view name) {
    std::vector<npm_name_state> out;
    const auto prefix = name_prefix(name);
    cursor c(t, t.db().npm_names);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (c.key().size() == prefix.size() + 8) {
            out.push_back(read_state(c.key(), c.value()));
        }
    }
    return out;
}

std::optional<std::string> npm_metadata_of(const txn& t, std::uint64_t package_id) {
    auto v = get(t, t.db().npm_metadata, u64_key(package_id));
    if (!v) {
        return std::nullopt;
    }
    return std::string(*v);
}

std::vector<package_tag> tags_of(const txn& t, std::uint64_t package_id) {
    std::vector<package_tag> out;
    const auto prefix = u64_key(package_id);
    cursor c(t, t.db().tags_by_package);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        out.push_back(decode_tag(c.value()));
    }
    return out;
}

std::optional<std::uint64_t> tagged_package(const txn& t, std::uint64_t project_id,
                                            package_type type, std::string_view name,
                                            std::string_view tag) {
    auto v = get(t, t.db().package_tags, tag_key(project_id, type, name, tag));
    if (!v || v->size() != 8) {
        return std::nullopt;
    }
    return key_u64(*v, 0);
}

std::vector<npm_version> npm_versions_of(const txn& t, std::uint64_t project_id,
                                         std::string_view name) {
    std::vector<npm_version> out;
    const std::string prefix = keys::versions_prefix(project_id, package_type::npm, name);
    cursor c(t, t.db().package_versions);
    std::string_view current;
    std::uint64_t best = 0;
    auto flush = [&] {
        if (best == 0) {
            return;
        }
        auto p = find_package(t, best);
        best = 0;
        if (!p) {
            return;
        }
        auto f = newest_installable_file(t, p->id);
        if (!f) {
            return;
        }
        npm_version v;
        v.metadata = npm_metadata_of(t, p->id).value_or("{}");
        v.tags = tags_of(t, p->id);
        v.pkg = std::move(*p);
        v.file = std::move(*f);
        out.push_back(std::move(v));
    };
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        const auto version = keys::version_in(c.key(), prefix.size());
        if (version != current) {
            flush();
            current = version;
        }
        if (installable_entry(c.value())) {
            best = keys::package_id_in_versions_key(c.key()); // ids ascend within a version
        }
    }
    flush();
    return out;
}

std::vector<package> npm_packages_of_version(const txn& t, std::uint64_t project_id,
                                             std::string_view name, std::string_view version) {
    std::vector<package> out;
    key_builder k;
    k.u64(project_id).u8(static_cast<std::uint8_t>(package_type::npm)).str0(name).str0(version);
    const std::string prefix = k.str();
    cursor c(t, t.db().package_versions);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (installable_entry(c.value())) {
            if (auto p = find_package(t, keys::package_id_in_versions_key(c.key()))) {
                out.push_back(std::move(*p));
            }
        }
    }
    return out;
}

std::optional<npm_tarball> find_npm_tarball(const txn& t, std::uint64_t project_id,
                                            std::string_view name, std::string_view file_name) {
    // The newest installable package under a versions prefix holding an installable file of
    // that name.
    auto newest_under = [&](const std::string& prefix) -> std::optional<npm_tarball> {
        std::optional<npm_tarball> best;
        cursor c(t, t.db().package_versions);
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            const auto id = keys::package_id_in_versions_key(c.key());
            if ((best && id < best->pkg.id) || !installable_entry(c.value())) {
                continue;
            }
            auto files = files_of(t, id);
            for (auto it = files.rbegin(); it != files.rend(); ++it) {
                if (it->status == file_status::default_ && it->file_name == file_name) {
                    if (auto p = find_package(t, id)) {
                        best = npm_tarball{std::move(*p), std::move(*it)};
                    }
                    break;
                }
            }
        }
        return best;
    };
    // A tarball is named "<name>-<version>.tgz": look in that version first, so a download
    // costs the same with 1,000 versions as with one; any other file name searches them all.
    const std::string all = keys::versions_prefix(project_id, package_type::npm, name);
    const std::string lead = std::string(name) + "-";
    if (file_name.starts_with(lead) && file_name.ends_with(".tgz") &&
        file_name.size() > lead.size() + 4) {
        const auto version = file_name.substr(lead.size(), file_name.size() - lead.size() - 4);
        key_builder k;
        k.u64(project_id).u8(static_cast<std::uint8_t>(package_type::npm)).str0(name).str0(version);
        if (auto hit = newest_under(k.str())) {
            return hit;
        }
    }
    return newest_under(all);
}

std::error_code put_npm_metadata(write_txn& t, std::uint64_t package_id, std::string_view json) {
    return put(t, t.db().npm_metadata, u64_key(package_id), json);
}

std::error_code set_tag(write_txn& t, const package& pkg, std::string_view tag, std::int64_t now) {
    const auto key = tag_key(pkg.project_id, pkg.type, pkg.name, tag);
    package_tag g;
    if (auto v = get(t, t.db().package_tags, key); v && v->size() == 8) {
        const std::uint64_t old_package = key_u64(*v, 0);
        const auto old_key = package_tag_key(old_package, tag);
        if (auto row = get(t, t.db().tags_by_package, old_key)) {
            g = decode_tag(*row);
        }
        if (auto r = del(t, t.db().tags_by_package, old_key); !r) {
            return r.error();
        }
    }
    if (g.id == 0) {
        auto id = next_id(t, "package_tag");
        if (!id) {
            return id.error();
        }
        g.id = *id;
        g.name = std::string(tag);
        g.project_id = pkg.project_id;
        g.created_at = now;
    }
    g.package_id = pkg.id;
    g.updated_at = now;
    if (auto ec = put(t, t.db().package_tags, key, u64_key(pkg.id))) {
        return ec;
    }
    if (auto ec = put(t, t.db().tags_by_package, package_tag_key(pkg.id, tag), encode_tag(g))) {
        return ec;
    }
    if (auto ec = touch_project_lists(t, pkg.project_id)) { // list rows show their tags
        return ec;
    }
    // The tag's previous package has the same project and name (the tag key holds them): one
    // packument changed, and which package is installable did not.
    return npm_name_touched(t, pkg.project_id, pkg.name);
}

std::error_code delete_tag(write_txn& t, std::uint64_t project_id, package_type type,
                           std::string_view name, std::string_view tag) {
    const auto key = tag_key(project_id, type, name, tag);
    auto v = get(t, t.db().package_tags, key);
    if (!v || v->size() != 8) {
        return make_error_code(errc::not_found);
    }
    const std::uint64_t package_id = key_u64(*v, 0);
    if (auto r = del(t, t.db().tags_by_package, package_tag_key(package_id, tag)); !r) {
        return r.error();
    }
    if (auto r = del(t, t.db().package_tags, key); !r) {
        return r.error();
    }
    if (auto ec = touch_project_lists(t, project_id)) {
        return ec;
    }
    return npm_name_changed(t, project_id, name);
}

std::error_code npm_name_touched(write_txn& t, std::uint64_t project_id, std::string_view name,
                                 std::uint64_t installable_added) {
    const auto key = name_key(name, project_id);
    auto v = get(t, t.db().npm_names, key);
    if (!v) {
        return npm_name_changed(t, project_id, name);
    }
    const auto state = read_state(key, *v);
    auto generation = next_id(t, "npm_generation");
    if (!generation) {
        return generation.error();
    }
    value_writer w;
    w.u8(1).u64(*generation).u64(std::max(state.last_installable, installable_added));
    return put(t, t.db().npm_names, key, w.view());
}

std::error_code npm_name_changed(write_txn& t, std::uint64_t project_id, std::string_view name) {
    const std::string prefix = keys::versions_prefix(project_id, package_type::npm, name);
    bool any = false;
    std::uint64_t last = 0;
    {
        cursor c(t, t.db().package_versions);
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            any = true;
            if (installable_entry(c.value())) {
                last = std::max(last, keys::package_id_in_versions_key(c.key()));
            }
        }
    }
    const auto key = name_key(name, project_id);
    if (!any) {
        auto r = del(t, t.db().npm_names, key);
        return r ? std::error_code{} : r.error();
    }
    auto generation = next_id(t, "npm_generation");
    if (!generation) {
        return generation.error();
    }
    value_writer w;
    w.u8(1).u64(*generation).u64(last);
    return put(t, t.db().npm_names, key, w.view());
}

std::error_code drop_npm_package(write_txn& t, const package& p) {
    if (auto r = del(t, t.db().npm_metadata, u64_key(p.id)); !r) {
        return r.error();
    }
    for (const auto& g : tags_of(t, p.id)) {
        const auto key = tag_key(p.project_id, p.type, p.name, g.name);
        if (auto v = get(t, t.db().package_tags, key);
            v && v->size() == 8 && key_u64(*v, 0) == p.id) {
            if (auto r = del(t, t.db().package_tags, key); !r) {
                return r.error();
            }
        }
        if (auto r = del(t, t.db().tags_by_package, package_tag_key(p.id, g.name)); !r) {
            return r.error();
        }
    }
    return {};
}

void expected_npm_names(const txn& t, const entry_sink& sink) {
    std::map<std::string, std::uint64_t> last; // name_key -> highest installable package id
    cursor c(t, t.db().packages);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package p;
        if (!decode(c.value(), p) || p.type != package_type::npm || !p.version) {
            continue; // npm_name_changed reads package_versions, which holds versioned rows
        }
        auto& best = last[name_key(p.name, p.project_id)];
        if (installable(p.status)) {
            best = std::max(best, p.id);
        }
    }
    for (const auto& [key, id] : last) {
        value_writer w;
        w.u8(1).u64(0).u64(id);
        sink(key, w.view());
    }
}

std::string_view npm_names_derived_part(std::string_view value) noexcept {
    // format u8 · generation u64 · last installable u64
    return value.size() == 17 ? value.substr(9) : value;
}

std::error_code rebuild_npm_names(write_txn& t) {
    std::vector<std::pair<std::string, std::uint64_t>> names; // (name, project)
    expected_npm_names(t, [&](std::string_view key, std::string_view) {
        names.emplace_back(std::string(key.substr(0, key.size() - 9)),
                           key_u64(key, key.size() - 8));
    });
    if (const int rc = mdb_drop(t.handle(), t.db().npm_names, 0); rc != 0) {
        return lmdb_error(rc);
    }
    for (const auto& [name, project_id] : names) {
        if (auto ec = npm_name_changed(t, project_id, name)) {
            return ec;
        }
    }
    return {};
}

void expected_package_tags(const txn& t, const entry_sink& sink) {
    cursor c(t, t.db().tags_by_package);
    for (bool ok = c.first(); ok; ok = c.next()) {
        const auto key = c.key();
        if (key.size() < 9) {
            continue; // not a tag row's key: the check reports it with tags_by_package
        }
        // A row that does not decode implies nothing (the check reports it with the packages).
        const auto row = get(t, t.db().packages, key.substr(0, 8));
        package p;
        if (!row || !decode(*row, p)) {
            continue;
        }
        sink(tag_key(p.project_id, p.type, p.name, key.substr(8, key.size() - 9)), u64_key(p.id));
    }
}

} // namespace packyard::store
