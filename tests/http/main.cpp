#define BOOST_TEST_MODULE packyard_http
#include <boost/test/unit_test.hpp>
