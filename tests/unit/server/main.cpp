#define BOOST_TEST_MODULE packyard_unit_server
#include <boost/test/unit_test.hpp>
