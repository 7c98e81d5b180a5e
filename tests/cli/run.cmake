# run(EXPECT MATCH COMMAND...), shared by the CLI test scripts: runs COMMAND (its standard
# input from the file RUN_INPUT when that is set) and fails the test unless it exits with
# EXPECT and its stdout + stderr match MATCH. Leaves its stdout in `out`.
function(run expect match)
  set(input "")
  if(DEFINED RUN_INPUT)
    set(input INPUT_FILE ${RUN_INPUT})
  endif()
  execute_process(COMMAND ${ARGN} ${input} RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  if(NOT rc EQUAL expect OR NOT "${stdout}${stderr}" MATCHES "${match}")
    message(FATAL_ERROR "${ARGN}: exit code ${rc}, expected ${expect} with output matching '${match}'\n"
                        "stdout:\n${stdout}\nstderr:\n${stderr}")
  endif()
  message(STATUS "${stdout}${stderr}")
  set(out "${stdout}" PARENT_SCOPE)
endfunction()
