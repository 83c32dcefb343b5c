#pragma once

// GitLab's Package, PackageVersion, PackageFile and Ci::Pipeline entities, in GitLab's field
// order, rendered from plain data (store/page_data.hpp gathers it from a snapshot): no
// renderer reads the store.

#include "routing/json.hpp"
#include "store/package_records.hpp"
#include "store/page_data.hpp"
#include "store/records.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace packyard::routing {

/// One package object.
struct package_view {
    const store::package& pkg;
    const store::project& project;
    bool can_destroy = false; ///< caller may delete: adds _links.delete_api_path
    bool group_list = false;  ///< adds project_id and project_path
    store::build_summary builds{};
    const store::pipeline* newest = nullptr; ///< the newest build's pipeline, if it still exists
    /// The single-package answer's other versions (with_versions), or nullptr.
    const std::vector<store::version_entry>* versions = nullptr;
    /// The package's tags (npm dist-tags), as GitLab serialises packages_tags rows.
    std::span<const store::package_tag> tags{};
};

/// Renders the objects of one response. Pipelines repeat across a page (a few pipelines build
/// most packages), so each pipeline object is rendered once and copied after that.
class entity_renderer {
public:
    entity_renderer(const store::pipeline_refs& refs, std::string_view base)
        : refs_(refs)
        , base_(base) {}

    /// The package object appended to out as JSON text.
    void append_package(std::string& out, const package_view& v);
    void write_package(json_writer& w, const package_view& v);
    void write_pipeline(json_writer& w, const store::pipeline& p);
    void write_package_file(json_writer& w, const store::package_file& f,
                            const std::vector<store::pipeline>& pipelines);

private:
    const std::string& pipeline_json(const store::pipeline& p);
    static void append_tags(std::string& out, std::span<const store::package_tag> tags);

    const store::pipeline_refs& refs_;
    std::string_view base_;
    std::vector<std::pair<std::uint64_t, std::string>> rendered_; ///< pipeline id -> object
};

} // namespace packyard::routing
