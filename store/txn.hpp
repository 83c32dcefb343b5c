#pragma once

// RAII for LMDB transactions and cursors, after lmdb++: handles are move-only, commit nulls the
// handle before mdb_txn_commit (LMDB frees the txn even when commit fails), read transactions
// are cached per thread in the reset state and renewed per request (MDB_NOTLS).

#include "store/env.hpp"
#include "store/error.hpp"

#include <functional>
#include <lmdb.h>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace packyard::store {

/// What read_txn and write_txn share: a handle and the environment it belongs to.
class txn {
public:
    MDB_txn* handle() const noexcept { return txn_; }
    const dbis& db() const noexcept { return env_->db(); }
    environment& env() const noexcept { return *env_; }
    explicit operator bool() const noexcept { return txn_ != nullptr; }

protected:
    txn(environment* env, MDB_txn* t) noexcept
        : env_(env)
        , txn_(t) {}
    ~txn() = default;
    txn(txn&& other) noexcept
        : env_(other.env_)
        , txn_(other.txn_) {
        other.txn_ = nullptr;
    }
    txn& operator=(txn&&) = delete;
    txn(const txn&) = delete;

    environment* env_;
    MDB_txn* txn_;
};

/// A read-only snapshot. Never hold one across a co_await.
class read_txn : public txn {
public:
    /// Renews this thread's cached transaction (or begins a fresh one if it is in use).
    static result<read_txn> begin(environment& env);
    read_txn(read_txn&& other) noexcept;
    ~read_txn();

private:
    read_txn(environment* env, MDB_txn* t, bool cached) noexcept
        : txn(env, t)
        , cached_(cached) {}
    bool cached_;
};

/// A write transaction (or a nested child of one). Aborts unless committed.
///
/// Side effects outside LMDB that are only safe once the data is durable (unlinking a blob
/// whose last reference went, telling caches that who-sees-what changed) are handed to
/// after_commit(): they run once, on the writer thread, after the top-level transaction has
/// committed, and never for a transaction (or a child of one) that aborted. A job that runs
/// again from scratch registers them again; the aborted run's are dropped with it.
///
/// The reverse holds for a file effect that had to come first (an upload's bytes moved into the
/// blob folder before its row commits): on_abort() registers its undo, which runs when the
/// transaction aborts or its commit fails, and for a child that committed, when its parent
/// does. Without it a failed commit (a full disk) would keep the bytes it could not record.
class write_txn : public txn {
public:
    static result<write_txn> begin(environment& env);
    /// A nested transaction: its changes reach the parent only if it commits.
    static result<write_txn> begin_child(write_txn& parent);
    write_txn(write_txn&& other) noexcept
        : txn(std::move(other))
        , parent_(other.parent_)
        , after_(std::move(other.after_))
        , undo_(std::move(other.undo_)) {}
    ~write_txn();
    /// Commits. A child hands its after-commit actions to its parent; the top level runs them.
    std::error_code commit();
    void abort() noexcept;
    /// Runs fn after the top-level commit (see above).
    void after_commit(std::function<void()> fn) { after_.push_back(std::move(fn)); }
    /// Runs fn if this transaction, or the top-level one it ends up in, does not commit.
    void on_abort(std::function<void()> fn) { undo_.push_back(std::move(fn)); }

private:
    write_txn(environment* env, MDB_txn* t, write_txn* parent) noexcept
        : txn(env, t)
        , parent_(parent) {}
    /// Runs the undo actions, newest first, and forgets them.
    void undo() noexcept;

    write_txn* parent_ = nullptr;
    std::vector<std::function<void()>> after_;
    std::vector<std::function<void()>> undo_;
};

/// Runs fn over a fresh snapshot and returns what it returns; the snapshot ends with the call.
/// For synchronous callers outside a request (start-up); requests get theirs from routing::app.
template <class F>
auto with_snapshot(environment& env, F&& fn) {
    auto t = read_txn::begin(env);
    if (!t) {
        fail(t.error(), "begin read transaction");
    }
    return std::forward<F>(fn)(static_cast<const read_txn&>(*t));
}

/// Looks a key up; the view is valid until the transaction ends or the next write. Absent
/// only for MDB_NOTFOUND (or a key longer than any stored one can be); any other failure
/// throws store::failure.
std::optional<std::string_view> get(const txn& t, MDB_dbi dbi, std::string_view key);
/// Stores a value (flags: MDB_NOOVERWRITE gives errc::conflict on an existing key).
std::error_code put(write_txn& t, MDB_dbi dbi, std::string_view key, std::string_view value,
                    unsigned flags = 0);
/// Deletes a key; a missing key is not an error (returns false).
result<bool> del(write_txn& t, MDB_dbi dbi, std::string_view key);

/// Receives a table's entries one by one: what a derived table's generator yields
/// (store/derived.hpp), for the check to compare and its repair to write.
using entry_sink = std::function<void(std::string_view key, std::string_view value)>;

/// A cursor bound to a transaction; close it before the transaction ends (lmdb++'s trap).
/// Positioning answers false at the end of the data (MDB_NOTFOUND); any other failure throws
/// store::failure.
class cursor {
public:
    cursor(const txn& t, MDB_dbi dbi);
    cursor(cursor&& other) noexcept
        : cur_(other.cur_) {
        other.cur_ = nullptr;
    }
    cursor(const cursor&) = delete;
    cursor& operator=(const cursor&) = delete;
    cursor& operator=(cursor&&) = delete;
    ~cursor();

    /// Positions at the first key >= key.
    bool seek(std::string_view key) { return op(MDB_SET_RANGE, key); }
    bool first() { return op(MDB_FIRST); }
    bool last() { return op(MDB_LAST); }
    bool next() { return op(MDB_NEXT); }
    bool prev() { return op(MDB_PREV); }
    /// Positions at the last key that starts with prefix (for descending scans).
    bool seek_last_with_prefix(std::string_view prefix);
    /// Positions at the last key < key.
    bool seek_before(std::string_view key);

    std::string_view key() const noexcept {
        return {static_cast<const char*>(k_.mv_data), k_.mv_size};
    }
    std::string_view value() const noexcept {
        return {static_cast<const char*>(v_.mv_data), v_.mv_size};
    }
    /// Deletes the current item (write transactions only).
    std::error_code del_current();

private:
    bool op(MDB_cursor_op o, std::string_view key = {});

    MDB_cursor* cur_ = nullptr;
    MDB_val k_{};
    MDB_val v_{};
};

/// The second id of every (first, second) u64 pair key under first, in order.
std::vector<std::uint64_t> ids_under(const txn& t, MDB_dbi dbi, std::uint64_t first);

/// True when s starts with prefix.
inline bool has_prefix(std::string_view s, std::string_view prefix) noexcept {
    return s.substr(0, prefix.size()) == prefix;
}

} // namespace packyard::store
