#pragma once

// A fresh LMDB environment in a temporary folder, for store unit tests.

#include "store/env.hpp"

#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>

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

} // namespace packyard::store::testing
