#define BOOST_TEST_MODULE packyard_unit_store
#include <boost/test/unit_test.hpp>
