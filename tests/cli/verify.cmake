# `fengqiao verify` as a user runs it, on a store and on its export: intact (exit 0), then
# tampered (exit 1, naming the case and the first event that does not match).
#   -DCLI=fengqiao -DFIXTURE=fengqiao_chain_fixture -DHISTORY=sample.jsonl -DWORK=dir
#   [-DPYTHON=python3 -DREFERENCE=chain_reference.py]: docs/CHAIN.md's check, without fengqiao
include(${CMAKE_CURRENT_LIST_DIR}/run.cmake)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(db ${WORK}/center.db)
run(0 "clean" ${FIXTURE} make ${HISTORY} ${db})

run(0 "hash chains intact — 1 cases, 11 events verified" ${CLI} verify --db ${db})
run(0 "hash chains intact" ${CLI} verify --db ${db} --case S2-2025-0002)
run(2 "unknown_case" ${CLI} verify --db ${db} --case NOPE)
run(2 "either --db" ${CLI} verify)

# A masked export (the default) has no hashes to verify for the cases it masks: verify
# says so, and how to make one that it can check.
run(0 "" ${CLI} export --db ${db} --out ${WORK}/masked.jsonl)
run(1 "export it with personal data to verify it" ${CLI} verify ${WORK}/masked.jsonl)
# The export with personal data carries every hash; verify replays it and recomputes each one.
run(0 "" ${CLI} export --db ${db} --with-personal-data --out ${WORK}/export.jsonl)
run(0 "clean .*11 event hashes match" ${CLI} verify ${WORK}/export.jsonl)
# One hash changed in the file: the first line whose event does not match.
file(STRINGS ${WORK}/export.jsonl lines)
set(out "")
set(n 0)
set(changed 0)
foreach(line IN LISTS lines)
  math(EXPR n "${n} + 1")
  if(NOT changed AND line MATCHES "\"event\":\"escalated\".*\"hash\":\"([0-9a-f]+)\"")
    string(REPLACE "${CMAKE_MATCH_1}" "0000000000000000000000000000000000000000000000000000000000000000" line "${line}")
    set(changed ${n})
  endif()
  string(APPEND out "${line}\n")
endforeach()
if(NOT changed)
  message(FATAL_ERROR "the export has no escalated event with a hash")
endif()
file(WRITE ${WORK}/tampered.jsonl "${out}")
run(1 "divergence at line ${changed}.*S2-2025-0002.*recomputed" ${CLI} verify ${WORK}/tampered.jsonl)

# The store edited behind fengqiao's back: event 3 moved an hour earlier.
file(COPY_FILE ${db} ${WORK}/tampered.db)
run(0 "1 rows changed" ${FIXTURE} shift ${WORK}/tampered.db 3 -3600)
run(1 "hash chain broken.*case:  S2-2025-0002.*event: 3.*does not match its hash" ${CLI} verify --db ${WORK}/tampered.db)
run(1 "\"seq\": 3" ${CLI} verify --db ${WORK}/tampered.db --json)
# An event deleted.
file(COPY_FILE ${db} ${WORK}/cut.db)
run(0 "1 rows changed" ${FIXTURE} sql ${WORK}/cut.db "DELETE FROM events WHERE seq = 5")
run(1 "event: 5.*is missing" ${CLI} verify --db ${WORK}/cut.db)

# docs/CHAIN.md's own check, in Python without fengqiao: the intact store passes, each
# tampered one fails naming its event.
if(PYTHON)
  run(0 "" ${PYTHON} ${REFERENCE} ${db})
  run(1 "S2-2025-0002: event 3 does not match its hash" ${PYTHON} ${REFERENCE} ${WORK}/tampered.db)
  run(1 "S2-2025-0002: event 5 is missing" ${PYTHON} ${REFERENCE} ${WORK}/cut.db)
endif()
