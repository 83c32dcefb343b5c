// Every derived table is what its generator yields from the rows (store/derived.hpp): on a store
// written through the operations, each table holds exactly the generator's entries, and a
// table emptied and rebuilt holds them again. This holds the generators to the writes; the
// integrity check's own tests hold the check to the generators.

#include "store/derived.hpp"
#include "store/npm.hpp"
#include "written_store.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <utility>
#include <vector>

using namespace packyard::store;

namespace {

using entries = std::vector<std::pair<std::string, std::string>>;

std::string reduced(const derived_table& d, std::string_view value) {
    return std::string(d.derived_part != nullptr ? d.derived_part(value) : value);
}

entries generated(const txn& t, const derived_table& d) {
    entries out;
    d.generate(t, [&](std::string_view k, std::string_view v) {
        if (d.kept == nullptr || !d.kept(k)) {
            out.emplace_back(k, reduced(d, v));
        }
    });
    std::sort(out.begin(), out.end());
    return out;
}

entries stored(const txn& t, const derived_table& d) {
    entries out;
    cursor c(t, t.db().*d.dbi);
    for (bool ok = c.first(); ok; ok = c.next()) {
        if (d.kept == nullptr || !d.kept(c.key())) {
            out.emplace_back(c.key(), reduced(d, c.value()));
        }
    }
    return out; // LMDB's order, which is byte order for these tables
}

} // namespace

BOOST_AUTO_TEST_SUITE(derived_tables_of_the_rows)

BOOST_FIXTURE_TEST_CASE(each_table_is_what_its_generator_yields, testing::written_store) {
    auto t = read_txn::begin(*env);
    for (const auto& d : derived_tables()) {
        const auto want = generated(*t, d);
        BOOST_TEST(!want.empty(), d.name << " has entries in this store");
        BOOST_TEST((stored(*t, d) == want), d.name << " holds what the rows imply");
    }
}

BOOST_FIXTURE_TEST_CASE(an_emptied_table_is_rebuilt_from_the_rows, testing::written_store) {
    for (const auto& d : derived_tables()) {
        entries before;
        {
            auto t = read_txn::begin(*env);
            before = stored(*t, d);
        }
        auto w = write_txn::begin(*env);
        BOOST_REQUIRE(mdb_drop(w->handle(), w->db().*d.dbi, 0) == 0);
        BOOST_REQUIRE(rebuild(*w, d));
        BOOST_TEST((stored(*w, d) == before), d.name << " rebuilt as it was");
        BOOST_REQUIRE(!w->commit());
    }
}

BOOST_AUTO_TEST_SUITE_END()
