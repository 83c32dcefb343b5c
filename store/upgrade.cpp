#include "store/upgrade.hpp"

#include "store/codec.hpp"
#include "store/packages.hpp"
#include "store/schema.hpp"
#include "store/txn.hpp"

namespace packyard::store {

std::error_code upgrade(environment& env) {
    const std::uint32_t found = env.found_schema_version();
    if (found >= schema_version) {
        return {};
    }
    auto t = write_txn::begin(env);
    if (!t) {
        return t.error();
    }
    if (found < 2) {
        // 2: the package-name trigram index (package_names) and sort keys in the project's
        // name-order summaries.
        if (auto ec = rebuild_name_index(*t)) {
            return ec;
        }
    }
    value_writer w;
    w.u32(schema_version);
    if (auto ec = put(*t, t->db().meta, "schema_version", w.view())) {
        return ec;
    }
    if (auto ec = t->commit()) {
        return ec;
    }
    env.set_found_schema_version(schema_version);
    return {};
}

} // namespace packyard::store
