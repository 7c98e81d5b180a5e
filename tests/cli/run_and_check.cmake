# Runs COMMAND (a ;-list) and checks its exit code is EXPECT; optionally that its output
# matches MATCH and does not match REJECT. Used by the CLI tests, where ctest's own
# pass/fail cannot tell 1 from 2.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL EXPECT)
  message(FATAL_ERROR "exit code ${rc}, expected ${EXPECT}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(DEFINED MATCH AND NOT "${out}${err}" MATCHES "${MATCH}")
  message(FATAL_ERROR "output does not match '${MATCH}'\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(DEFINED REJECT AND "${out}${err}" MATCHES "${REJECT}")
  message(FATAL_ERROR "output matches '${REJECT}', which it must not\nstdout:\n${out}\nstderr:\n${err}")
endif()
