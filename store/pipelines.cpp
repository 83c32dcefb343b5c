#include "store/pipelines.hpp"

#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/package_counts.hpp"
#include "store/packages.hpp"

namespace packyard::store {
namespace {

std::string sha_key(std::uint64_t project_id, std::string_view sha) {
    key_builder k;
    k.u64(project_id).bytes(sha);
    return k.str();
}

std::string triple_key(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    key_builder k;
    k.u64(a).u64(b).u64(c);
    return k.str();
}

} // namespace

std::optional<pipeline> find_pipeline(const txn& t, std::uint64_t id) {
    auto v = get(t, t.db().pipelines, u64_key(id));
    pipeline p;
    if (!v) {
        return std::nullopt;
    }
    decode_or_fail(*v, p);
    return p;
}

std::optional<pipeline> find_pipeline_by_sha(const txn& t, std::uint64_t project_id,
                                             std::string_view sha) {
    auto v = get(t, t.db().pipelines_by_sha, sha_key(project_id, sha));
    if (!v || v->size() != 8) {
        return std::nullopt;
    }
    return find_pipeline(t, key_u64(*v, 0));
}

std::vector<pipeline> project_pipelines(const txn& t, std::uint64_t project_id) {
    std::vector<pipeline> out;
    const std::string prefix = u64_key(project_id);
    cursor c(t, t.db().pipelines_by_project);
    for (bool ok = c.seek_last_with_prefix(prefix); ok && has_prefix(c.key(), prefix);
         ok = c.prev()) {
        if (auto p = find_pipeline(t, key_u64(c.key(), 8))) {
            out.push_back(std::move(*p));
        }
    }
    return out;
}

namespace {

/// The lists that show a pipeline: its project's, and those of every package it built.
std::error_code touch_lists_of_pipeline(write_txn& t, const pipeline& p) {
    std::vector<std::uint64_t> projects{p.project_id};
    const std::string prefix = u64_key(p.id);
    std::vector<std::uint64_t> packages;
    {
        cursor c(t, t.db().build_infos_by_pipeline);
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            packages.push_back(key_u64(c.key(), 8));
        }
    }
    for (auto id : packages) {
        if (auto pkg = find_package(t, id);
            pkg && std::find(projects.begin(), projects.end(), pkg->project_id) == projects.end()) {
            projects.push_back(pkg->project_id);
        }
    }
    for (auto id : projects) {
        if (auto ec = touch_project_lists(t, id)) {
            return ec;
        }
    }
    return {};
}

} // namespace

std::error_code save_pipeline(write_txn& t, pipeline& p) {
    const auto& db = t.db();
    if (p.id != 0) {
        if (auto ec = touch_lists_of_pipeline(t, p)) { // its status or user may show
            return ec;
        }
    }
    if (p.id == 0) {
        auto id = next_id(t, "pipeline");
        if (!id) {
            return id.error();
        }
        auto iid = next_id(t, "pipeline_iid/" + std::to_string(p.project_id));
        if (!iid) {
            return iid.error();
        }
        p.id = *id;
        p.iid = *iid;
        if (auto ec = put(t, db.pipelines_by_project, u64_pair_key(p.project_id, p.id), {})) {
            return ec;
        }
        if (auto ec = put(t, db.pipelines_by_sha, sha_key(p.project_id, p.sha), u64_key(p.id))) {
            return ec;
        }
    }
    return put(t, db.pipelines, u64_key(p.id), encode(p));
}

std::error_code delete_pipeline(write_txn& t, const pipeline& p) {
    const auto& db = t.db();
    if (auto ec = touch_lists_of_pipeline(t, p)) {
        return ec;
    }
    // Build infos keep their rows with a null pipeline, as GitLab's nullify does.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> infos;
    {
        const std::string prefix = u64_key(p.id);
        cursor c(t, db.build_infos_by_pipeline);
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            infos.emplace_back(key_u64(c.key(), 8), key_u64(c.key(), 16));
        }
    }
    for (const auto& [package_id, bi] : infos) {
        if (auto ec = put(t, db.build_infos, u64_pair_key(package_id, bi), u64_key(0))) {
            return ec;
        }
        if (auto r = del(t, db.build_infos_by_pipeline, triple_key(p.id, package_id, bi)); !r) {
            return r.error();
        }
    }
    if (auto r = del(t, db.pipelines_by_project, u64_pair_key(p.project_id, p.id)); !r) {
        return r.error();
    }
    if (auto cur = find_pipeline_by_sha(t, p.project_id, p.sha); cur && cur->id == p.id) {
        if (auto r = del(t, db.pipelines_by_sha, sha_key(p.project_id, p.sha)); !r) {
            return r.error();
        }
    }
    if (auto r = del(t, db.pipelines, u64_key(p.id)); !r) {
        return r.error();
    }
    return {};
}

