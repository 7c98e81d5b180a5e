# Run by ctest: install BUILD_DIR into PREFIX, then build and run the consumer project.
file(REMOVE_RECURSE ${PREFIX} ${PROJECT_BUILD})
foreach(step
    "${CMAKE_COMMAND};--install;${BUILD_DIR};--prefix;${PREFIX}"
    "${CMAKE_COMMAND};-S;${SOURCE};-B;${PROJECT_BUILD};-DCMAKE_PREFIX_PATH=${PREFIX};-DCMAKE_BUILD_TYPE=Release"
    "${CMAKE_COMMAND};--build;${PROJECT_BUILD};-j2"
    "${PROJECT_BUILD}/consumer")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${step}\n${out}\n${err}")
  endif()
endforeach()
message(STATUS "consumer built against ${PREFIX} and ran: ${out}")
