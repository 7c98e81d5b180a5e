# import: a history into a SQLite store through the engine. Exporting the store gives the
# same history as exporting the replayed file (a round trip), and every refusal — the cases
# already there, other cases there, a history that does not replay clean — says so and
# changes nothing. CLI is the tool, HISTORY a sample with visits, OTHER another sample,
# DIVERGENT a history that does not replay clean, WORK a scratch directory.
include(${CMAKE_CURRENT_LIST_DIR}/run.cmake)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(db ${WORK}/center.db)
run(0 "imported .* into ${db}: [0-9]+ cases, [0-9]+ actions, [1-9][0-9]* visits" ${CLI} import ${HISTORY} --db=${db})

# The round trip: the store's export is the replayed file's export, byte for byte.
run(0 "" ${CLI} export --db ${db} --with-personal-data --out ${WORK}/from-store.jsonl)
run(0 "" ${CLI} export --history ${HISTORY} --with-personal-data --out ${WORK}/from-file.jsonl)
file(READ ${WORK}/from-store.jsonl from_store)
file(READ ${WORK}/from-file.jsonl from_file)
if(NOT from_store STREQUAL from_file)
  message(FATAL_ERROR "the imported store exports differently from the replayed history:\n${from_store}\n---\n${from_file}")
endif()
run(0 "clean" ${CLI} replay ${WORK}/from-store.jsonl)

# Refusals change nothing.
file(SHA256 ${db} before)
run(2 "already holds [0-9]+ of the history's cases \\(.*\\); nothing was imported" ${CLI} import ${HISTORY} --db ${db})
run(2 "already holds [0-9]+ other cases .*import into a new or empty store" ${CLI} import ${OTHER} --db ${db})
file(SHA256 ${db} after)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "a refused import changed ${db}")
endif()
run(1 "divergence at line 10.*does not replay clean; nothing was imported" ${CLI} import ${DIVERGENT} --db ${WORK}/new.db)
file(GLOB left ${WORK}/new.db*)
if(left)
  message(FATAL_ERROR "a failed import left files behind: ${left}")
endif()
run(2 "cannot open .*no-such.jsonl: No such file or directory" ${CLI} import ${WORK}/no-such.jsonl --db ${WORK}/new.db)
