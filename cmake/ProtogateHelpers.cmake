# Uniform, short target definitions. One directory = one library = one namespace.
#
# protogate_cc_library(NAME DEPS <targets...>)
#   Builds every *.cc of the current directory (tests live under tests/) into
#   protogate_<NAME>, aliased protogate::<NAME>.
# protogate_cc_test(NAME DEPS <targets...>)
#   Builds every *_test.cc of the current directory into one GoogleTest binary
#   <NAME>_test and registers its tests with ctest.

set(PROTOGATE_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
if(PROTOGATE_WERROR)
  list(APPEND PROTOGATE_WARNINGS -Werror)
endif()

function(protogate_cc_library NAME)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "(_test|_main|main)\\.cc$")
  if(NOT srcs)  # Header-only library.
    add_library(protogate_${NAME} INTERFACE)
    add_library(protogate::${NAME} ALIAS protogate_${NAME})
    target_include_directories(protogate_${NAME} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(protogate_${NAME} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(protogate_${NAME} ${srcs})
  add_library(protogate::${NAME} ALIAS protogate_${NAME})
  target_include_directories(protogate_${NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(protogate_${NAME} PRIVATE ${PROTOGATE_WARNINGS})
  target_link_libraries(protogate_${NAME} PUBLIC ${ARG_DEPS})
endfunction()

function(protogate_cc_test NAME)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(NOT srcs)
    return()
  endif()
  add_executable(${NAME}_test ${srcs})
  target_include_directories(${NAME}_test PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${NAME}_test PRIVATE ${PROTOGATE_WARNINGS})
  target_link_libraries(${NAME}_test PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${NAME}_test
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "PROTOGATE_TEST_BIN_DIR=${CMAKE_BINARY_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()
