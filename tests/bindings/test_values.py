"""Python values in and out: dict <-> JSON, datetimes, read-only snapshots and events."""

import datetime as dt
import json
import unittest

import fengqiao
from fixtures import CST, Bench, at, dispatcher, intake, lead_handler, registration


class JsonConversion(unittest.TestCase):
    def setUp(self):
        self.bench = Bench()
        self.e = self.bench.engine
        self.e.register_case("C-1", intake, registration())
        self.e.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        self.e.act("C-1", "accept", lead_handler)

    def stored_data(self, data):
        """Extra keys ride along in an action's data and come back as given."""
        payload = {"plan": "x", "extra": data}
        self.e.act("C-1", "start_consultation", lead_handler, {"orgs": ["police_xilinji"]})
        self.e.act("C-1", "end_consultation", lead_handler, payload)
        return self.e.history("C-1")[-1].data["extra"]

    def test_every_json_type_round_trips(self):
        value = {
            "none": None, "true": True, "false": False, "zero": 0, "negative": -7,
            "big": 2**63 - 1, "unsigned": 2**64 - 1, "float": 2.5, "text": "调解协议 ✓",
            "list": [1, "two", [3.0, None]], "tuple": (1, 2), "nested": {"a": {"b": {"c": []}}}, "empty": {},
        }
        back = self.stored_data(value)
        expected = dict(value, tuple=[1, 2])
        self.assertEqual(back, expected)
        self.assertIs(type(back["true"]), bool)
        self.assertIs(type(back["zero"]), int)
        self.assertIs(type(back["float"]), float)

    def test_non_json_values_are_invalid_data_naming_the_path(self):
        loop = []
        loop.append(loop)
        cases = [
            ({"orgs": ["a"], "x": {1, 2}}, "data.x"),
            ({"orgs": ["a"], "x": float("nan")}, "data.x"),
            ({"orgs": ["a"], "x": {1: "a"}}, "data.x"),
            ({"orgs": ["a"], "x": [0, 2**64]}, "data.x[1]"),
            ({"orgs": ["a"], "x": dt.date(2025, 1, 1)}, "data.x"),
            ({"orgs": ["a"], "x": loop}, "data.x"),
            ({"orgs": ["a"], "x": "\ud800"}, "data.x"),
        ]
        for data, path in cases:
            with self.subTest(path=path, value=repr(data["x"])[:30]):
                with self.assertRaises(fengqiao.InvalidData) as cm:
                    self.e.act("C-1", "start_consultation", lead_handler, data)
                self.assertTrue(cm.exception.message.startswith(path), cm.exception.message)
        self.assertEqual(self.e.get("C-1").state, "handling")

    def test_to_dict_is_json_serialisable(self):
        c = self.e.get("C-1")
        d = c.to_dict()
        json.dumps(d)
        self.assertEqual(d["state"], "handling")
        self.assertEqual(d["lead"], "justice_xilinji")
        for ev in self.e.history("C-1"):
            json.dumps(ev.to_dict())
        self.assertEqual(self.e.history("C-1")[0].to_dict()["action"], "register")
        self.assertEqual(intake.to_dict(), {"id": "u-intake-1", "role": "intake", "org": "center"})


