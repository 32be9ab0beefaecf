# Optional: TA-Lib's own C library, built from the sources bundled in the npm package `talib`
# 1.1.6 (the build that produced the goldens), for the live comparison test and the benchmark
# only; it is never linked into ats. Off unless configured with
#   -DATS_TALIB_SOURCE_DIR=<extracted npm package>/package/src/lib
# Included from tests/indicators and bench; the caller enables C first.
if(ATS_TALIB_SOURCE_DIR AND NOT TARGET ats_talib_reference)
  # TA-Lib's own tree: its file list is TA-Lib's, so it is globbed rather than copied here.
  file(GLOB ATS_TALIB_SOURCES
    ${ATS_TALIB_SOURCE_DIR}/src/ta_func/*.c
    ${ATS_TALIB_SOURCE_DIR}/src/ta_common/*.c)
  add_library(ats_talib_reference STATIC ${ATS_TALIB_SOURCES})
  target_include_directories(ats_talib_reference
    SYSTEM PUBLIC ${ATS_TALIB_SOURCE_DIR}/include
    PRIVATE ${ATS_TALIB_SOURCE_DIR}/src/ta_common)
  # As the reference build: -O2, no -march (no FMA); TA-Lib's warnings are not ours.
  target_compile_options(ats_talib_reference PRIVATE -O2 -w)
  target_link_libraries(ats_talib_reference PUBLIC m)
endif()
