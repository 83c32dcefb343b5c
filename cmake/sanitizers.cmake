# Sanitizers reach compile and link lines through an INTERFACE target, never CMAKE_CXX_FLAGS.
add_library(packyard_sanitizers INTERFACE)
if(PACKYARD_SANITIZE)
  set(_san_flags -fsanitize=${PACKYARD_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang 14 cannot compile coroutines with -fsanitize=function; RapidJSON 1.1.0 trips
    # pointer-overflow on a null stack (Tencent/rapidjson#1724).
    list(APPEND _san_flags -fno-sanitize=function -fno-sanitize=pointer-overflow)
  endif()
  target_compile_options(packyard_sanitizers INTERFACE ${_san_flags}
    # GCC's flow analysis misfires under the sanitizers' instrumentation (inside Asio's
    # use_future, at -O1): the release build keeps the warning.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  target_link_options(packyard_sanitizers INTERFACE ${_san_flags})
endif()

# Common settings for every packyard target.
add_library(packyard_options INTERFACE)
target_link_libraries(packyard_options INTERFACE packyard_warnings packyard_sanitizers)
target_compile_definitions(packyard_options INTERFACE
  # Never RAPIDJSON_SSE2: RapidJSON 1.1.0's SSE2 Writer tests bytes <= 0x19 where JSON needs
  # < 0x20, so 0x1A-0x1F past a string's first aligned 16 bytes went out raw (invalid JSON; found
  # by tests/fuzz/json_writer_fuzz.cpp). json_writer checks plain strings 16 bytes at a time on
  # its own (routing/json.hpp), and parsing, always by length, had no SSE2 path to lose.
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW RAPIDJSON_HAS_STDSTRING=1)
target_include_directories(packyard_options INTERFACE ${PROJECT_SOURCE_DIR})
