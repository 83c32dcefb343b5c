// What the web pages do besides showing (docs/web.md): delete a package or a file through the
// same writes as the API's DELETE, download a file at GitLab's web path, and serve the
// stylesheet and script compiled into the binary.

#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/web/assets.hpp"
#include "routing/web/html.hpp"
#include "routing/web/visit.hpp"
#include "store/packages.hpp"

namespace packyard::routing::handlers {
namespace {

/// The checks of a form that changes something: its CSRF token, and a token that may write.
std::optional<response> form_refusal(const request_context& ctx) {
    if (!web::csrf_ok(ctx)) {
        return web::error_page(&ctx, 422);
    }
    if (!ctx.visit || !ctx.visit->can_write) {
        return web::error_page(&ctx, 403); // a read_api session browses only
    }
    return std::nullopt;
}

/// The API's delete, answered by a redirect to to once it is done (its 204), or as a page.
outcome redirect_when_done(outcome done, std::string to) {
    auto* plan = std::get_if<write_plan>(&done);
    if (plan == nullptr) {
        return done; // refused before writing: as_page shows it
    }
    plan->render = [render = std::move(plan->render), to = std::move(to)](const snapshot& t,
                                                                          std::error_code ec) {
        response r = render(t, ec);
        return r.status == 204 ? web::redirect(to) : r;
    };
    return done;
}

} // namespace

outcome web_delete_package(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages, Maintainer, the package.
    if (auto refused = form_refusal(ctx)) {
        return std::move(*refused);
    }
    return redirect_when_done(delete_package(ctx, t),
                              "/" + ctx.subject.project->full_path + "/-/packages");
}

outcome web_delete_package_file(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages, Maintainer, the package.
    if (auto refused = form_refusal(ctx)) {
        return std::move(*refused);
    }
    return redirect_when_done(delete_package_file(ctx, t),
                              "/" + ctx.subject.project->full_path + "/-/packages/" +
                                  std::to_string(ctx.subject.package->id));
}

outcome web_download(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages.
    const auto id = parse_int(ctx.path_param("package_file_id"));
    auto f = id && *id > 0 ? store::find_file(t, static_cast<std::uint64_t>(*id)) : std::nullopt;
    if (!f || f->project_id != ctx.subject.project->id ||
        f->status != store::file_status::default_) {
        return not_found();
    }
    auto p = store::find_package(t, f->package_id);
    if (!p || p->project_id != ctx.subject.project->id || !store::displayable(p->status)) {
        return not_found();
    }
    return send_file(ctx, *p, *f);
}

outcome web_asset(request_context& ctx, const snapshot&) {
    const auto* a = web::find_asset(ctx.path_param("file"));
    if (a == nullptr) {
        return not_found();
    }
    response r;
    r.content_type = std::string(a->content_type);
    r.body = std::string(a->bytes);
    r.set_header("Cache-Control", "public, max-age=3600");
    r.set_header("X-Content-Type-Options", "nosniff");
    return r;
}

} // namespace packyard::routing::handlers
