#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/package_entities.hpp"
#include "routing/pagination.hpp"
#include "store/operations.hpp"
#include "store/packages.hpp"
#include "store/page_data.hpp"

#include <algorithm>

namespace packyard::routing::handlers {

outcome list_package_files(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages, the package.
    const auto& p = *ctx.subject.package;
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    const auto order_by = enum_param(ctx.params, "order_by", {"id", "created_at", "file_name"}, v);
    const auto sort = enum_param(ctx.params, "sort", {"asc", "desc"}, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    auto files = store::files_of(t, p.id);
    std::erase_if(files, [](const store::package_file& f) {
        return f.status != store::file_status::default_;
    });
    const std::string ob = order_by.value_or("id");
    const bool desc = sort.value_or("asc") == "desc";
    std::stable_sort(files.begin(), files.end(), [&](const auto& a, const auto& b) {
        int c = 0;
        if (ob == "created_at") {
            c = a.created_at < b.created_at ? -1 : (a.created_at > b.created_at ? 1 : 0);
        } else if (ob == "file_name") {
            c = a.file_name.compare(b.file_name);
        }
        if (c == 0) {
            c = a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
        }
        return desc ? c > 0 : c < 0;
    });
    // The page's files and the pipelines that published each.
    const std::size_t from = std::min<std::size_t>(pg.offset(), files.size());
    const std::size_t to = std::min<std::size_t>(from + pg.per_page, files.size());
    store::pipeline_refs refs;
    const auto pipelines =
        store::file_pipelines_of(t, std::span(files).subspan(from, to - from), refs);
    const std::string base = base_of(ctx);
    entity_renderer render(refs, base);
    return json_page(ctx, files, pg,
                     [&](json_writer& w, const auto& item) {
                         const auto row = static_cast<std::size_t>(&item - files.data()) - from;
                         render.write_package_file(w, item, pipelines[row]);
                     },
                     {{"order_by", "id"}, {"sort", "asc"}});
}

namespace {

/// :package_file_id of the resolved package, installable; or GitLab's refusal.
std::variant<store::package_file, response> file_of(const request_context& ctx, const store::txn& t,
                                                    bool strict_id) {
    const auto file_id = parse_int(ctx.path_param("package_file_id"));
    if (strict_id && !file_id) {
        return bad_params("package_file_id is invalid");
    }
    auto f = file_id && *file_id > 0 ? store::find_file(t, static_cast<std::uint64_t>(*file_id))
                                     : std::nullopt;
    if (!f || f->package_id != ctx.subject.package->id ||
        f->status != store::file_status::default_) {
        return not_found();
    }
    return std::move(*f);
}

} // namespace

outcome delete_package_file(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages, Maintainer, the package.
    auto found = file_of(ctx, t, true);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& f = std::get<store::package_file>(found);
    if (auto stale = modified_since(ctx, f.updated_at)) {
        return std::move(*stale);
    }
    return destroy(
        ctx, [id = f.id](store::write_txn& w) { return store::destroy_file(w, id); },
        "delete package file", not_found());
}

outcome download_package_file(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages, the package.
    auto found = file_of(ctx, t, false);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    return send_file(ctx, *ctx.subject.package, std::get<store::package_file>(found));
}

} // namespace packyard::routing::handlers
