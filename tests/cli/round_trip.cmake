# export --history, then replay the export: the round trip through files.
execute_process(COMMAND ${CLI} export --history ${HISTORY} --out ${OUT} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "export failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${CLI} replay ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "replaying the export failed (${rc}): ${out}${err}")
endif()
