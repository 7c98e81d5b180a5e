"""advance_to firing deadline events, and calendars and rules built from dicts."""

import datetime as dt
import unittest

import fengqiao
from fixtures import NATIONAL_DAY_2025, Bench, at, intake, lead_handler, registration, supervisor


class AdvanceTo(unittest.TestCase):
    def test_the_dispatch_clock_warns_goes_overdue_and_escalates(self):
        b = Bench()  # Monday 2025-09-01 09:00
        fired = []
        b.engine.subscribe(lambda ev, c: fired.append((ev.name, ev.stage, ev.level, ev.at, c.supervision, c.level))
                           if ev.type != "action" else None)
        b.engine.register_case("C-1", intake, registration())
        self.assertEqual(b.engine.next_due(), at("2025-09-02T00:00:00+08:00"))

        self.assertEqual(b.engine.advance_to("2025-09-01T23:59:59+08:00"), 0)
        self.assertEqual(b.engine.advance_to(at("2025-09-03T00:00:00+08:00")), 2)
        self.assertEqual(fired, [
            ("deadline_warning", "dispatch", 0, at("2025-09-02T00:00:00+08:00"), "warning", 0),
            ("deadline_overdue", "dispatch", 0, at("2025-09-03T00:00:00+08:00"), "overdue", 0),
        ])
        # The same or an earlier instant fires nothing again.
        self.assertEqual(b.engine.advance_to("2025-09-03T00:00:00+08:00"), 0)
        self.assertEqual(b.engine.advance_to("2025-09-01T00:00:00+08:00"), 0)

        # Escalation every 3 working days after the deadline (W_1 = 09-02): W_4 = Fri 09-05.
        fired.clear()
        self.assertEqual(b.engine.advance_to("2025-09-06T00:00:00+08:00"), 1)
        self.assertEqual(fired, [("escalated", "dispatch", 1, at("2025-09-06T00:00:00+08:00"), "escalated", 1)])
        c = b.engine.get("C-1")
        self.assertEqual((c.supervision, c.level, c.record["escalations"]), ("escalated", 1, 1))
        ev = b.engine.history("C-1")[-1]
        self.assertEqual((ev.type, ev.level, ev.notified), ("escalated", 1, ["mohe"]))
        self.assertEqual(len(b.engine.find(supervision="escalated")), 1)

    def test_an_action_first_fires_what_is_due_and_a_supervision_order_skips_a_step(self):
        b = Bench("2025-09-02T11:10:00+08:00")
        b.to_handling("C-1", urgency="emergency")  # handling: 1 working day, due 24:00 Wed 09-03
        b.set("2025-09-04T00:30:00+08:00")
        c = b.engine.act("C-1", "supervise", supervisor, {"order": "Report by noon."})
        names = [ev.name for ev in b.engine.history("C-1")]
        self.assertEqual(names[-3:], ["deadline_warning", "deadline_overdue", "supervise"])
        self.assertEqual((c.supervision, c.level), ("escalated", 1))
        # Level 1 (02:00) was reached by the order: it emits nothing; level 2 (04:00) fires.
        self.assertEqual(b.engine.advance_to("2025-09-04T05:00:00+08:00"), 1)
        last = b.engine.history("C-1")[-1]
        self.assertEqual((last.name, last.level, last.at), ("escalated", 2, at("2025-09-04T04:00:00+08:00")))

    def test_poll_uses_the_engine_clock(self):
        b = Bench()
        b.engine.register_case("C-1", intake, registration("urgent"))  # dispatch: 4 hours
        b.clock.advance(dt.timedelta(hours=4))
        self.assertEqual(b.engine.poll(), 2)
        self.assertEqual(b.engine.get("C-1").supervision, "overdue")


