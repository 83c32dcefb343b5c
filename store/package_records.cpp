#include "store/package_records.hpp"

#include "store/codec.hpp"

namespace packyard::store {
namespace {

constexpr std::uint8_t format_v1 = 1;

constexpr std::string_view type_names[] = {
    "",
    "maven",
    "npm",
    "conan",
    "nuget",
    "pypi",
    "composer",
    "generic",
    "golang",
    "debian",
    "rubygems",
    "helm",
    "terraform_module",
    "rpm",
    "ml_model",
};
constexpr std::string_view status_names[] = {
    "default", "hidden", "processing", "error", "pending_destruction", "deprecated",
};

} // namespace

std::string_view package_type_name(package_type t) noexcept {
    const auto i = static_cast<std::size_t>(t);
    return i < std::size(type_names) ? type_names[i] : std::string_view("generic");
}

std::optional<package_type> parse_package_type(std::string_view s) noexcept {
    for (std::size_t i = 1; i < std::size(type_names); ++i) {
        if (type_names[i] == s) {
            return static_cast<package_type>(i);
        }
    }
    return std::nullopt;
}

std::string_view package_status_name(package_status s) noexcept {
    const auto i = static_cast<std::size_t>(s);
    return i < std::size(status_names) ? status_names[i] : std::string_view("default");
}

std::optional<package_status> parse_package_status(std::string_view s) noexcept {
    for (std::size_t i = 0; i < std::size(status_names); ++i) {
        if (status_names[i] == s) {
            return static_cast<package_status>(i);
        }
    }
    return std::nullopt;
}

std::string encode(const package& v) {
    value_writer w;
    w.u8(format_v1)
        .u64(v.id)
        .u64(v.project_id)
        .u64(v.creator_id)
        .str(v.name)
        .opt_str(v.version)
        .u8(static_cast<std::uint8_t>(v.type))
        .u8(static_cast<std::uint8_t>(v.status))
        .i64(v.created_at)
        .i64(v.updated_at)
        .i64(v.last_downloaded_at)
        .u8(v.may_have_build_infos ? 1 : 0);
    if (!v.status_message.empty()) {
        w.str(v.status_message); // rare (packages in status error): absent otherwise
    }
    return w.take();
}

bool decode(std::string_view data, package& out) {
    value_reader r(data);
    if (r.u8() != format_v1) {
        return false;
    }
    out.id = r.u64();
    out.project_id = r.u64();
    out.creator_id = r.u64();
    out.name = r.str();
    out.version = r.opt_str();
    out.type = static_cast<package_type>(r.u8());
    out.status = static_cast<package_status>(r.u8());
    out.created_at = r.i64();
    out.updated_at = r.i64();
    out.last_downloaded_at = r.i64();
    // Rows written before the flag existed say nothing: assume build infos may exist.
    out.may_have_build_infos = r.at_end() || r.u8() != 0;
    // Rows written before status_message existed end here.
    out.status_message = r.at_end() ? std::string() : r.str();
    return r.ok();
}

std::string encode(const package_file& v) {
    value_writer w;
    w.u8(format_v1)
        .u64(v.id)
        .u64(v.package_id)
        .u64(v.project_id)
        .str(v.file_name)
        .u64(v.size)
        .str(v.md5)
        .str(v.sha1)
        .str(v.sha256)
        .u8(static_cast<std::uint8_t>(v.status))
        .i64(v.created_at)
        .i64(v.updated_at);
    return w.take();
}

bool decode(std::string_view data, package_file& out) {
    value_reader r(data);
    if (r.u8() != format_v1) {
        return false;
    }
    out.id = r.u64();
    out.package_id = r.u64();
    out.project_id = r.u64();
    out.file_name = r.str();
    out.size = r.u64();
    out.md5 = r.str();
    out.sha1 = r.str();
    out.sha256 = r.str();
    out.status = static_cast<file_status>(r.u8());
    out.created_at = r.i64();
    out.updated_at = r.i64();
    return r.ok();
}

std::string encode(const pipeline& v) {
    value_writer w;
    w.u8(format_v1)
        .u64(v.id)
        .u64(v.project_id)
        .u64(v.iid)
        .str(v.sha)
        .str(v.ref)
        .str(v.status)
        .str(v.source)
        .str(v.name)
        .u64(v.user_id)
        .i64(v.created_at)
        .i64(v.updated_at);
    return w.take();
}

bool decode(std::string_view data, pipeline& out) {
    value_reader r(data);
    if (r.u8() != format_v1) {
        return false;
    }
    out.id = r.u64();
    out.project_id = r.u64();
    out.iid = r.u64();
    out.sha = r.str();
    out.ref = r.str();
    out.status = r.str();
    out.source = r.str();
    out.name = r.str();
    out.user_id = r.u64();
    out.created_at = r.i64();
    out.updated_at = r.i64();
    return r.ok();
}

} // namespace packyard::store
