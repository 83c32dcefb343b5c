#include "routing/context.hpp"

#include <boost/url/pct_string_view.hpp>

namespace packyard::routing {

std::string_view request_context::raw_path_param(std::string_view name) const {
    for (const auto& [k, v] : match.params) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

std::string request_context::path_param(std::string_view name) const {
    const auto raw = raw_path_param(name);
    auto pct = boost::urls::make_pct_string_view(raw);
    if (!pct) {
        return std::string(raw);
    }
    return pct->decode();
}

std::string request_context::base_url() const {
    if (!svc.cfg.external_url.empty()) {
        return svc.cfg.external_url;
    }
    std::string host(req.header("Host"));
    if (host.empty()) {
        host = "localhost";
    }
    return "http://" + host;
}

} // namespace packyard::routing
