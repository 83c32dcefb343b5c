#include "store/package_keys.hpp"

#include "store/codec.hpp"

#include <cstring>

namespace packyard::store::keys {
namespace {

constexpr std::uint8_t has_version_flag = 1;
// Summary layout: status u8 · type u8 · flags u8 · project id u64 LE, then the rest.
constexpr std::size_t summary_head = 11;
// Order keys: scope u8 · scope id u64 · order u8 (order_head), then the sort key, then the
// package id u64.
constexpr std::size_t id_size = 8;

std::string encode_summary(const package& p) {
    std::string v;
    v.reserve(summary_head + p.name.size());
    v.push_back(static_cast<char>(p.status));
    v.push_back(static_cast<char>(p.type));
    v.push_back(static_cast<char>(p.version ? has_version_flag : 0));
    char id[8];
    std::memcpy(id, &p.project_id, 8);
    v.append(id, 8);
    v.append(p.name);
    return v;
}

// Versions sort ascending with NULL last (PostgreSQL's default), so a descending walk gives
// NULL first, as GitLab's ORDER BY version DESC does.
// head: the bytes before the sort key (the plain index's or a class run's prefix).
std::string order_key(const std::string& head, list_order o, const package& p,
                      const package_place& pl) {
    key_builder k;
    k.bytes(head);
    switch (o) {
    case list_order::created_at:
        k.i64(p.created_at);
        break;
    case list_order::name:
        k.str0(p.name);
        break;
    case list_order::version:
        if (p.version) {
            k.u8(0).str0(*p.version);
        } else {
            k.u8(1);
        }
        break;
    case list_order::type:
        k.u8(static_cast<std::uint8_t>(p.type));
        break;
    case list_order::project_path:
        // GitLab breaks project_path ties by id DESC in both directions: store ~id so that an
        // ascending walk inside one path yields descending ids.
        k.str0(pl.project_path).u64(~p.id);
        return k.str();
    }
    k.u64(p.id);
    return k.str();
}

} // namespace

summary read_summary(std::string_view value, bool project_name_order) {
    if (value.size() < summary_head + (project_name_order ? 8 : 0)) {
        fail(make_error_code(errc::corrupted), "package index value too short");
    }
    summary s;
    s.status = static_cast<package_status>(value[0]);
    s.type = static_cast<package_type>(value[1]);
    s.has_version = (static_cast<std::uint8_t>(value[2]) & has_version_flag) != 0;
    std::memcpy(&s.project_id, value.data() + 3, 8);
    if (project_name_order) {
        std::memcpy(&s.created_at, value.data() + summary_head, 8);
        s.version = value.substr(summary_head + 8);
    } else {
        s.name = value.substr(summary_head);
    }
    return s;
}

std::string order_prefix(list_scope s, std::uint64_t scope_id, list_order o) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s)).u64(scope_id).u8(static_cast<std::uint8_t>(o));
    return k.str();
}

std::uint64_t package_id_of(std::string_view key, list_order o) noexcept {
    const std::uint64_t v = key_u64(key, key.size() - id_size);
    return o == list_order::project_path ? ~v : v;
}

std::string_view name_of(std::string_view key, std::size_t head) noexcept {
    // name\0 between the head and the id
    return key.substr(head, key.size() - head - id_size - 1);
}

std::string_view version_of(std::string_view key, std::size_t head) noexcept {
    // 0x00 · version\0 for a version; 0x01 alone for none
    if (key.size() < head + 1 + id_size || key[head] != 0) {
        return {};
    }
    return key.substr(head + 1, key.size() - head - 1 - id_size - 1);
}

std::string class_prefix(list_scope s, std::uint64_t scope_id, list_order o,
                         const package_class& c) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s))
        .u64(scope_id)
        .u8(class_facet | static_cast<std::uint8_t>(o))
        .u8(c.vis)
        .u8(static_cast<std::uint8_t>(c.type))
        .u8(static_cast<std::uint8_t>(c.status))
        .u8(c.has_version ? 1 : 0);
    return k.str();
}

std::string version_prefix(list_scope s, std::uint64_t scope_id, std::string_view version) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s)).u64(scope_id).u8(version_facet).str0(version);
    return k.str();
}

std::int64_t created_in_version_key(std::string_view key, std::size_t prefix_size) noexcept {
    return key_i64(key, prefix_size);
}

bool is_facet(std::string_view key) noexcept {
    return key.size() > order_head && static_cast<std::uint8_t>(key[order_head - 1]) >= class_facet;
}

bool is_project_name_order(std::string_view key) noexcept {
    return key.size() > order_head && key[0] == static_cast<char>(list_scope::project) &&
           key[order_head - 1] == static_cast<char>(list_order::name);
}

