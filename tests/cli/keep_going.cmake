# replay as a test tool: --keep-going reports each of the N divergences of a history (here
# 3: an expected deadline one working day early, an escalation a day early, a wrong level),
# and --json gives them as structured values. CLI is the tool, HISTORY
# tests/data/cli/three-divergences.jsonl, CLEAN a clean sample.
execute_process(COMMAND ${CLI} replay ${HISTORY} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "(divergence|expectation) at line [0-9]+" first "${out}${err}")
if(NOT rc EQUAL 1 OR NOT first STREQUAL "expectation at line 5")
  message(FATAL_ERROR "without --keep-going: exit ${rc}, expected 1 and the first failure only:\n${out}${err}")
endif()

execute_process(COMMAND ${CLI} replay --keep-going ${HISTORY} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "(divergence|expectation) at line [0-9]+" all "${out}${err}")
if(NOT rc EQUAL 1 OR NOT all STREQUAL "expectation at line 5;divergence at line 10;expectation at line 14"
   OR NOT "${err}" MATCHES "3 failures in 19 lines")
  message(FATAL_ERROR "--keep-going: exit ${rc}, expected 1 and the failures at lines 5, 10, 14:\n${out}${err}")
endif()
# The deadline ones explain the engine's instant and point at the calendar.
if(NOT "${err}" MATCHES "why: +handling clock started 2025-09-26T15:00:00\\+08:00: rule 15 working days"
   OR NOT "${err}" MATCHES "holidays in between: 2025-10-01 2025-10-02 2025-10-03 2025-10-06"
   OR NOT "${err}" MATCHES "hint: +the history's instant is 1 working day earlier than the engine's")
  message(FATAL_ERROR "--keep-going: no explanation or calendar hint for the deadline divergences:\n${err}")
endif()

# -k --json: valid JSON, expected/actual as fields (null for nothing, never "").
execute_process(COMMAND ${CLI} replay -k --json ${CLEAN} ${HISTORY} RESULT_VARIABLE rc OUTPUT_VARIABLE json
                ERROR_VARIABLE err)
string(JSON n ERROR_VARIABLE bad LENGTH "${json}" results 1 failures)
if(NOT rc EQUAL 1 OR bad OR NOT n EQUAL 3)
  message(FATAL_ERROR "replay -k --json: exit ${rc}, expected 1 and 3 failures (${bad}):\n${json}${err}")
endif()
# expect(GET value path...) / expect(TYPE type path...): the JSON at path.
function(expect mode value)
  string(JSON got ERROR_VARIABLE bad ${mode} "${json}" ${ARGN})
  if(bad OR NOT got STREQUAL value)
    message(FATAL_ERROR "${ARGN}: ${mode} '${got}', expected '${value}' (${bad}):\n${json}")
  endif()
endfunction()
# The clean file: no failure.
expect(TYPE NULL results 0 failure)
string(JSON n0 LENGTH "${json}" results 0 failures)
if(NOT n0 EQUAL 0)
  message(FATAL_ERROR "the clean file has ${n0} failures:\n${json}")
endif()
# 1. An expected deadline: the key checked and the two values.
expect(GET expectation results 1 failures 0 kind)
expect(GET 5 results 1 failures 0 line)
expect(GET S2-2025-0002 results 1 failures 0 case)
expect(GET 2025-10-23T00:00:00+08:00 results 1 failures 0 expected deadline)
expect(GET 2025-10-24T00:00:00+08:00 results 1 failures 0 actual deadline)
expect(GET 15 results 1 failures 0 explanation steps 1 working_day)
expect(GET 2025-10-11 results 1 failures 0 explanation makeup_days 1)
expect(TYPE STRING results 1 failures 0 hint)
# 2. An escalation recorded a day early: the engine generated nothing then (null), its next.
expect(GET divergence results 1 failures 1 kind)
expect(GET escalated results 1 failures 1 expected event)
expect(GET 1 results 1 failures 1 expected level)
expect(GET 2025-10-28T00:00:00+08:00 results 1 failures 1 expected at)
expect(TYPE NULL results 1 failures 1 actual event)
expect(GET 2025-10-29T00:00:00+08:00 results 1 failures 1 actual next at)
expect(GET 18 results 1 failures 1 explanation steps 2 working_day)
# 3. A level: numbers, no explanation, no hint (null, not "").
expect(TYPE NUMBER results 1 failures 2 expected level)
expect(GET 3 results 1 failures 2 actual level)
expect(TYPE NULL results 1 failures 2 explanation)
expect(TYPE NULL results 1 failures 2 hint)
