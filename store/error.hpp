#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <system_error>

namespace packyard::store {

/// A value or the std::error_code saying why there is none.
template <class T>
using result = boost::system::result<T, std::error_code>;

/// Outcomes of store operations that callers branch on.
enum class errc {
    ok = 0,
    /// A unique key (username, full path, token hash) is already taken.
    conflict = 1,
    /// The referenced row does not exist.
    not_found,
    /// A stored value could not be decoded; the data folder is damaged.
    corrupted,
    /// The data folder was written by a newer packyard with an unknown schema.
    schema_too_new,
    /// The caller asked for something the store refuses (bad name, cycle, non-empty group).
    invalid_argument,
    /// The group or project still holds children and cannot be removed.
    not_empty,
    /// A name, path or version makes a key longer than LMDB's key size (511 bytes).
    too_long,
    /// Opened read-only, the data folder has an older layout, which only a server upgrades.
    schema_too_old,
};

/// What a read throws when LMDB fails for any reason but "not found", or a stored value does
/// not decode: the data folder or the process is in trouble, which is never a missing row (a
/// 404). The routing layer answers it with a 500 and a log line.
class failure : public std::system_error {
public:
    using std::system_error::system_error;
};

/// Throws failure(ec, what).
[[noreturn]] void fail(std::error_code ec, const char* what);

/// The category for packyard's own store errors ("packyard.store").
const std::error_category& store_category() noexcept;

/// The category for raw LMDB return codes ("lmdb"); message() uses mdb_strerror.
const std::error_category& lmdb_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), store_category()};
}

/// Wraps a non-zero LMDB (or errno) return code.
inline std::error_code lmdb_error(int rc) noexcept {
    return {rc, lmdb_category()};
}

/// True when ec says the disk (ENOSPC, EDQUOT) or the LMDB map (MDB_MAP_FULL) has no room: a
/// write that may work once space is freed, which routing answers with 507, not a 500.
bool out_of_space(const std::error_code& ec) noexcept;

} // namespace packyard::store

template <>
struct std::is_error_code_enum<packyard::store::errc> : std::true_type {};
