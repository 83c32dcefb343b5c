# Warnings live on an INTERFACE target so they reach our code only, never third-party headers.
add_library(packyard_warnings INTERFACE)
target_compile_options(packyard_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op>
  # GCC 12 pairs Asio's awaitable-frame operator delete with the wrong new when it inlines a
  # coroutine frame allocation: a false positive on every non-trivial awaitable.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
if(PACKYARD_WERROR)
  target_compile_options(packyard_warnings INTERFACE -Werror)
endif()
