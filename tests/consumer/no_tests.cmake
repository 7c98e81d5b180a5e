# Run by ctest, configure only (nothing is compiled): fengqiao configured in WORK_DIR
#   top-level with -DBUILD_TESTING=OFF: no test program, no ctest entry;
#   embedded (EMBEDDER) in a project whose BUILD_TESTING is ON: none of fengqiao's either.
# GENERATOR and PYTHON (may be empty) make the scratch configure like the outer one.
function(configure name)
  file(REMOVE_RECURSE ${WORK_DIR}/${name})
  execute_process(COMMAND ${CMAKE_COMMAND} -G ${GENERATOR} -B ${WORK_DIR}/${name} ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configure of ${name} failed (${rc}):\n${out}\n${err}")
  endif()
  # The generator's list of targets; configure-time only, nothing is built.
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/${name} --target help
                  RESULT_VARIABLE rc OUTPUT_VARIABLE targets ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "listing the targets of ${name} failed (${rc}):\n${err}")
  endif()
  # If the listing did not name the library, the checks below would prove nothing.
  if(NOT targets MATCHES "fengqiao_core")
    message(FATAL_ERROR "${name}: the target listing does not name fengqiao_core:\n${targets}")
  endif()
  string(REGEX MATCHALL "test_[A-Za-z0-9_]+|fengqiao_test_main|fengqiao_cli|quickstart|bench_[a-z_]+" found "${targets}")
  set(found ${found} PARENT_SCOPE)
  set(targets ${targets} PARENT_SCOPE)
endfunction()

set(python "")
if(PYTHON)
  set(python -DPython_EXECUTABLE=${PYTHON})
endif()
configure(testing-off -S ${SOURCE_DIR} -DBUILD_TESTING=OFF ${python})
list(FILTER found INCLUDE REGEX "^test_|^fengqiao_test_main$")
if(found)
  message(FATAL_ERROR "BUILD_TESTING=OFF still defines test programs: ${found}")
endif()
file(GLOB_RECURSE ctest_files ${WORK_DIR}/testing-off/CTestTestfile.cmake)
if(ctest_files)
  message(FATAL_ERROR "BUILD_TESTING=OFF still registers tests: ${ctest_files}")
endif()

configure(embedded -S ${EMBEDDER} -DFENGQIAO_SOURCE_DIR=${SOURCE_DIR})
if(found)
  message(FATAL_ERROR "embedded fengqiao defines programs of its own: ${found}")
endif()
# The embedder's own test is registered (so registration works in this tree), and no
# directory of fengqiao's registers one.
file(READ ${WORK_DIR}/embedded/CTestTestfile.cmake embedder_tests)
if(NOT embedder_tests MATCHES "embedder_own_test")
  message(FATAL_ERROR "the embedder's own test is not registered:\n${embedder_tests}")
endif()
file(GLOB_RECURSE ctest_files ${WORK_DIR}/embedded/fengqiao/CTestTestfile.cmake)
foreach(file IN LISTS ctest_files)
  file(READ ${file} registered)
  if(registered MATCHES "add_test")
    message(FATAL_ERROR "embedded fengqiao registers tests in ${file}:\n${registered}")
  endif()
endforeach()
message(STATUS "no tests: BUILD_TESTING=OFF and embedded configures define none")
