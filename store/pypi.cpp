#include "store/pypi.hpp"

#include "store/codec.hpp"
#include "store/crypto.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"
#include "store/records.hpp"
#include "store/text.hpp"

#include <algorithm>

namespace packyard::store {
namespace {

bool separator(char c) noexcept {
    return c == '-' || c == '_' || c == '.';
}

// ---- pypi_names: project id · normalized name\0 · package id -> —

std::string names_prefix(std::uint64_t project_id, std::string_view normalized) {
    key_builder k;
    k.u64(project_id).str0(normalized);
    return k.str();
}

std::string names_key(const package& p) {
    key_builder k;
    k.u64(p.project_id).str0(pypi_normalized_name(p.name)).u64(p.id);
    return k.str();
}

// ---- pypi_files: project id · SHA-256 hex\0 · file id -> —

std::string files_prefix(std::uint64_t project_id, std::string_view sha256) {
    key_builder k;
    k.u64(project_id).str0(sha256);
    return k.str();
}

std::string files_key(const package_file& f) {
    key_builder k;
    k.u64(f.project_id).str0(f.sha256).u64(f.id);
    return k.str();
}

std::string encode(const pypi_metadata& m) {
    value_writer w;
    w.u8(1).str(m.required_python).str(m.metadata_version).str(m.author_email);
    w.str(m.description).str(m.description_content_type).str(m.summary).str(m.keywords);
    return std::string(w.view());
}

} // namespace

std::string pypi_normalized_name(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (std::size_t i = 0; i < name.size();) {
        if (separator(name[i])) {
            out += '-';
            while (i < name.size() && separator(name[i])) {
                ++i;
            }
            continue;
        }
        const char c = name[i++];
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

std::optional<pypi_metadata> pypi_metadata_of(const txn& t, std::uint64_t package_id) {
    auto v = get(t, t.db().pypi_metadata, u64_key(package_id));
    if (!v) {
        return std::nullopt;
    }
    value_reader r(*v);
    if (r.u8() != 1) {
        fail(make_error_code(errc::corrupted), "pypi_metadata value has an unknown format");
    }
    pypi_metadata m;
    m.required_python = r.str();
    m.metadata_version = r.str();
    m.author_email = r.str();
    m.description = r.str();
    m.description_content_type = r.str();
    m.summary = r.str();
    m.keywords = r.str();
    if (!r.ok()) {
        fail(make_error_code(errc::corrupted), "pypi_metadata value is truncated");
    }
    return m;
}

std::error_code put_pypi_metadata(write_txn& t, std::uint64_t package_id, const pypi_metadata& m) {
    return put(t, t.db().pypi_metadata, u64_key(package_id), encode(m));
}

std::vector<std::uint64_t> pypi_packages_named(const txn& t, std::uint64_t project_id,
                                               std::string_view normalized) {
    std::vector<std::uint64_t> out;
    const auto prefix = names_prefix(project_id, normalized);
    cursor c(t, t.db().pypi_names);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (c.key().size() == prefix.size() + 8) {
            out.push_back(key_u64(c.key(), prefix.size()));
        }
    }
    return out;
}

std::vector<std::uint64_t> pypi_packages_of(const txn& t, std::uint64_t project_id) {
    std::vector<std::uint64_t> out;
    const auto prefix = u64_key(project_id);
    cursor c(t, t.db().pypi_names);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        out.push_back(key_u64(c.key(), c.key().size() - 8));
    }
    return out;
}

std::optional<pypi_file> find_pypi_file(const txn& t, std::uint64_t project_id,
                                        std::string_view sha256, std::string_view file_name) {
    const auto prefix = files_prefix(project_id, sha256);
    cursor c(t, t.db().pypi_files);
    // Newest file first: GitLab's .last! over the join.
    for (bool ok = c.seek_last_with_prefix(prefix); ok && has_prefix(c.key(), prefix);
         ok = c.prev()) {
        if (c.key().size() != prefix.size() + 8) {
            continue;
        }
        auto f = find_file(t, key_u64(c.key(), prefix.size()));
        if (!f || f->file_name != file_name || f->status != file_status::default_) {
            continue;
        }
        auto p = find_package(t, f->package_id);
        if (!p || !installable(p->status)) {
            continue;
        }
        return pypi_file{std::move(*p), std::move(*f)};
    }
    return std::nullopt;
}

// pypi_core_metadata values: the SHA-256 (32 bytes) of the text, then the text.

std::optional<core_metadata> pypi_core_metadata_of(const txn& t, std::uint64_t file_id) {
    auto v = get(t, t.db().pypi_core_metadata, u64_key(file_id));
    if (!v || v->size() < 32) {
        return std::nullopt;
    }
    return core_metadata{to_hex(v->substr(0, 32)), std::string(v->substr(32))};
}

std::optional<std::string> pypi_core_metadata_sha256(const txn& t, std::uint64_t file_id) {
    auto v = get(t, t.db().pypi_core_metadata, u64_key(file_id));
    if (!v || v->size() < 32) {
        return std::nullopt;
    }
    return to_hex(v->substr(0, 32));
}

// ---- pypi_pages: project id · normalized name\0 (empty: the index) -> u64 generation

std::uint64_t pypi_generation(const txn& t, std::uint64_t project_id, std::string_view normalized) {
    auto v = get(t, t.db().pypi_pages, names_prefix(project_id, normalized));
    return v && v->size() == 8 ? key_u64(*v, 0) : 0;
}

std::error_code pypi_changed(write_txn& t, std::uint64_t project_id, std::string_view name) {
    for (const auto& page : {pypi_normalized_name(name), std::string()}) {
        auto generation = next_id(t, "pypi_generation");
        if (!generation) {
            return generation.error();
        }
        if (auto ec =
                put(t, t.db().pypi_pages, names_prefix(project_id, page), u64_key(*generation))) {
            return ec;
        }
    }
    return {};
}

std::error_code index_pypi_package(write_txn& t, const package& p) {
    return put(t, t.db().pypi_names, names_key(p), {});
}

std::error_code index_pypi_file(write_txn& t, const package_file& f,
                                std::optional<std::string_view> core_metadata) {
    if (auto ec = put(t, t.db().pypi_files, files_key(f), {})) {
        return ec;
    }
    if (core_metadata) {
        const auto d = sha256(*core_metadata);
        std::string value(reinterpret_cast<const char*>(d.data()), d.size());
        value += *core_metadata;
        return put(t, t.db().pypi_core_metadata, u64_key(f.id), value);
    }
    return {};
}

std::error_code drop_pypi_package(write_txn& t, const package& p) {
    if (auto r = del(t, t.db().pypi_names, names_key(p)); !r) {
        return r.error();
    }
    if (auto r = del(t, t.db().pypi_metadata, u64_key(p.id)); !r) {
        return r.error();
    }
    return pypi_changed(t, p.project_id, p.name);
}

std::error_code drop_pypi_file(write_txn& t, const package_file& f) {
    if (auto r = del(t, t.db().pypi_files, files_key(f)); !r) {
        return r.error();
    }
    if (auto r = del(t, t.db().pypi_core_metadata, u64_key(f.id)); !r) {
        return r.error();
    }
    return {};
}

void expected_pypi_names(const txn& t, const entry_sink& sink) {
    cursor c(t, t.db().packages);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package p;
        if (decode(c.value(), p) && p.type == package_type::pypi) {
            sink(names_key(p), {});
        }
    }
}

void expected_pypi_files(const txn& t, const entry_sink& sink) {
    std::vector<std::uint64_t> pypi_packages; // in id order, as the rows come
    {
        cursor c(t, t.db().packages);
        for (bool ok = c.first(); ok; ok = c.next()) {
            package p;
            if (decode(c.value(), p) && p.type == package_type::pypi) {
                pypi_packages.push_back(p.id);
            }
        }
    }
    cursor c(t, t.db().package_files);
    for (bool ok = c.first(); ok; ok = c.next()) {
        package_file f;
        if (decode(c.value(), f) &&
            std::binary_search(pypi_packages.begin(), pypi_packages.end(), f.package_id)) {
            sink(files_key(f), {});
        }
    }
}

} // namespace packyard::store
