# ats_add_library(<layer> SOURCES ... PUBLIC_DEPS ... PRIVATE_DEPS ...)
# Creates the static library ats_<layer> with alias ats::<layer>. Public headers live in
# libs/<layer>/include/ats/<layer>/ and are included as "ats/<layer>/x.hpp".
function(ats_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ats_${name} STATIC ${ARG_SOURCES})
  add_library(ats::${name} ALIAS ats_${name})
  target_include_directories(ats_${name}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(ats_${name}
    PUBLIC ${ARG_PUBLIC_DEPS}
    PRIVATE ats_warnings ${ARG_PRIVATE_DEPS})
  target_compile_features(ats_${name} PUBLIC cxx_std_20)
endfunction()

# ats_add_test(<name> SOURCES ... DEPS ... [LABELS ...] [TIMEOUT seconds])
# One GoogleTest executable; each TEST becomes a CTest test through gtest_discover_tests.
function(ats_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} ats_warnings GTest::gtest_main GTest::gmock)
  # Shared test helpers (testkit.hpp, count_allocations.hpp) are included by name.
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    ATS_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data_files"
    ATS_BUNDLED_DATA_DIR="${PROJECT_SOURCE_DIR}/data")
  if(ARG_TIMEOUT)
    gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
      DISCOVERY_TIMEOUT 60)
  else()
    gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
