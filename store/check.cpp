#include "store/check.hpp"

#include "store/check_detail.hpp"
#include "store/derived.hpp"

namespace packyard::store {

std::uint64_t check_report::problems() const noexcept {
    std::uint64_t n = 0;
    for (const auto& r : results) {
        n += r.problems;
    }
    return n;
}

std::uint64_t check_report::unrepairable() const noexcept {
    std::uint64_t n = 0;
    for (const auto& r : results) {
        n += r.fix == remedy::none ? r.problems : 0;
    }
    return n;
}

const check_result* check_report::find(std::string_view name) const noexcept {
    for (const auto& r : results) {
        if (r.name == name) {
            return &r;
        }
    }
    return nullptr;
}

check_report check_store(environment& env, const blob_store& blobs, const check_options& o) {
    check_report report;
    check_detail::rows rows;
    {
        // One snapshot for every metadata check: while a server writes, they all see one
        // committed state, in which every rule holds.
        auto t = read_txn::begin(env);
        if (!t) {
            fail(t.error(), "begin read transaction");
        }
        rows = check_detail::read_rows(*t, report.results, o.examples);
        for (const auto& d : derived_tables()) {
            report.results.push_back(check_detail::compare_table(*t, d, o.examples));
        }
        check_detail::check_attached(*t, rows, report.results, o.examples);
        report.results.push_back(check_detail::check_cleanup(*t, rows, o.examples));
    }
    check_detail::check_blobs(env, blobs, rows, o, report.results);
    return report;
}

} // namespace packyard::store
