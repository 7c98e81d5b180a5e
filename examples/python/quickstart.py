"""The quick start in Python: one dispute through the six-step closed loop.

Run with the built module on the path:
    PYTHONPATH=build/python python3 examples/python/quickstart.py
"""
import sys

import fengqiao

# An in-memory engine on the system clock, Sat/Sun off, +08:00.
engine = fengqiao.Engine()
engine.subscribe(lambda event, case: print(f"{case.id}: {event.name} -> {case.state}"))

intake = fengqiao.Actor("u-intake-1", "intake", "center")
dispatcher = fengqiao.Actor("u-disp-1", "dispatcher", "center")
handler = fengqiao.Actor("u-hj-1", "handler", "justice_xilinji")

# 1. Registration: the registering officer becomes the first responder.
engine.register_case("C-2025-0001", intake, {
    "channel": "walk_in",
    "category": "neighbour",
    "urgency": "normal",
    "jurisdiction": ["daxinganling", "mohe", "xilinji"],
    "parties": [{"name": "Wang Li"}, {"name": "Zhao Gang"}],
    "summary": "Dispute over a shared fence.",
})
# 2. Dispatch to a lead department on a legal route; it signs for the case.
engine.act("C-2025-0001", "dispatch", dispatcher,
           {"route": "people_mediation", "lead": "justice_xilinji", "co": ["police_xilinji"]})
engine.act("C-2025-0001", "accept", handler)
# 3. Handling ends in an agreement; 5. feedback to the party; 6. follow-up.
engine.act("C-2025-0001", "resolve", handler,
           {"method": "people_mediation", "agreement": "Fence moved 0.5 m east."})
engine.act("C-2025-0001", "give_feedback", dispatcher, {"medium": "phone", "content": "Agreement sent."})

# A refusal changes nothing and says why: its class and .code name the rule.
try:
    engine.act("C-2025-0001", "follow_up", handler, {"satisfaction": "satisfied"})
except fengqiao.Error as refused:
    print(f"refused: {refused.code}: {refused}")

closed = engine.act("C-2025-0001", "follow_up", dispatcher, {"satisfaction": "satisfied"})
print(f"final state: {closed.state}, events: {len(engine.history('C-2025-0001'))}")
sys.exit(0 if closed.state == "closed" else 1)
