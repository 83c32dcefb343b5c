#include "routing/context.hpp"

#include <boost/url/pct_string_view.hpp>
#include <stdexcept>

namespace packyard::routing {

const store::read_txn& request_context::rtxn() {
    if (!read_) {
        auto t = store::read_txn::begin(svc.env);
        if (!t) {
            throw std::system_error(t.error(), "begin read transaction");
        }
        read_.emplace(std::move(*t));
    }
    return *read_;
}

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
