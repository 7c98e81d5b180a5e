#!/usr/bin/env bash
# The PostgreSQL scenarios (bench_postgres) against a throwaway PostgreSQL 15 cluster
# started as the tests start theirs (tests/postgres/pg_cluster.sh), stopped afterwards;
# writes the figures into benchmarks/RESULTS.md's PostgreSQL section (report_postgres.py).
#
#   benchmarks/postgres/run_postgres.sh BUILD_DIR [--durable] [--sweep-n N] [--seconds S]
#
#   --durable     the server with fsync, synchronous_commit and full_page_writes on
#                 (the tests' cluster turns them off)
#   --sweep-n N   open cases in the sweep (default 1,000,000)
#   --seconds S   seconds each actions run lasts (default 5)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: run_postgres.sh BUILD_DIR [--durable] [--sweep-n N] [--seconds S]" >&2; exit 2; }
build="$(cd "$1" && pwd)"
shift
durable=0 sweep_n=1000000 seconds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --durable) durable=1 ;;
    --sweep-n) sweep_n="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    *) echo "run_postgres.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
bench="$build/benchmarks/postgres/bench_postgres"
[ -x "$bench" ] || { echo "run_postgres.sh: $bench is missing; build target bench_postgres" >&2; exit 2; }

cluster="$build/bench-pg-cluster"
out="$build/bench-results-postgres"
mkdir -p "$out"
trap '"$root/tests/postgres/pg_cluster.sh" stop "$cluster"' EXIT
FENGQIAO_PG_DURABLE=$durable "$root/tests/postgres/pg_cluster.sh" start "$cluster"
mode=$([ "$durable" = 1 ] && echo durable || echo tests)
load="$(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
FQ_BENCH_DIR="$out" FQ_PG_CONNINFO="$(cat "$cluster/conninfo")" FQ_PG_SECONDS="$seconds" FQ_PG_SWEEP_N="$sweep_n" \
  "$bench" --benchmark_out="$out/postgres-$mode.json" --benchmark_out_format=json
python3 "$here/report_postgres.py" --json "$out/postgres-$mode.json" --mode "$mode" --load "$load" \
  --seconds "$(( $(date +%s) - t0 ))" --run-seconds "$seconds" \
  --command "benchmarks/postgres/run_postgres.sh \$BUILD$([ "$durable" = 1 ] && echo " --durable") --sweep-n $sweep_n --seconds $seconds" \
  --results "$root/benchmarks/RESULTS.md"
