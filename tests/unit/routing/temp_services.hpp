#pragma once

// routing::services over a fresh LMDB environment in a temporary folder, and a GET request
// context on top of it, for tests of code that needs a request_context but no data.

#include "routing/context.hpp"
#include "routing/params.hpp"
#include "routing/router.hpp"
#include "store/env.hpp"
#include "store/writer.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace packyard::routing::testing {

struct temp_services {
    temp_services() {
        std::random_device rd;
        dir = std::filesystem::temp_directory_path() /
              ("packyard-routing-test-" + std::to_string(rd()) + std::to_string(rd()));
        store::env_options o;
        o.dir = dir / "db";
        o.map_size = 1ULL << 24;
        auto e = store::environment::open(o);
        if (!e) {
            throw std::runtime_error("open store: " + e.error().message());
        }
        env = std::move(*e);
        wr = std::make_unique<store::writer>(*env);
        svc = std::make_unique<services>(services{*env, *wr, settings{}, dir, nullptr, {}});
    }
    temp_services(const temp_services&) = delete;
    temp_services& operator=(const temp_services&) = delete;
    ~temp_services() {
        svc.reset();
        wr.reset();
        env.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    std::filesystem::path dir;
    std::unique_ptr<store::environment> env;
    std::unique_ptr<store::writer> wr;
    std::unique_ptr<services> svc;
};

inline outcome no_handler(request_context&, const store::read_txn&) {
    return {};
}

/// The list endpoints the pagination tests pretend to call.
inline const router& list_router() {
    static const route rows[] = {
        plain_route(method::get, "/api/v4/projects/:id/packages", no_handler),
        plain_route(method::get, "/api/v4/groups/:id/packages", no_handler),
    };
    static const router r(rows);
    return r;
}

/// A GET request for path?query with an optional Host header, matched by list_router(), its
/// query parsed into ctx.params (path parameters are not merged in).
struct get_request {
    get_request(services& s, std::string_view path_in, std::string_view query_in,
                std::string_view host_in)
        : path(path_in)
        , query(query_in)
        , host(host_in)
        , target(query.empty() ? path : path + "?" + query)
        , ctx(req, s, list_router().match(method::get, path)) {
        req.verb = method::get;
        req.target = target;
        req.path = path;
        req.query = query;
        if (!host.empty()) {
            req.headers.emplace_back("Host", host);
        }
        req.headers.emplace_back("Accept", "application/json");
        BOOST_REQUIRE(parse_urlencoded(req.query, ctx.params));
    }
    get_request(const get_request&) = delete;
    get_request& operator=(const get_request&) = delete;

    std::string path;
    std::string query;
    std::string host;
    std::string target;
    request req;
    request_context ctx;
};

} // namespace packyard::routing::testing