class Times(unittest.TestCase):
    def test_datetimes_are_aware_and_in_the_calendar_offset(self):
        b = Bench()
        c = b.engine.register_case("C-1", intake, registration())
        self.assertEqual(c.deadline.utcoffset(), dt.timedelta(hours=8))
        self.assertEqual(c.deadline, dt.datetime(2025, 9, 3, tzinfo=CST))
        self.assertEqual(c.registered_at, at("2025-09-01T09:00:00+08:00"))
        self.assertEqual(b.engine.history("C-1")[0].at, c.registered_at)
        self.assertEqual(c.next_due, at("2025-09-02T00:00:00+08:00"))

        ny = fengqiao.Engine(clock=fengqiao.ManualClock("2025-09-01T09:00:00+08:00"),
                             calendar=fengqiao.BusinessCalendar("-05:00"))
        c = ny.register_case("C-1", intake, registration())
        self.assertEqual(c.registered_at.utcoffset(), dt.timedelta(hours=-5))
        self.assertEqual(c.registered_at, at("2025-09-01T09:00:00+08:00"))

    def test_times_in_any_offset_or_as_strings_mean_the_same_instant(self):
        clock = fengqiao.ManualClock(dt.datetime(2025, 9, 1, 1, 0, tzinfo=dt.timezone.utc))
        self.assertEqual(clock.now(), at("2025-09-01T09:00:00+08:00"))
        self.assertEqual(clock.now().utcoffset(), dt.timedelta(0))
        clock.advance(dt.timedelta(minutes=90))
        clock.advance(30)
        self.assertEqual(clock.now(), at("2025-09-01T10:30:30+08:00"))
        clock.set("2025-09-01T00:00:00.999Z")
        self.assertEqual(clock.now(), at("2025-09-01T00:00:00+00:00"))
        clock.set(dt.datetime(2025, 9, 1, 0, 0, 0, 999999, tzinfo=dt.timezone.utc))
        self.assertEqual(clock.now(), at("2025-09-01T00:00:00+00:00"))
        self.assertEqual(fengqiao.ManualClock().now(), dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
        self.assertLess(abs(fengqiao.SystemClock().now() - dt.datetime.now(dt.timezone.utc)), dt.timedelta(seconds=5))

    def test_times_without_offset_are_refused(self):
        with self.assertRaises(fengqiao.InvalidData):
            fengqiao.ManualClock(dt.datetime(2025, 9, 1))
        with self.assertRaises(fengqiao.InvalidData):
            fengqiao.ManualClock("2025-09-01T09:00:00")
        with self.assertRaises(fengqiao.InvalidData):
            Bench().engine.advance_to(dt.datetime(2025, 9, 1))


class ReadOnlyViews(unittest.TestCase):
    def test_snapshots_and_events_cannot_be_changed(self):
        e = Bench().engine
        c = e.register_case("C-1", intake, registration())
        ev = e.history("C-1")[0]
        for obj, attr in ((c, "state"), (ev, "seq"), (intake, "role")):
            with self.subTest(attr=attr), self.assertRaises(AttributeError):
                setattr(obj, attr, "x")
        c.parties.append({"name": "Someone"})
        self.assertEqual(len(c.parties), 2)

    def test_a_snapshot_stays_what_it_was(self):
        b = Bench()
        old = b.engine.register_case("C-1", intake, registration())
        b.engine.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        self.assertEqual(old.state, "registered")
        self.assertEqual(b.engine.get("C-1").state, "dispatched")

    def test_reprs_and_vocabulary(self):
        e = Bench().engine
        c = e.register_case("C-1", intake, registration())
        self.assertIn("registered", repr(c))
        self.assertIn("register", repr(e.history("C-1")[0]))
        self.assertEqual(repr(intake), "Actor('u-intake-1', 'intake', 'center')")
        self.assertEqual(fengqiao.Actor("a", "citizen"), fengqiao.Actor("a", "citizen", ""))
        self.assertEqual(len({fengqiao.Actor("a", "citizen"), fengqiao.Actor("a", "citizen")}), 1)
        with self.assertRaises(fengqiao.InvalidData):
            fengqiao.Actor("a", "king")
        self.assertIn("return", fengqiao.ACTIONS)
        self.assertEqual(fengqiao.STATES[0], "registered")
        self.assertEqual(fengqiao.STATES[-1], "withdrawn")
        self.assertIn("grid_worker", fengqiao.ROLES)
        self.assertEqual(fengqiao.SUPERVISION, ("on_track", "warning", "overdue", "escalated"))
        self.assertEqual(fengqiao.STAGES[-1], "follow_up")
        self.assertTrue(fengqiao.__version__)


if __name__ == "__main__":
    unittest.main()
