#!/usr/bin/env bash
# Runs the six-step loop in fengqiao (C++, and Python when the bindings are built), XState
# and bpmn-engine on the same workload and prints one JSON line per engine.
#   benchmarks/peers/run_peers.sh BUILD_DIR [CASES] [BPMN_CASES]
# The npm packages are installed from package-lock.json into benchmarks/peers/node_modules.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "$1" && pwd)"
cases="${2:-20000}"
# bpmn-engine runs at a few hundred actions per second here: a smaller count keeps the
# run to about a minute (rates are per action; the warm-up is untimed in each engine).
bpmn_cases="${3:-1000}"
if [ ! -d "$here/node_modules/xstate" ] || [ ! -d "$here/node_modules/bpmn-engine" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
"$build/benchmarks/peers/bench_peer_fengqiao" "$cases"
# ... and on the fast path (Engine::apply), which issue 15 compares with the peers.
"$build/benchmarks/peers/bench_peer_fengqiao" "$cases" apply
# The same engine through the Python bindings, when the tree built them (issue 15: a Python
# caller's actions/s beside the C++ figure).
if [ -d "$build/python/fengqiao" ]; then
  PYTHONPATH="$build/python" python3 "$here/python_flow.py" "$cases"
fi
node "$here/xstate_flow.mjs" "$cases"
node "$here/bpmn_flow.mjs" "$bpmn_cases"
