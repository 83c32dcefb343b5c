#include "store/page_data.hpp"

#include "store/identity.hpp"
#include "store/packages.hpp"

#include <algorithm>

namespace packyard::store {

void pipeline_refs::add(const txn& t, const pipeline& p) {
    if (project_path(p.project_id) == nullptr) {
        auto proj = find_project(t, p.project_id);
        project_paths.emplace_back(p.project_id, proj ? proj->full_path : std::string());
    }
    if (p.user_id != 0 && find_user(p.user_id) == nullptr) {
        if (auto u = store::find_user(t, p.user_id)) {
            users.push_back(std::move(*u));
        }
    }
}

void pipeline_refs::add_project(const project& p) {
    if (project_path(p.id) == nullptr) {
        project_paths.emplace_back(p.id, p.full_path);
    }
}

const user* pipeline_refs::find_user(std::uint64_t id) const noexcept {
    const auto it =
        std::find_if(users.begin(), users.end(), [id](const user& u) { return u.id == id; });
    return it == users.end() ? nullptr : &*it;
}

const std::string* pipeline_refs::project_path(std::uint64_t id) const noexcept {
    const auto it = std::find_if(project_paths.begin(), project_paths.end(),
                                 [id](const auto& e) { return e.first == id; });
    return it == project_paths.end() ? nullptr : &it->second;
}

const pipeline* package_extras::newest(std::size_t row) const noexcept {
    const std::uint64_t id = builds[row].newest_pipeline;
    if (id == 0) {
        return nullptr;
    }
    const auto it = std::find_if(pipelines.begin(), pipelines.end(),
                                 [id](const pipeline& p) { return p.id == id; });
    return it == pipelines.end() ? nullptr : &*it;
}

package_extras package_page_extras(const txn& t, std::span<const package> rows,
                                   const project* own_project) {
    package_extras out;
    out.builds.reserve(rows.size());
    if (own_project != nullptr) {
        // A project's packages are mostly built by its own pipelines.
        out.refs.add_project(*own_project);
    }
    // One cursor for the page: no cursor per row, and LMDB starts a seek from the cursor's
    // leaf when the key falls in it (neighbouring package ids).
    std::optional<cursor> builds;
    out.tags.reserve(rows.size());
    for (const auto& p : rows) {
        // Only npm packages carry tags (GitLab's packages_tags): others skip the lookup.
        out.tags.push_back(p.type == package_type::npm ? tags_of(t, p.id)
                                                       : std::vector<package_tag>{});
        build_summary s;
        if (p.may_have_build_infos) {
            if (!builds) {
                builds.emplace(t, t.db().build_infos);
            }
            s = summarize_build_infos(*builds, p.id);
        }
        out.builds.push_back(s);
        const std::uint64_t id = s.newest_pipeline;
        if (id == 0 || std::any_of(out.pipelines.begin(), out.pipelines.end(),
                                   [id](const pipeline& pl) { return pl.id == id; })) {
            continue;
        }
        if (auto pl = find_pipeline(t, id)) {
            out.refs.add(t, *pl);
            out.pipelines.push_back(std::move(*pl));
        }
    }
    return out;
}

std::vector<version_entry> versions_of(const txn& t, const package& p, pipeline_refs& refs) {
    std::vector<version_entry> out;
    for (auto& other : other_versions(t, p)) {
        version_entry e{std::move(other), std::nullopt, {}};
        if (e.pkg.type == package_type::npm) {
            e.tags = tags_of(t, e.pkg.id);
        }
        const auto infos = build_infos(t, e.pkg.id, 0, 1);
        if (!infos.empty() && infos.front().pipeline_id != 0) {
            e.newest = find_pipeline(t, infos.front().pipeline_id);
            if (e.newest) {
                refs.add(t, *e.newest);
            }
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<std::vector<pipeline>>
file_pipelines_of(const txn& t, std::span<const package_file> files, pipeline_refs& refs) {
    std::vector<std::vector<pipeline>> out;
    out.reserve(files.size());
    for (const auto& f : files) {
        auto& list = out.emplace_back();
        for (auto id : file_pipelines(t, f.id)) {
            if (auto pl = find_pipeline(t, id)) {
                refs.add(t, *pl);
                list.push_back(std::move(*pl));
            }
        }
    }
    return out;
}

} // namespace packyard::store