std::vector<index_entry> entries_for(const package& p, const package_place& pl) {
    std::vector<index_entry> out;
    const std::string value = encode_summary(p);
    // The name order keeps the name in its key; its value skips it to save space.
    const std::string value_no_name = value.substr(0, summary_head);
    // In the project's name order the value carries every other order's sort key instead, so a
    // package_name search can order its matches without reading package rows.
    std::string name_value = value_no_name;
    char at[8];
    std::memcpy(at, &p.created_at, 8);
    name_value.append(at, 8);
    name_value.append(p.version.value_or(std::string()));
    const auto project_class = class_of(p, list_scope::project, pl.vis);
    for (auto o :
         {list_order::created_at, list_order::name, list_order::version, list_order::type}) {
        out.push_back({order_key(order_prefix(list_scope::project, pl.project_id, o), o, p, pl),
                       o == list_order::name ? name_value : value});
        out.push_back({order_key(class_prefix(list_scope::project, pl.project_id, o, project_class),
                                 o, p, pl),
                       o == list_order::name ? value_no_name : value});
    }
    const auto group_class = class_of(p, list_scope::group, pl.vis);
    for (auto g : pl.groups) {
        for (auto o : {list_order::created_at, list_order::name, list_order::version,
                       list_order::type, list_order::project_path}) {
            out.push_back({order_key(order_prefix(list_scope::group, g, o), o, p, pl),
                           o == list_order::name ? value_no_name : value});
            out.push_back({order_key(class_prefix(list_scope::group, g, o, group_class), o, p, pl),
                           o == list_order::name ? value_no_name : value});
        }
    }
    if (p.version) {
        auto facet = [&](list_scope s, std::uint64_t id) {
            key_builder k;
            k.bytes(version_prefix(s, id, *p.version)).i64(p.created_at).u64(p.id);
            out.push_back({k.str(), value});
        };
        facet(list_scope::project, pl.project_id);
        for (auto g : pl.groups) {
            facet(list_scope::group, g);
        }
    }
    return out;
}

std::string versions_key(const package& p) {
    key_builder k;
    k.u64(p.project_id)
        .u8(static_cast<std::uint8_t>(p.type))
        .str0(p.name)
        .str0(*p.version)
        .u64(p.id);
    return k.str();
}

std::string versions_prefix(std::uint64_t project_id, package_type type, std::string_view name) {
    key_builder k;
    k.u64(project_id).u8(static_cast<std::uint8_t>(type)).str0(name);
    return k.str();
}

std::string_view version_in(std::string_view key, std::size_t prefix_size) noexcept {
    return key.substr(prefix_size, key.size() - prefix_size - id_size - 1);
}

std::uint64_t package_id_in_versions_key(std::string_view key) noexcept {
    return key_u64(key, key.size() - id_size);
}

std::string count_key(list_scope s, std::uint64_t scope_id, std::uint8_t vis) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s)).u64(scope_id).u8(vis);
    return k.str();
}

std::string generation_key(list_scope s, std::uint64_t scope_id) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s)).u64(scope_id);
    return k.str();
}

std::string class_count_key(list_scope s, std::uint64_t scope_id, const package_class& c) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(s))
        .u64(scope_id)
        .u8(c.vis)
        .u8(static_cast<std::uint8_t>(c.type))
        .u8(static_cast<std::uint8_t>(c.status))
        .u8(c.has_version ? 1 : 0);
    return k.str();
}

package_class class_of(const package& p, list_scope s, visibility vis) noexcept {
    package_class c;
    c.vis = s == list_scope::group ? static_cast<std::uint8_t>(vis) : 0;
    c.type = p.type;
    c.status = p.status;
    c.has_version = p.version.has_value();
    return c;
}

package_class read_class_key(std::string_view key) noexcept {
    package_class c;
    c.vis = static_cast<std::uint8_t>(key[9]);
    c.type = static_cast<package_type>(key[10]);
    c.status = static_cast<package_status>(key[11]);
    c.has_version = key[12] != 0;
    return c;
}

bool counted(const package& p) noexcept {
    return displayable(p.status) && p.type != package_type::terraform_module && p.version;
}

std::string cleanup_key(cleanup_kind kind, std::uint64_t id) {
    key_builder k;
    k.u8(static_cast<std::uint8_t>(kind)).u64(id);
    return k.str();
}

cleanup_entry read_cleanup_key(std::string_view key) {
    if (key.size() != 9) {
        fail(make_error_code(errc::corrupted), "cleanup key of the wrong size");
    }
    return {static_cast<cleanup_kind>(key[0]), key_u64(key, 1)};
}

std::string blob_key(std::string_view sha256_hex) {
    return std::string(sha256_hex);
}

} // namespace packyard::store::keys
