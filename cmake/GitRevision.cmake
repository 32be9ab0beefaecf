# Writes OUT (a header with the git revision of SRC) only when the revision changed, so a build
# after a commit recompiles the one file that prints it. "unknown" outside a git checkout.
execute_process(
  COMMAND git -C "${SRC}" describe --always --dirty --abbrev=12
  OUTPUT_VARIABLE rev
  OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR rev STREQUAL "")
  set(rev "unknown")
endif()
file(WRITE "${OUT}.tmp"
  "#pragma once\nnamespace ats {\ninline constexpr const char* kGitRevision = \"${rev}\";\n}  // namespace ats\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
