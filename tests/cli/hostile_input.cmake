# Hostile history files through the `fengqiao` tool (issue 12): the process must answer
# with exit code 2 and the line, never die. CLI is the tool, DATA tests/data/cli, OUT a
# scratch directory.
function(expect_refused file line)
  execute_process(COMMAND ${CLI} replay ${file} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "replay ${file}: exit code ${rc}, expected 2 (invalid_history)\n${out}${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "invalid_history at line ${line}")
    message(FATAL_ERROR "replay ${file}: expected invalid_history at line ${line}, got:\n${out}${err}")
  endif()
endfunction()

set(header "{\"format\":\"fengqiao-history\",\"version\":2,\"utc_offset\":\"+08:00\"}\n")
set(register "{\"at\":\"2025-09-01T09:00:00+08:00\",\"case\":\"C-1\",\"action\":\"register\",\"actor\":{\"id\":\"u1\",\"role\":\"intake\",\"org\":\"center\"},\"data\":{\"channel\":\"walk_in\",\"category\":\"neighbour\",\"urgency\":\"normal\",\"jurisdiction\":[\"a\"],\"parties\":[{\"name\":\"W\"}],\"summary\":\"s\"}}\n")
string(REPEAT "[" 70000 open)
string(REPEAT "]" 70000 close)
set(deep "${open}${close}")
# ~70,000 nested arrays: in an event's level (SIGSEGV, exit 139, before), an expectation's
# lead and an action's data.
file(WRITE ${OUT}/deep-level.jsonl "${header}${register}{\"at\":\"2025-09-01T10:00:00+08:00\",\"case\":\"C-1\",\"event\":\"escalated\",\"stage\":\"dispatch\",\"level\":${deep}}\n")
file(WRITE ${OUT}/deep-lead.jsonl "${header}${register}{\"at\":\"2025-09-01T10:00:00+08:00\",\"case\":\"C-1\",\"expect\":{\"lead\":${deep}}}\n")
file(WRITE ${OUT}/deep-data.jsonl "${header}${register}{\"at\":\"2025-09-01T10:00:00+08:00\",\"case\":\"C-1\",\"action\":\"accept\",\"actor\":{\"id\":\"h\",\"role\":\"handler\",\"org\":\"x\"},\"data\":{\"x\":${deep}}}\n")
foreach(name deep-level deep-lead deep-data)
  expect_refused(${OUT}/${name}.jsonl 3)
endforeach()
# Past the last year Boost writes, after conversion to +08:00: escaped as an exception
# with no line number.
file(WRITE ${OUT}/year-10000.jsonl "${header}{\"at\":\"9999-12-31T23:00:00-05:00\",\"tick\":true}\n")
expect_refused(${OUT}/year-10000.jsonl 2)
# A raw NUL byte hid the failing expectation after it: the file replayed clean.
expect_refused(${DATA}/nul-byte.jsonl 3)
expect_refused(${DATA}/invalid-utf8.jsonl 2)

# --json with a clean file and one of invalid UTF-8: valid JSON holding both results
# (before, dump() threw and nothing was printed).
execute_process(COMMAND ${CLI} replay --json ${DATA}/../histories/01-closed-loop.jsonl ${DATA}/invalid-utf8.jsonl
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "replay --json: exit code ${rc}, expected 2\n${out}${err}")
endif()
string(JSON n ERROR_VARIABLE bad LENGTH "${out}" results)
if(bad OR NOT n EQUAL 2)
  message(FATAL_ERROR "replay --json did not print valid JSON with two results (${bad}):\n${out}${err}")
endif()
string(JSON first GET "${out}" results 0 clean)
string(JSON second GET "${out}" results 1 failure kind)
string(JSON line GET "${out}" results 1 failure line)
if(NOT first STREQUAL "ON" OR NOT second STREQUAL "invalid_history" OR NOT line EQUAL 2)
  message(FATAL_ERROR "replay --json: expected the first file clean, the second invalid_history at line 2:\n${out}")
endif()
