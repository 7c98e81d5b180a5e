# "-" is standard input for every command that reads a history. CLI is the tool, HISTORY a
# clean sample, CASE a case of it, WORK a scratch directory.
function(run_with_stdin expect match)
  execute_process(COMMAND ${CLI} ${ARGN} INPUT_FILE ${HISTORY} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expect OR NOT "${out}${err}" MATCHES "${match}")
    message(FATAL_ERROR "${ARGN} < ${HISTORY}: exit ${rc} (expected ${expect}), output not matching '${match}':\n${out}${err}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
run_with_stdin(0 "<stdin>: clean — " replay -)
run_with_stdin(0 "^\\{\"format\":\"fengqiao-history\"" export --history -)
run_with_stdin(0 "^\\{\"format\":\"fengqiao-history\"" export --history=-)
run_with_stdin(0 "imported <stdin> into .*in.db: 1 cases" import --db ${WORK}/in.db -)
run_with_stdin(0 "Case ${CASE} — " show --history - ${CASE})
