"""fengqiao through its Python bindings on the peers' workload: the same six-step loop,
actors and data as fengqiao_flow.cpp (benchmarks/common/workload.hpp), one engine on
MemoryStorage keeping every case and event, the same untimed warm-up (min(2000, cases)).
What a Python caller pays on top of the C++ engine: argument conversion (dicts to JSON),
the returned snapshot converted to a Python object, and the interpreter's own loop.

    PYTHONPATH=BUILD/python python3 benchmarks/peers/python_flow.py CASES
    -> one JSON line: {"engine": "fengqiao (Python)", ...}
"""
import json
import sys
import time

import fengqiao

INTAKE = fengqiao.Actor("u-intake-1", "intake", "center")
DISPATCHER = fengqiao.Actor("u-disp-1", "dispatcher", "center")
HANDLER = fengqiao.Actor("u-hj-1", "handler", "justice_xilinji")
REGISTRATION = {
    "channel": "walk_in",
    "category": "neighbour",
    "urgency": "normal",
    "jurisdiction": ["daxinganling", "mohe", "xilinji"],
    "parties": [{"name": "Wang Li"}, {"name": "Zhao Gang"}],
    "summary": "Dispute over a shared fence.",
}
DISPATCH = {"route": "people_mediation", "lead": "justice_xilinji", "co": ["police_xilinji"]}
RESOLVE = {"method": "people_mediation", "agreement": "Fence moved 0.5 m east."}
FEEDBACK = {"medium": "phone", "content": "Agreement sent."}
FOLLOW_UP = {"satisfaction": "satisfied"}


def lifecycle(engine, case_id):
    engine.register_case(case_id, INTAKE, REGISTRATION)
    engine.act(case_id, "dispatch", DISPATCHER, DISPATCH)
    engine.act(case_id, "accept", HANDLER)
    engine.act(case_id, "resolve", HANDLER, RESOLVE)
    engine.act(case_id, "give_feedback", DISPATCHER, FEEDBACK)
    engine.act(case_id, "follow_up", DISPATCHER, FOLLOW_UP)


def main():
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    # Monday 2025-09-01 09:00 +08:00, as kMonday9am.
    engine = fengqiao.Engine(storage=fengqiao.MemoryStorage(),
                             clock=fengqiao.ManualClock("2025-09-01T09:00:00+08:00"))
    warm = min(2000, cases)
    for i in range(warm):
        lifecycle(engine, "warm-%08d" % i)
    t0 = time.perf_counter()
    for i in range(cases):
        lifecycle(engine, "C-%08d" % i)
    seconds = time.perf_counter() - t0
    if engine.count(state="closed") != cases + warm:
        sys.exit("not every case closed")
    print(json.dumps({"engine": "fengqiao (Python)", "version": fengqiao.__version__, "cases": cases,
                      "actions": 6 * cases, "seconds": seconds, "actions_per_s": 6 * cases / seconds,
                      "lifecycles_per_s": cases / seconds}))


if __name__ == "__main__":
    main()
