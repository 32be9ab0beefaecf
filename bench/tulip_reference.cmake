# Optional: Tulip Indicators (the amalgamation shipped in the npm package `tulind` 0.8.20), for
# the indicator benchmark only; never linked into ats. Off unless configured with
#   -DATS_TULIP_SOURCE_DIR=<extracted npm package>/package/external
# (scripts/fetch-bench-refs.sh fetches and checks it). The caller enables C first.
if(ATS_TULIP_SOURCE_DIR AND NOT TARGET ats_tulip_reference)
  add_library(ats_tulip_reference STATIC ${ATS_TULIP_SOURCE_DIR}/tiamalgamation.c)
  target_include_directories(ats_tulip_reference SYSTEM PUBLIC ${ATS_TULIP_SOURCE_DIR})
  target_compile_options(ats_tulip_reference PRIVATE -O2 -w)
  target_link_libraries(ats_tulip_reference PUBLIC m)
endif()