std::error_code delete_pipelines_of_project(write_txn& t, std::uint64_t project_id) {
    for (const auto& p : project_pipelines(t, project_id)) {
        if (auto ec = delete_pipeline(t, p)) {
            return ec;
        }
    }
    return {};
}

std::error_code add_build_info(write_txn& t, std::uint64_t package_id, std::uint64_t pipeline_id) {
    for (const auto& bi : build_infos(t, package_id)) {
        if (bi.pipeline_id == pipeline_id) {
            return {};
        }
    }
    auto id = next_id(t, "build_info");
    if (!id) {
        return id.error();
    }
    if (auto ec = put(t, t.db().build_infos, u64_pair_key(package_id, *id), u64_key(pipeline_id))) {
        return ec;
    }
    if (auto p = find_package(t, package_id); p && !p->may_have_build_infos) {
        p->may_have_build_infos = true;
        if (auto ec = put(t, t.db().packages, u64_key(package_id), encode(*p))) {
            return ec;
        }
    }
    if (auto ec = touch_package_lists(t, package_id)) { // the row shows its newest pipeline
        return ec;
    }
    return put(t, t.db().build_infos_by_pipeline, triple_key(pipeline_id, package_id, *id), {});
}

std::vector<build_info> build_infos(const txn& t, std::uint64_t package_id, std::uint64_t before,
                                    std::size_t limit) {
    std::vector<build_info> out;
    const std::string prefix = u64_key(package_id);
    cursor c(t, t.db().build_infos);
    bool ok = before == 0 ? c.seek_last_with_prefix(prefix)
                          : (c.seek_before(u64_pair_key(package_id, before)) &&
                             has_prefix(c.key(), prefix));
    for (; ok && has_prefix(c.key(), prefix) && out.size() < limit; ok = c.prev()) {
        if (c.value().size() == 8) {
            out.push_back({key_u64(c.key(), 8), key_u64(c.value(), 0)});
        }
    }
    return out;
}

build_summary summarize_build_infos(const txn& t, std::uint64_t package_id) {
    cursor c(t, t.db().build_infos);
    return summarize_build_infos(c, package_id);
}

build_summary summarize_build_infos(cursor& c, std::uint64_t package_id) {
    build_summary out;
    const std::string prefix = u64_key(package_id);
    for (bool ok = c.seek_last_with_prefix(prefix); ok && has_prefix(c.key(), prefix);
         ok = c.prev()) {
        if (c.value().size() != 8) {
            continue;
        }
        const std::uint64_t pipeline = key_u64(c.value(), 0);
        if (!out.any) {
            out.any = true;
            out.newest_pipeline = pipeline;
        }
        if (pipeline != 0) {
            out.any_live = true;
            break;
        }
    }
    return out;
}

std::error_code delete_build_infos_of_package(write_txn& t, std::uint64_t package_id) {
    for (const auto& bi : build_infos(t, package_id)) {
        if (auto r = del(t, t.db().build_infos, u64_pair_key(package_id, bi.id)); !r) {
            return r.error();
        }
        if (bi.pipeline_id != 0) {
            if (auto r = del(t, t.db().build_infos_by_pipeline,
                             triple_key(bi.pipeline_id, package_id, bi.id));
                !r) {
                return r.error();
            }
        }
    }
    return {};
}

std::error_code add_file_build_info(write_txn& t, std::uint64_t file_id,
                                    std::uint64_t pipeline_id) {
    return put(t, t.db().file_build_infos, u64_pair_key(file_id, pipeline_id), {});
}

std::vector<std::uint64_t> file_pipelines(const txn& t, std::uint64_t file_id) {
    return ids_under(t, t.db().file_build_infos, file_id);
}

std::error_code delete_file_build_infos(write_txn& t, std::uint64_t file_id) {
    for (auto p : file_pipelines(t, file_id)) {
        if (auto r = del(t, t.db().file_build_infos, u64_pair_key(file_id, p)); !r) {
            return r.error();
        }
    }
    return {};
}

void expected_pipelines_by_project(const txn& t, const entry_sink& sink) {
    cursor c(t, t.db().pipelines);
    for (bool ok = c.first(); ok; ok = c.next()) {
        pipeline p;
        if (decode(c.value(), p)) {
            sink(u64_pair_key(p.project_id, p.id), {});
        }
    }
}

void expected_build_infos_by_pipeline(const txn& t, const entry_sink& sink) {
    cursor c(t, t.db().build_infos);
    for (bool ok = c.first(); ok; ok = c.next()) {
        if (c.key().size() != 16 || c.value().size() != 8) {
            continue; // not a build info (the check reports it with build_infos)
        }
        if (const auto pipeline_id = key_u64(c.value(), 0); pipeline_id != 0) {
            sink(triple_key(pipeline_id, key_u64(c.key(), 0), key_u64(c.key(), 8)), {});
        }
    }
}

} // namespace packyard::store
