#include "store/error.hpp"

#include <cerrno>
#include <lmdb.h>

namespace packyard::store {
namespace {

class store_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "packyard.store"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::ok:
            return "ok";
        case errc::conflict:
            return "already exists";
        case errc::not_found:
            return "not found";
        case errc::corrupted:
            return "stored value is corrupted";
        case errc::schema_too_new:
            return "data folder was written by a newer packyard";
        case errc::invalid_argument:
            return "invalid argument";
        case errc::not_empty:
            return "not empty";
        case errc::too_long:
            return "key too long for the store";
        case errc::schema_too_old:
            return "data folder has an older layout (packyard serve upgrades it)";
        }
        return "unknown store error";
    }
};

class lmdb_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "lmdb"; }
    std::string message(int ev) const override { return mdb_strerror(ev); }
};

} // namespace

bool out_of_space(const std::error_code& ec) noexcept {
    // LMDB passes errno values through its own return codes (mdb_txn_commit's pwrite).
    const bool errno_like = ec.category() == std::generic_category() ||
                            ec.category() == std::system_category() ||
                            ec.category() == lmdb_category();
    if (errno_like && (ec.value() == ENOSPC || ec.value() == EDQUOT)) {
        return true;
    }
    return ec.category() == lmdb_category() && ec.value() == MDB_MAP_FULL;
}

void fail(std::error_code ec, const char* what) {
    throw failure(ec, what);
}

const std::error_category& store_category() noexcept {
    static const store_category_impl instance;
    return instance;
}

const std::error_category& lmdb_category() noexcept {
    static const lmdb_category_impl instance;
    return instance;
}

} // namespace packyard::store
