#include "store/records.hpp"

#include "store/codec.hpp"

namespace packyard::store {
namespace {
constexpr std::uint8_t format_v1 = 1;

bool check_format(value_reader& r) {
    return r.u8() == format_v1 && r.ok();
}
} // namespace

std::string_view visibility_name(visibility v) noexcept {
    switch (v) {
    case visibility::public_:
        return "public";
    case visibility::internal:
        return "internal";
    case visibility::private_:
        break;
    }
    return "private";
}

std::optional<visibility> parse_visibility(std::string_view s) noexcept {
    if (s == "public") {
        return visibility::public_;
    }
    if (s == "internal") {
        return visibility::internal;
    }
    if (s == "private") {
        return visibility::private_;
    }
    return std::nullopt;
}

std::optional<access_level> access_level_from_int(std::int64_t v) noexcept {
    switch (v) {
    case 10:
    case 20:
    case 30:
    case 40:
    case 50:
        return static_cast<access_level>(v);
    default:
        return std::nullopt;
    }
}

std::uint32_t scope_from_name(std::string_view s) noexcept {
    for (std::size_t i = 0; i < std::size(scope_names); ++i) {
        if (scope_names[i] == s) {
            return 1U << i;
        }
    }
    return 0;
}

std::string encode(const user& v) {
    value_writer w;
    w.u8(format_v1)
        .u64(v.id)
        .str(v.username)
        .str(v.name)
        .str(v.email)
        .boolean(v.admin)
        .i64(v.created_at)
        .u64(v.namespace_id);
    return w.take();
}

bool decode(std::string_view data, user& out) {
    value_reader r(data);
    if (!check_format(r)) {
        return false;
    }
    out.id = r.u64();
    out.username = r.str();
    out.name = r.str();
    out.email = r.str();
    out.admin = r.boolean();
    out.created_at = r.i64();
    out.namespace_id = r.u64();
    return r.ok();
}

std::string encode(const token& v) {
    value_writer w;
    w.u8(format_v1)
        .u64(v.id)
        .u8(static_cast<std::uint8_t>(v.kind))
        .u64(v.user_id)
        .str(v.name)
        .str(v.description)
        .u32(v.scopes)
        .opt_str(v.expires_at)
        .i64(v.expires_at_ms)
        .boolean(v.revoked)
        .i64(v.created_at)
        .i64(v.last_used_at)
        .u64(v.project_id)
        .u64(v.pipeline_id);
    return w.take();
}

bool decode(std::string_view data, token& out) {
    value_reader r(data);
    if (!check_format(r)) {
        return false;
    }
    out.id = r.u64();
    out.kind = static_cast<token_kind>(r.u8());
    out.user_id = r.u64();
    out.name = r.str();
    out.description = r.str();
    out.scopes = r.u32();
    out.expires_at = r.opt_str();
    out.expires_at_ms = r.i64();
    out.revoked = r.boolean();
    out.created_at = r.i64();
    out.last_used_at = r.i64();
    out.project_id = r.u64();
    out.pipeline_id = r.u64();
    return r.ok();
}

std::string encode(const namespace_row& v) {
    value_writer w;
    w.u8(format_v1)
        .u64(v.id)
        .u8(static_cast<std::uint8_t>(v.kind))
        .str(v.name)
        .str(v.path)
        .str(v.full_path)
        .str(v.full_name)
        .str(v.description)
        .u64(v.parent_id)
        .u64(v.owner_id)
        .u8(static_cast<std::uint8_t>(v.vis))
        .i64(v.created_at);
    return w.take();
}

bool decode(std::string_view data, namespace_row& out) {
    value_reader r(data);
    if (!check_format(r)) {
        return false;
    }
    out.id = r.u64();
    out.kind = static_cast<namespace_kind>(r.u8());
    out.name = r.str();
    out.path = r.str();
    out.full_path = r.str();
    out.full_name = r.str();
    out.description = r.str();
    out.parent_id = r.u64();
    out.owner_id = r.u64();
    out.vis = static_cast<visibility>(r.u8());
    out.created_at = r.i64();
    return r.ok();
}

std::string encode(const project& v) {
    value_writer w;
    w.u8(format_v1)
        .u64(v.id)
        .u64(v.namespace_id)
        .str(v.name)
        .str(v.path)
        .str(v.full_path)
        .str(v.description)
        .u8(static_cast<std::uint8_t>(v.vis))
        .u64(v.creator_id)
        .i64(v.created_at)
        .boolean(v.packages_enabled);
    return w.take();
}

bool decode(std::string_view data, project& out) {
    value_reader r(data);
    if (!check_format(r)) {
        return false;
    }
    out.id = r.u64();
    out.namespace_id = r.u64();
    out.name = r.str();
    out.path = r.str();
    out.full_path = r.str();
    out.description = r.str();
    out.vis = static_cast<visibility>(r.u8());
    out.creator_id = r.u64();
    out.created_at = r.i64();
    out.packages_enabled = r.boolean();
    return r.ok();
}

std::string encode(const member& v) {
    value_writer w;
    w.u8(format_v1)
        .u64(v.user_id)
        .u8(static_cast<std::uint8_t>(v.access))
        .i64(v.created_at)
        .u64(v.created_by)
        .opt_str(v.expires_at);
    return w.take();
}

bool decode(std::string_view data, member& out) {
    value_reader r(data);
    if (!check_format(r)) {
        return false;
    }
    out.user_id = r.u64();
    out.access = static_cast<access_level>(r.u8());
    out.created_at = r.i64();
    out.created_by = r.u64();
    out.expires_at = r.opt_str();
    return r.ok();
}

} // namespace packyard::store
