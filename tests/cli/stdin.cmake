# "-" is standard input for every command that reads a history. CLI is the tool, HISTORY a
# clean sample, CASE a case of it, WORK a scratch directory.
include(${CMAKE_CURRENT_LIST_DIR}/run.cmake)
set(RUN_INPUT ${HISTORY})

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
run(0 "<stdin>: clean — " ${CLI} replay -)
run(0 "^\\{\"format\":\"fengqiao-history\"" ${CLI} export --history -)
run(0 "^\\{\"format\":\"fengqiao-history\"" ${CLI} export --history=-)
run(0 "imported <stdin> into .*in.db: 1 cases" ${CLI} import --db ${WORK}/in.db -)
run(0 "Case ${CASE} — " ${CLI} show --history - ${CASE})
