#define BOOST_TEST_MODULE packyard_unit_routing
#include <boost/test/unit_test.hpp>