class Calendars(unittest.TestCase):
    def test_from_dict(self):
        cal = fengqiao.BusinessCalendar.from_dict(NATIONAL_DAY_2025)
        self.assertEqual(cal.utc_offset, "+08:00")
        self.assertFalse(cal.is_working_day("2025-10-01"))
        self.assertTrue(cal.is_working_day(dt.date(2025, 9, 28)))  # a Sunday worked (调休)
        self.assertFalse(cal.is_working_day(dt.date(2025, 9, 27)))
        # An instant names its day in the calendar's offset: 20:00 UTC on Sep 30 is Oct 1 in +08:00.
        self.assertFalse(cal.is_working_day(dt.datetime(2025, 9, 30, 20, tzinfo=dt.timezone.utc)))
        self.assertEqual(cal.to_dict()["holidays"], NATIONAL_DAY_2025["holidays"])
        self.assertEqual(fengqiao.BusinessCalendar.from_dict(cal.to_dict()).to_dict(), cal.to_dict())
        self.assertIn("2025-09-28", repr(cal))
        self.assertEqual(fengqiao.BusinessCalendar.from_dict({}, utc_offset="Z").utc_offset, "+00:00")

    def test_the_engine_counts_days_with_it(self):
        # Handling accepted on Tue 2025-09-30 before the 8-day holiday: 1 working day
        # (emergency) is Thu 10-09, so the deadline is 24:00 of it.
        b = Bench("2025-09-30T10:00:00+08:00")
        c = b.to_handling("C-1", urgency="emergency")
        self.assertEqual(c.deadline, at("2025-10-10T00:00:00+08:00"))
        self.assertEqual(b.engine.calendar.to_dict(), fengqiao.BusinessCalendar.from_dict(NATIONAL_DAY_2025).to_dict())

    def test_bad_calendars_are_invalid_config(self):
        bad = [
            {"weekdays": ["sat"]},
            {"weekend": ["saturday"]},
            {"weekend": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]},
            {"holidays": ["2025-02-30"]},
            {"holidays": ["2025-10-01"], "workdays": ["2025-10-01"]},
            {"holidays": "2025-10-01"},
            {"holidays": {dt.date(2025, 10, 1)}},
        ]
        for doc in bad:
            with self.subTest(doc=repr(doc)):
                with self.assertRaises(fengqiao.InvalidConfig) as cm:
                    fengqiao.BusinessCalendar.from_dict(doc)
                self.assertEqual(cm.exception.code, "invalid_config")
                with self.assertRaises(fengqiao.InvalidConfig):
                    fengqiao.Engine(calendar=doc)
        with self.assertRaises(fengqiao.InvalidConfig):
            fengqiao.BusinessCalendar("+25:00")
        with self.assertRaises(TypeError):
            fengqiao.Engine(calendar=["sat"])


class Rules(unittest.TestCase):
    FAST_DISPATCH = {"stages": {"dispatch": {"normal": {"limit": {"hours": 2}}}},
                     "categories": {"labour_wage": {"stages": {"handling": {"normal": {"limit": {"working_days": 10}}}}}}}

    def test_from_dict(self):
        rules = fengqiao.DeadlineRules.from_dict(self.FAST_DISPATCH)
        self.assertEqual(rules.to_dict(), self.FAST_DISPATCH)
        self.assertEqual(rules.rule("dispatch", "normal")["limit"], {"hours": 2})
        self.assertEqual(rules.rule("handling", "normal", "labour_wage")["limit"], {"working_days": 10})
        self.assertEqual(rules.rule("handling")["limit"], {"working_days": 15})
        self.assertEqual(fengqiao.DeadlineRules().reopen_window(), dt.timedelta(days=30))
        self.assertIn("labour_wage", repr(rules))

    def test_the_engine_uses_them(self):
        b = Bench(rules=self.FAST_DISPATCH)
        c = b.engine.register_case("C-1", intake, registration())
        self.assertEqual(c.deadline, at("2025-09-01T11:00:00+08:00"))
        self.assertEqual(b.engine.rules.to_dict(), self.FAST_DISPATCH)
        b.engine.advance_to("2025-09-01T11:00:00+08:00")
        self.assertEqual(b.engine.get("C-1").supervision, "overdue")

        b.engine.register_case("C-2", intake, registration(category="labour_wage"))
        b.engine.act("C-2", "dispatch", fengqiao.Actor("u-disp-1", "dispatcher", "center"),
                     {"route": "people_mediation", "lead": "justice_xilinji"})
        c = b.engine.act("C-2", "accept", lead_handler)
        self.assertEqual(c.deadline, at("2025-09-16T00:00:00+08:00"))  # 10 working days after Mon 09-01

    def test_bad_rules_are_invalid_config(self):
        bad = [
            {"stages": {"lunch": {}}},
            {"stages": {"dispatch": {"normal": {"limit": {"hours": -1}}}}},
            {"stages": {"dispatch": {"normal": {"limit": {"fortnights": 1}}}}},
            {"unknown": 1},
            {"stages": {"dispatch": {"normal": {"limit": {"hours": float("inf")}}}}},
        ]
        for doc in bad:
            with self.subTest(doc=repr(doc)):
                with self.assertRaises(fengqiao.InvalidConfig) as cm:
                    fengqiao.DeadlineRules.from_dict(doc)
                self.assertTrue(cm.exception.message)
                with self.assertRaises(fengqiao.InvalidConfig):
                    fengqiao.Engine(rules=doc)
        with self.assertRaises(fengqiao.InvalidData):
            fengqiao.DeadlineRules().rule("lunch")


if __name__ == "__main__":
    unittest.main()
