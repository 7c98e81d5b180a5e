# Run by ctest: configure the consumer project (SOURCE) against the fengqiao installed in
# PREFIX, asking for COMPONENTS (and OPTIONAL), with each package in HIDE made unfindable
# (all three comma-separated lists).
#   EXPECT_ERROR unset: the configure must pass; then build, and run each program.
#   EXPECT_ERROR set:   the configure must fail with output matching it.
#   EXPECT_OUTPUT set:  the configure output must match it.
# The consumer's own sources build with warnings as errors: they are our code too.
foreach(list COMPONENTS OPTIONAL HIDE)
  string(REPLACE "," ";" ${list} "${${list}}")
endforeach()

file(REMOVE_RECURSE ${PROJECT_BUILD})
# The project takes its lists comma-separated too, so that they stay one argument here.
string(REPLACE ";" "," components "${COMPONENTS}")
string(REPLACE ";" "," optional "${OPTIONAL}")
set(configure ${CMAKE_COMMAND} -S ${SOURCE} -B ${PROJECT_BUILD} -DCMAKE_PREFIX_PATH=${PREFIX}
              "-DCONSUMER_COMPONENTS=${components}" "-DCONSUMER_OPTIONAL_COMPONENTS=${optional}"
              "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror")
foreach(package IN LISTS HIDE)
  list(APPEND configure -DCMAKE_DISABLE_FIND_PACKAGE_${package}=ON)
endforeach()
execute_process(COMMAND ${configure} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)

if(DEFINED EXPECT_ERROR)
  if(rc EQUAL 0)
    message(FATAL_ERROR "the configure passed; it should have failed with \"${EXPECT_ERROR}\":\n${out}")
  endif()
  if(NOT "${out}${err}" MATCHES "${EXPECT_ERROR}")
    message(FATAL_ERROR "the configure failed, but not with \"${EXPECT_ERROR}\":\n${out}\n${err}")
  endif()
  message(STATUS "failed as expected:\n${err}")
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure failed (${rc}):\n${out}\n${err}")
endif()
if(DEFINED EXPECT_OUTPUT AND NOT "${out}" MATCHES "${EXPECT_OUTPUT}")
  message(FATAL_ERROR "the configure output does not match \"${EXPECT_OUTPUT}\":\n${out}")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BUILD} -j2
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "build failed (${rc}):\n${out}\n${err}")
endif()
foreach(program core ${COMPONENTS})
  execute_process(COMMAND ${PROJECT_BUILD}/${program}_consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${program}_consumer failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${program}_consumer: ${out}")
endforeach()
