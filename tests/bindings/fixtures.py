"""Shared helpers for the binding tests: the spec's sample actors, a registration
payload and an engine on a manual clock, so each test reads as the scenario it checks."""

import datetime as dt
import os
import threading

import fengqiao

CST = dt.timezone(dt.timedelta(hours=8))

# Paths come from CMake (FENGQIAO_TEST_DATA) so the tests run from any directory.
DATA = os.environ.get("FENGQIAO_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
HISTORIES = os.path.join(DATA, "histories")

NATIONAL_DAY_2025 = {
    "weekend": ["sat", "sun"],
    "holidays": ["2025-10-0%d" % d for d in range(1, 9)],
    "workdays": ["2025-09-28", "2025-10-11"],
}

intake = fengqiao.Actor("u-intake-1", "intake", "center")
dispatcher = fengqiao.Actor("u-disp-1", "dispatcher", "center")
supervisor = fengqiao.Actor("u-su-1", "supervisor", "center")
citizen = fengqiao.Actor("citizen-88", "citizen", "public")
lead_handler = fengqiao.Actor("u-hj-1", "handler", "justice_xilinji")
other_handler = fengqiao.Actor("u-hp-1", "handler", "police_xilinji")
admin = fengqiao.Actor("u-admin", "admin", "center")


def at(text):
    """An aware datetime from an ISO string, as the tests write times."""
    return dt.datetime.fromisoformat(text)


def registration(urgency="normal", category="neighbour"):
    return {
        "channel": "walk_in",
        "category": category,
        "urgency": urgency,
        "jurisdiction": ["daxinganling", "mohe", "xilinji"],
        "parties": [{"name": "Wang Li", "phone": "13900000001"}, {"name": "Zhao Gang"}],
        "summary": "Dispute over a shared fence between two households.",
    }


def dispatch_during_a_batch(bench, case_id="C-1"):
    """Dispatches `case_id` from another thread while this thread holds a batch open on the
    bench's engine; returns the Busy that thread got, or None if its dispatch went through."""
    raised = []

    def dispatch():
        try:
            bench.engine.act(case_id, "dispatch", dispatcher, {"route": "petition", "lead": "justice_xilinji"})
        except fengqiao.Busy as e:
            raised.append(e)

    with bench.engine.batch():
        other = threading.Thread(target=dispatch)
        other.start()
        other.join(10)
    return raised[0] if raised else None


class Bench:
    """An engine on a manual clock starting at `start`, with the National Day calendar."""

    def __init__(self, start="2025-09-01T09:00:00+08:00", rules=None, **options):
        self.clock = fengqiao.ManualClock(start)
        self.storage = options.pop("storage", None) or fengqiao.MemoryStorage()
        self.engine = fengqiao.Engine(storage=self.storage, clock=self.clock, calendar=NATIONAL_DAY_2025,
                                      rules=rules, **options)

    def set(self, when):
        self.clock.set(when)

    def to_handling(self, case_id="C-1", urgency="normal"):
        """Registers, dispatches to justice_xilinji and accepts: the case is in handling."""
        self.engine.register_case(case_id, intake, registration(urgency))
        self.engine.act(case_id, "dispatch", dispatcher,
                        {"route": "people_mediation", "lead": "justice_xilinji", "co": ["police_xilinji"]})
        return self.engine.act(case_id, "accept", lead_handler)
