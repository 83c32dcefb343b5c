// The declarative schema (store/schema.hpp) and the table of docs/store-schema.md describe the
// same databases with the same words: a change to one without the other fails here.

#include "store/schema.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

using namespace packyard::store;

namespace {

using row = std::tuple<std::string, std::string, std::string>; // database, key, value

std::string trimmed(std::string s) {
    while (!s.empty() && s.front() == ' ') {
        s.erase(s.begin());
    }
    while (!s.empty() && s.back() == ' ') {
        s.pop_back();
    }
    return s;
}

/// Every row of the schema table: "| `a`, `b` | key | value |" gives (a, key, value) and
/// (b, key, value).
std::set<row> documented() {
    std::ifstream in(PACKYARD_SOURCE_DIR "/docs/store-schema.md");
    BOOST_REQUIRE(in);
    std::set<row> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("| `", 0) != 0) {
            continue;
        }
        std::vector<std::string> cells;
        std::istringstream parts(line.substr(1));
        std::string cell;
        while (std::getline(parts, cell, '|')) {
            cells.push_back(trimmed(cell));
        }
        BOOST_REQUIRE_MESSAGE(cells.size() >= 3, line);
        std::istringstream names(cells[0]);
        std::string name;
        while (std::getline(names, name, ',')) {
            name = trimmed(name);
            BOOST_REQUIRE_MESSAGE(name.size() > 2 && name.front() == '`' && name.back() == '`',
                                  line);
            out.emplace(name.substr(1, name.size() - 2), cells[1], cells[2]);
        }
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(schema_table)

BOOST_AUTO_TEST_CASE(the_documented_table_is_the_schema) {
    std::set<row> declared;
    for (const auto& l : schema) {
        declared.emplace(std::string(l.name), std::string(l.key), std::string(l.value));
    }
    const auto docs = documented();
    for (const auto& r : declared) {
        BOOST_TEST(docs.count(r) == 1u, "not in docs/store-schema.md: " << std::get<0>(r) << " | "
                                                                        << std::get<1>(r) << " | "
                                                                        << std::get<2>(r));
    }
    for (const auto& r : docs) {
        BOOST_TEST(declared.count(r) == 1u, "not in store/schema.hpp: " << std::get<0>(r) << " | "
                                                                        << std::get<1>(r) << " | "
                                                                        << std::get<2>(r));
    }
}

BOOST_AUTO_TEST_SUITE_END()
