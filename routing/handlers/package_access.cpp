// What the package, package-file and generic handlers share: conditional deletes and sending a
// stored file.

#include "routing/handlers/package_access.hpp"

#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/pagination.hpp"
#include "store/error.hpp"
#include "store/log.hpp"
#include "store/operations.hpp"
#include "store/s3/bucket.hpp"

namespace packyard::routing::handlers {

std::optional<response> modified_since(const request_context& ctx, std::int64_t updated_at) {
    const auto since = ctx.req.header("If-Unmodified-Since");
    if (since.empty()) {
        return std::nullopt;
    }
    if (auto when = parse_http_date(since); when && updated_at > *when + 999) {
        return message_response(412, "412 Precondition Failed");
    }
    return std::nullopt;
}

write_plan destroy(const request_context& ctx, store::writer::job job, std::string_view what,
                   response gone) {
    return then_render(std::move(job),
                       [&ctx, what, gone = std::move(gone)](const snapshot&, std::error_code ec) {
                           if (ec == store::errc::not_found) {
                               return gone;
                           }
                           if (ec) {
                               return store_failure(what, ec);
                           }
                           if (ctx.svc.wake_cleanup) {
                               ctx.svc.wake_cleanup();
                           }
                           return no_content();
                       });
}

outcome send_file(const request_context& ctx, const store::package& p, const store::package_file& f,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> extra,
                  bool head_downloads) {
    response r;
    r.content_type = "application/octet-stream";
    // The stored name may be percent-encoded (path uploads); the header shows it as stored.
    std::string disposition = "attachment; filename=\"" + f.file_name + "\"; filename*=UTF-8''" +
                              form_escape(f.file_name);
    const auto& blobs = *ctx.svc.blobs;
    auto* bucket = blobs.bucket();
    if (bucket != nullptr && !blobs.has(f.sha256)) {
        if (bucket->options().direct_download) {
            // GitLab's direct download (object storage without proxy_download): Grape's
            // redirect, 302 (303 for any other method over HTTP/1.1), to a short-lived presigned
            // GET whose answer carries the disposition and type this one would have.
            const auto url = bucket->presigned_url(f.sha256, disposition, r.content_type);
            r.status = ctx.req.verb == method::get ? 302 : 303;
            r.content_type = "text/plain";
            r.set_header("Location", url);
            r.body = ctx.req.verb == method::get
                         ? "This resource has been moved temporarily to " + url + "."
                         : "An other endpoint is available at " + url;
        } else {
            r.remote = remote_body{bucket, f.sha256, f.size};
        }
    } else {
        r.file = file_body{blobs.path_of(f.sha256), f.size};
        if (bucket != nullptr) {
            // Still in the folder (a store being migrated): served from there, from the bucket
            // if migrate-blobs --remove-local takes it before it is opened.
            r.remote = remote_body{bucket, f.sha256, f.size};
        }
    }
    r.set_header("Content-Transfer-Encoding", "binary");
    r.set_header("Content-Disposition", std::move(disposition));
    if (!f.sha256.empty()) {
        r.set_header("X-Checksum-SHA256", f.sha256);
    }
    for (const auto& [name, value] : extra) {
        r.set_header(std::string(name), std::string(value));
    }
    const std::int64_t now = now_ms();
    if ((p.last_downloaded_at != 0 && now - p.last_downloaded_at <= 60'000) ||
        (!head_downloads && ctx.req.verb == method::head)) {
        return r;
    }
    return then_render(
        [id = p.id, now](store::write_txn& w) { return store::record_download(w, id, now); },
        [r = std::move(r)](const snapshot&, std::error_code ec) {
            if (store::out_of_space(ec)) {
                // The bytes are there to send; only the download time could not be kept. A
                // full disk must not stop reads (docs/decisions/0017-full-disk.md).
                log::error("record download", ec);
                return r;
            }
            if (ec && ec != store::errc::not_found) {
                return store_failure("record download", ec);
            }
            return r;
        });
}

} // namespace packyard::routing::handlers
