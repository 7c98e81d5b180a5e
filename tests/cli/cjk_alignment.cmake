# Chinese department names of different lengths in the CLI's tables: the column after the
# name starts at the same display column (a name of n Chinese characters takes 2n columns;
# printf-style padding counted bytes and shifted it). CLI is the tool, HISTORY
# tests/data/cli/chinese-departments.jsonl, PYTHON and COLUMNS (display_columns.py), WORK a
# scratch directory.
include(${CMAKE_CURRENT_LIST_DIR}/run.cmake)
# The selectors' columns in `file` are equal (display_columns.py).
function(check_columns file)
  set(RUN_INPUT ${file})
  run(0 "" ${PYTHON} ${COLUMNS} ${ARGN})
endfunction()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${CLI} import --db ${WORK}/zh.db ${HISTORY} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "import failed (${rc}): ${out}${err}")
endif()

# report: the "By department" rows, and the by-jurisdiction ones.
execute_process(COMMAND ${CLI} report --db ${WORK}/zh.db OUTPUT_FILE ${WORK}/report.txt RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "report failed (${rc})")
endif()
check_columns(${WORK}/report.txt "  司法所 " "  县人民法院诉讼服务中心 ")
check_columns(${WORK}/report.txt "  西林吉镇 " "  北极镇 ")

# show: the events table, whose "by" column holds the handlers' Chinese orgs.
execute_process(COMMAND ${CLI} show --db ${WORK}/zh.db ZH-2 OUTPUT_FILE ${WORK}/show.txt RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "show failed (${rc})")
endif()
check_columns(${WORK}/show.txt "(intake, 综治中心)" "(handler, 县人民法院诉讼服务中心)")
