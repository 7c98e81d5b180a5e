# Builds and runs examples/custom_storage the way an outside project would: install this
# build tree into a private prefix, configure the example against it with find_package,
# build it, run its conformance test. Run with
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P custom_storage_example.cmake
set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
# No build type: no optimisation, the quickest compile of the kit's templates. The
# example is our code, so it is held to our warnings; fengqiao's and doctest's headers come
# in through imported targets, as system headers.
step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/custom_storage -B ${build} -DCMAKE_PREFIX_PATH=${prefix}
     "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror")
step(${CMAKE_COMMAND} --build ${build} -j2)
execute_process(COMMAND ${build}/journal_storage_conformance RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the custom adapter fails the conformance kit")
endif()
