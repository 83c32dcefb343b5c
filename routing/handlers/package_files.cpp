#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/package_entities.hpp"
#include "routing/pagination.hpp"
#include "store/packages.hpp"

#include <algorithm>

namespace packyard::routing::handlers {

response list_package_files(request_context& ctx) {
    auto found = find_package_for(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& [proj, p] = std::get<project_package>(found);
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    const auto order_by = enum_param(ctx.params, "order_by", {"id", "created_at", "file_name"}, v);
    const auto sort = enum_param(ctx.params, "sort", {"asc", "desc"}, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    auto files = store::files_of(ctx.rtxn(), p.id);
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
    const std::string base = base_of(ctx);
    return json_page(
        ctx, files, pg,
        [&](json_writer& w, const auto& item) { write_package_file(ctx.rtxn(), w, item, base); },
        {{"order_by", "id"}, {"sort", "asc"}});
}

task delete_package_file(request_context& ctx) {
    auto found = find_package_for(ctx, true);
    if (auto* err = std::get_if<response>(&found)) {
        co_return std::move(*err);
    }
    const auto p = std::get<project_package>(std::move(found)).package;
    const auto file_id = parse_int(ctx.path_param("package_file_id"));
    if (!file_id) {
        co_return bad_params("package_file_id is invalid");
    }
    auto f = *file_id > 0 ? store::find_file(ctx.rtxn(), static_cast<std::uint64_t>(*file_id))
                          : std::nullopt;
    if (!f || f->package_id != p.id || f->status != store::file_status::default_) {
        co_return not_found();
    }
    if (const auto since = ctx.req.header("If-Unmodified-Since"); !since.empty()) {
        if (auto when = parse_http_date(since); when && f->updated_at > *when + 999) {
            co_return message_response(412, "412 Precondition Failed");
        }
    }
    ctx.release_read();
    bool gone = false;
    const auto ec = co_await ctx.svc.writer.run([&](store::write_txn& t) -> std::error_code {
        auto cur = store::find_file(t, f->id);
        gone = !cur || cur->status != store::file_status::default_;
        return gone ? std::error_code{} : store::mark_file_for_destruction(t, *cur);
    });
    if (ec) {
        co_return store_failure("delete package file", ec);
    }
    if (gone) {
        co_return not_found();
    }
    if (ctx.svc.wake_cleanup) {
        ctx.svc.wake_cleanup();
    }
    co_return no_content();
}

task download_package_file(request_context& ctx) {
    auto found = find_package_for(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        co_return std::move(*err);
    }
    const auto p = std::get<project_package>(std::move(found)).package;
    const auto file_id = parse_int(ctx.path_param("package_file_id"));
    auto f = file_id && *file_id > 0
                 ? store::find_file(ctx.rtxn(), static_cast<std::uint64_t>(*file_id))
                 : std::nullopt;
    if (!f || f->package_id != p.id || f->status != store::file_status::default_) {
        co_return not_found();
    }
    co_return co_await send_file(ctx, p, *f);
}

} // namespace packyard::routing::handlers
