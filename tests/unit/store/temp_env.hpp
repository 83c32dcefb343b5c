#pragma once

// A fresh LMDB environment in a temporary folder, for store unit tests.

#include "store/env.hpp"
#include "store/identity.hpp"
#include "store/txn.hpp"

#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace packyard::store::testing {

struct temp_env {
    explicit temp_env(std::uint64_t map_size = 1ULL << 30) {
        std::random_device rd;
        dir = std::filesystem::temp_directory_path() /
              ("packyard-store-test-" + std::to_string(rd()) + std::to_string(rd()));
        open(map_size);
    }
    ~temp_env() {
        env.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    void open(std::uint64_t map_size = 1ULL << 30) {
        env.reset();
        env_options o;
        o.dir = dir;
        o.map_size = map_size;
        auto e = environment::open(o);
        if (!e) {
            throw std::runtime_error("open: " + e.error().message());
        }
        env = std::move(*e);
    }
    std::filesystem::path dir;
    std::unique_ptr<environment> env;
};

/// The user "root" and, in its namespace, one project per name (name and path alike): how most
/// store tests start. Returns the projects' ids in the order given.
inline std::vector<std::uint64_t> root_with_projects(environment& env,
                                                     std::initializer_list<std::string> names) {
    auto t = write_txn::begin(env);
    if (!t) {
        throw std::runtime_error("begin: " + t.error().message());
    }
    user u;
    u.username = "root";
    u.email = "r@x.io";
    if (auto ec = create_user(*t, u)) {
        throw std::runtime_error("create_user: " + ec.message());
    }
    std::vector<std::uint64_t> ids;
    for (const auto& name : names) {
        project p;
        p.name = p.path = name;
        p.namespace_id = u.namespace_id;
        if (auto ec = create_project(*t, p)) {
            throw std::runtime_error("create_project: " + ec.message());
        }
        ids.push_back(p.id);
    }
    if (auto ec = t->commit()) {
        throw std::runtime_error("commit: " + ec.message());
    }
    return ids;
}

} // namespace packyard::store::testing
