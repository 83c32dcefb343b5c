#include "store/txn.hpp"

#include "store/codec.hpp"

#include <vector>

namespace packyard::store {
namespace {

// One cached read transaction per (thread, environment). The environment aborts them when it
// closes, so a stale entry is recognised by its environment id and never touched again.
struct cached_reader {
    std::uint64_t env_id;
    MDB_txn* txn;
    bool in_use;
};

thread_local std::vector<cached_reader> thread_readers;

cached_reader* find_cached(std::uint64_t env_id) {
    for (auto& c : thread_readers) {
        if (c.env_id == env_id) {
            return &c;
        }
    }
    return nullptr;
}

MDB_val to_val(std::string_view s) noexcept {
    return MDB_val{s.size(), const_cast<char*>(s.data())};
}

} // namespace

result<read_txn> read_txn::begin(environment& env) {
    cached_reader* c = find_cached(env.id());
    if (c != nullptr && !c->in_use) {
        const int rc = mdb_txn_renew(c->txn);
        if (rc != 0) {
            return lmdb_error(rc);
        }
        c->in_use = true;
        return read_txn(&env, c->txn, true);
    }
    MDB_txn* t = nullptr;
    const int rc = mdb_txn_begin(env.handle(), nullptr, MDB_RDONLY, &t);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    if (c == nullptr) {
        env.register_cached_reader(t);
        thread_readers.push_back({env.id(), t, true});
        return read_txn(&env, t, true);
    }
    return read_txn(&env, t, false);
}

read_txn::read_txn(read_txn&& other) noexcept
    : txn(std::move(other))
    , cached_(other.cached_) {}

read_txn::~read_txn() {
    if (txn_ == nullptr) {
        return;
    }
    if (cached_) {
        // Reset keeps the reader slot, so the next renew skips the reader-table mutex.
        mdb_txn_reset(txn_);
        if (cached_reader* c = find_cached(env_->id()); c != nullptr && c->txn == txn_) {
            c->in_use = false;
        }
    } else {
        mdb_txn_abort(txn_);
    }
}

result<write_txn> write_txn::begin(environment& env) {
    MDB_txn* t = nullptr;
    const int rc = mdb_txn_begin(env.handle(), nullptr, 0, &t);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    return write_txn(&env, t, nullptr);
}

result<write_txn> write_txn::begin_child(write_txn& parent) {
    MDB_txn* t = nullptr;
    const int rc = mdb_txn_begin(parent.env_->handle(), parent.txn_, 0, &t);
    if (rc != 0) {
        return lmdb_error(rc);
    }
    return write_txn(parent.env_, t, &parent);
}

write_txn::~write_txn() {
    abort();
}

std::error_code write_txn::commit() {
    // LMDB frees the transaction even when the commit fails, so drop the handle first.
    MDB_txn* t = txn_;
    txn_ = nullptr;
    const int rc = mdb_txn_commit(t);
    if (rc != 0) {
        after_.clear();
        undo();
        return lmdb_error(rc);
    }
    if (parent_ != nullptr) {
        for (auto& fn : after_) {
            parent_->after_.push_back(std::move(fn));
        }
        for (auto& fn : undo_) {
            parent_->undo_.push_back(std::move(fn));
        }
    } else {
        for (auto& fn : after_) {
            fn();
        }
    }
    after_.clear();
    undo_.clear();
    return {};
}

void write_txn::abort() noexcept {
    after_.clear();
    if (txn_ != nullptr) {
        mdb_txn_abort(txn_);
        txn_ = nullptr;
    }
    undo();
}

void write_txn::undo() noexcept {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
        (*it)();
    }
    undo_.clear();
}

std::optional<std::string_view> get(const txn& t, MDB_dbi dbi, std::string_view key) {
    MDB_val k = to_val(key);
    MDB_val v{};
    const int rc = mdb_get(t.handle(), dbi, &k, &v);
    if (rc == MDB_NOTFOUND || rc == MDB_BAD_VALSIZE) {
        return std::nullopt; // a key too long to store cannot be there either
    }
    if (rc != 0) {
        fail(lmdb_error(rc), "mdb_get");
    }
    return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

std::error_code put(write_txn& t, MDB_dbi dbi, std::string_view key, std::string_view value,
                    unsigned flags) {
    MDB_val k = to_val(key);
    MDB_val v = to_val(value);
    const int rc = mdb_put(t.handle(), dbi, &k, &v, flags);
    if (rc == MDB_KEYEXIST) {
        return make_error_code(errc::conflict);
    }
    if (rc == MDB_BAD_VALSIZE) {
        return make_error_code(errc::too_long); // the client's input, not a store failure
    }
    return rc == 0 ? std::error_code{} : lmdb_error(rc);
}

result<bool> del(write_txn& t, MDB_dbi dbi, std::string_view key) {
    MDB_val k = to_val(key);
    const int rc = mdb_del(t.handle(), dbi, &k, nullptr);
    if (rc == MDB_NOTFOUND) {
        return false;
    }
    if (rc != 0) {
        return result<bool>(boost::system::in_place_error, lmdb_error(rc));
    }
    return true;
}

cursor::cursor(const txn& t, MDB_dbi dbi) {
    if (const int rc = mdb_cursor_open(t.handle(), dbi, &cur_); rc != 0) {
        cur_ = nullptr;
        fail(lmdb_error(rc), "mdb_cursor_open");
    }
}

cursor::~cursor() {
    if (cur_ != nullptr) {
        mdb_cursor_close(cur_);
    }
}

bool cursor::op(MDB_cursor_op o, std::string_view key) {
    if (o == MDB_SET_RANGE) {
        k_ = to_val(key);
    }
    const int rc = mdb_cursor_get(cur_, &k_, &v_, o);
    if (rc == MDB_NOTFOUND || rc == MDB_BAD_VALSIZE) {
        return false;
    }
    if (rc != 0) {
        fail(lmdb_error(rc), "mdb_cursor_get");
    }
    return true;
}

bool cursor::seek_before(std::string_view key) {
    if (seek(key)) {
        return prev();
    }
    return last();
}

bool cursor::seek_last_with_prefix(std::string_view prefix) {
    // The smallest key greater than every key with this prefix: increment the last byte that
    // is not 0xff and cut the rest.
    std::string upper(prefix);
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) {
        upper.pop_back();
    }
    bool found = false;
    if (upper.empty()) {
        found = last();
    } else {
        upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
        found = seek_before(upper);
    }
    return found && has_prefix(key(), prefix);
}

std::vector<std::uint64_t> ids_under(const txn& t, MDB_dbi dbi, std::uint64_t first) {
    std::vector<std::uint64_t> out;
    const std::string prefix = u64_key(first);
    cursor c(t, dbi);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        if (c.key().size() >= 16) {
            out.push_back(key_u64(c.key(), 8));
        }
    }
    return out;
}

std::error_code cursor::del_current() {
    const int rc = mdb_cursor_del(cur_, 0);
    return rc == 0 ? std::error_code{} : lmdb_error(rc);
}

} // namespace packyard::store
