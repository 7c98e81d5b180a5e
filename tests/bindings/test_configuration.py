"""The configuration as part of the record (LIFECYCLE.md "Calendar updates") from Python:
a store keeps the calendar and rules an engine was given, an engine opened on it with
others is refused, and update_calendar / update_rules / update_configuration change them
at the clock's now, recomputing running deadlines and telling the configuration listeners."""

import os
import tempfile
import unittest
import warnings

import fengqiao
from fixtures import NATIONAL_DAY_2025, Bench, at, dispatcher, intake, lead_handler, registration

HAVE_SQLITE = hasattr(fengqiao, "SqliteStorage")

# The 2026 New Year schedule as the State Council published it in December 2025: 01-01 to
# 01-03 off, Sunday 01-04 worked.
NEW_YEAR_2026 = {
    "weekend": ["sat", "sun"],
    "holidays": NATIONAL_DAY_2025["holidays"] + ["2026-01-01", "2026-01-02", "2026-01-03"],
    "workdays": NATIONAL_DAY_2025["workdays"] + ["2026-01-04"],
}

NOTICE_RULES = {
    "stages": {"handling": {"normal": {"limit": {"working_days": 3}}}},
    "notices": {"*": ["bring your contract"]},
}


def in_handling_before_new_year():
    """A case registered, dispatched and accepted on Mon 2025-12-22 09:00 with the 2025
    calendar: 15 working days of handling end 2026-01-13T00:00+08:00. The clock is then
    moved to the day of the December publication, Wed 2025-12-24 09:00."""
    b = Bench("2025-12-22T09:00:00+08:00")
    b.to_handling("C-1")
    b.set("2025-12-24T09:00:00+08:00")
    return b


@unittest.skipUnless(HAVE_SQLITE, "built without fengqiao::sqlite")
class StoreKeepsIt(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "center.db")
        self.clock = fengqiao.ManualClock("2025-09-01T09:00:00+08:00")

    def tearDown(self):
        self.dir.cleanup()

    def open(self, **options):
        return fengqiao.Engine(storage=fengqiao.SqliteStorage(self.path), clock=self.clock, **options)

    def test_a_new_file_records_the_calendar_and_a_reopened_engine_uses_it(self):
        e = self.open(calendar=NATIONAL_DAY_2025)
        record = e.configuration
        self.assertEqual(record.seq, 1)
        self.assertEqual(record.at, at("2025-09-01T09:00:00+08:00"))
        self.assertTrue(record.calendar_changed and record.rules_changed)
        self.assertEqual(record.calendar.to_dict(), fengqiao.BusinessCalendar.from_dict(NATIONAL_DAY_2025).to_dict())
        del e

        kept = fengqiao.SqliteStorage(self.path).configuration()
        self.assertIsNotNone(kept)
        self.assertEqual(kept.seq, 1)
        self.assertFalse(kept.calendar.is_working_day("2025-10-08"))

        # None: the store's calendar, not the default one.
        e = self.open()
        self.assertFalse(e.calendar.is_working_day("2025-10-08"))
        self.assertTrue(e.calendar.is_working_day("2025-09-28"))
        self.assertEqual(e.configuration.seq, 1)
        self.assertEqual(len(e.configuration_history()), 1)

    def test_reopening_with_another_calendar_is_refused_naming_the_day(self):
        self.open(calendar=NATIONAL_DAY_2025)
        with self.assertRaises(fengqiao.InvalidConfig) as cm:
            self.open(calendar={"weekend": ["sat", "sun"]})
        self.assertEqual(cm.exception.code, "invalid_config")
        self.assertIn("2025-09-28 (a working day against a weekend day)", cm.exception.message)
        self.assertIn("adopt_stored_configuration=True", cm.exception.message)  # said in Python's terms
        with self.assertRaises(fengqiao.InvalidConfig):
            self.open(calendar=fengqiao.BusinessCalendar())
        with self.assertRaises(fengqiao.InvalidConfig) as cm:
            self.open(rules={"reopen_window": {"hours": 24}})
        self.assertIn("rules.reopen_window", cm.exception.message)
        # Nothing was recorded by the refused engines.
        self.assertEqual(len(fengqiao.SqliteStorage(self.path).configuration_history()), 1)

        # Asked to adopt the store's: the given calendar is ignored.
        e = self.open(calendar=fengqiao.BusinessCalendar(), adopt_stored_configuration=True)
        self.assertFalse(e.calendar.is_working_day("2025-10-08"))
        self.assertEqual(e.configuration.seq, 1)

    def test_an_update_is_kept_by_the_file(self):
        self.clock.set("2025-12-24T09:00:00+08:00")
        e = self.open(calendar=NATIONAL_DAY_2025)
        e.update_calendar(NEW_YEAR_2026)
        del e
        e = self.open()
        self.assertTrue(e.calendar.is_working_day("2026-01-04"))
        self.assertEqual([r.seq for r in e.configuration_history()], [1, 2])
        self.assertEqual([r.seq for r in e.storage.configuration_history()], [1, 2])
        with self.assertRaises(fengqiao.InvalidConfig):  # the 2025 calendar is no longer the store's
            self.open(calendar=NATIONAL_DAY_2025)


class CalendarUpdate(unittest.TestCase):
    def test_the_new_year_schedule_moves_a_running_handling_deadline(self):
        b = in_handling_before_new_year()
        before = b.engine.get("C-1")
        self.assertEqual(before.deadline, at("2026-01-13T00:00:00+08:00"))
        events_before = len(b.engine.history("C-1"))

        change = b.engine.update_calendar(NEW_YEAR_2026)
        self.assertIsInstance(change, fengqiao.ConfigurationChange)
        self.assertEqual(change.record.seq, 2)
        self.assertEqual(change.record.at, at("2025-12-24T09:00:00+08:00"))
        self.assertTrue(change.record.calendar_changed)
        self.assertFalse(change.record.rules_changed)
        self.assertEqual(change.clocks_recomputed, 1)
        self.assertEqual(change.to_dict()["clocks_recomputed"], 1)
        self.assertEqual(change.to_dict()["record"]["seq"], 2)

        # Two working days off (01-01, 01-02; 01-03 is a Saturday anyway), one worked (01-04).
        after = b.engine.get("C-1")
        self.assertEqual(after.deadline, at("2026-01-14T00:00:00+08:00"))
        self.assertEqual(after.version, before.version)  # no event appended
        self.assertEqual(len(b.engine.history("C-1")), events_before)

        # What the engine says is in force follows the update.
        self.assertTrue(b.engine.calendar.is_working_day("2026-01-04"))
        self.assertFalse(b.engine.calendar.is_working_day("2026-01-02"))
        self.assertEqual(b.engine.configuration.seq, 2)
        history = b.engine.configuration_history()
        self.assertEqual([r.seq for r in history], [1, 2])
        self.assertFalse(history[0].calendar.is_working_day("2026-01-04"))
        self.assertTrue(history[1].calendar.is_working_day("2026-01-04"))
        self.assertEqual(b.engine.storage.configuration().seq, 2)

    def test_a_business_calendar_object_is_accepted_too(self):
        b = in_handling_before_new_year()
        cal = fengqiao.BusinessCalendar.from_dict(NEW_YEAR_2026)
        change = b.engine.update_configuration(calendar=cal)
        self.assertEqual(change.record.seq, 2)
        self.assertEqual(b.engine.get("C-1").deadline, at("2026-01-14T00:00:00+08:00"))

    def test_a_calendar_changing_today_is_refused_and_changes_nothing(self):
        b = in_handling_before_new_year()
        heard = []
        b.engine.subscribe_configuration(heard.append)
        today_off = dict(NEW_YEAR_2026, holidays=NEW_YEAR_2026["holidays"] + ["2025-12-24"])
        with self.assertRaises(fengqiao.InvalidConfig) as cm:
            b.engine.update_calendar(today_off)
        self.assertIn("2025-12-24", cm.exception.message)

        past = dict(NEW_YEAR_2026, workdays=NEW_YEAR_2026["workdays"] + ["2025-12-21"])
        with self.assertRaises(fengqiao.InvalidConfig) as cm:
            b.engine.update_calendar(past)
        self.assertIn("2025-12-21", cm.exception.message)
        with self.assertRaises(fengqiao.InvalidConfig) as cm:
            b.engine.update_calendar(dict(NEW_YEAR_2026, weekend=["sun"]))
        self.assertIn("weekend", cm.exception.message)
        with self.assertRaises(fengqiao.InvalidConfig) as cm:
            b.engine.update_calendar(fengqiao.BusinessCalendar.from_dict(NEW_YEAR_2026, utc_offset="Z"))
        self.assertIn("UTC offset", cm.exception.message)
        with self.assertRaises(fengqiao.InvalidConfig):
            b.engine.update_configuration()  # neither calendar nor rules

        self.assertEqual(heard, [])
        self.assertEqual(b.engine.configuration.seq, 1)
        self.assertEqual(len(b.engine.configuration_history()), 1)
        self.assertEqual(b.engine.get("C-1").deadline, at("2026-01-13T00:00:00+08:00"))
        self.assertFalse(b.engine.calendar.is_working_day("2026-01-04"))

    def test_arguments_of_the_wrong_type(self):
        b = in_handling_before_new_year()
        with self.assertRaises(TypeError):
            b.engine.update_calendar(None)
        with self.assertRaises(TypeError):
            b.engine.update_calendar("2026")
        with self.assertRaises(TypeError):
            b.engine.update_rules(None)
        with self.assertRaises(fengqiao.InvalidConfig):
            b.engine.update_calendar({"holidays": ["not a date"]})
        with self.assertRaises(fengqiao.InvalidConfig):
            b.engine.update_rules({"no_such_key": 1})
        self.assertEqual(b.engine.configuration.seq, 1)

    def test_a_dict_calendar_is_read_in_the_engines_offset(self):
        clock = fengqiao.ManualClock("2025-12-24T09:00:00+00:00")
        e = fengqiao.Engine(clock=clock, calendar=fengqiao.BusinessCalendar("Z"))
        change = e.update_calendar({"holidays": ["2026-01-01"]})
        self.assertEqual(change.record.calendar.utc_offset, "+00:00")
        self.assertEqual(change.record.at.utcoffset().total_seconds(), 0)
        self.assertEqual(e.calendar.utc_offset, "+00:00")

    def test_another_engine_on_the_store_retries_with_the_new_calendar(self):
        storage = fengqiao.MemoryStorage()
        clock = fengqiao.ManualClock("2025-12-22T09:00:00+08:00")
        first = fengqiao.Engine(storage=storage, clock=clock, calendar=NATIONAL_DAY_2025)
        second = fengqiao.Engine(storage=storage, clock=clock)  # the store's calendar
        first.register_case("C-1", intake, registration())
        first.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        clock.set("2025-12-24T09:00:00+08:00")
        first.update_calendar(NEW_YEAR_2026)
        with self.assertRaises(fengqiao.Conflict):
            second.act("C-1", "accept", lead_handler)
        accepted = second.act("C-1", "accept", lead_handler)  # the retry
        self.assertEqual(second.configuration.seq, 2)
        self.assertEqual(accepted.deadline, at("2026-01-16T00:00:00+08:00"))


class Listeners(unittest.TestCase):
    def test_listeners_hear_each_change_until_unsubscribed(self):
        b = in_handling_before_new_year()
        heard = []
        events = []
        b.engine.subscribe(lambda ev, c: events.append(ev.name))
        lid = b.engine.subscribe_configuration(heard.append)
        self.assertIsInstance(lid, int)
        b.engine.update_calendar(NEW_YEAR_2026)
        self.assertEqual(len(heard), 1)
        record = heard[0]
        self.assertIsInstance(record, fengqiao.ConfigRecord)
        self.assertEqual((record.seq, record.calendar_changed, record.rules_changed), (2, True, False))
        self.assertEqual(record.at, at("2025-12-24T09:00:00+08:00"))
        self.assertTrue(record.calendar.is_working_day("2026-01-04"))
        self.assertEqual(events, [])  # case listeners hear no event: nothing happened to the case

        b.engine.unsubscribe(lid)
        b.engine.update_rules(NOTICE_RULES)
        self.assertEqual(len(heard), 1)

    def test_a_raising_listener_is_reported_and_the_change_stands(self):
        failures = []
        b = Bench("2025-12-24T09:00:00+08:00", on_listener_error=failures.append)
        later = []

        def boom(record):
            raise ValueError("no SMS gateway")

        lid = b.engine.subscribe_configuration(boom)
        b.engine.subscribe_configuration(later.append)
        b.engine.update_calendar(NEW_YEAR_2026)
        self.assertEqual(b.engine.configuration.seq, 2)
        self.assertEqual([r.seq for r in later], [2])  # the others still run
        self.assertEqual(len(failures), 1)
        f = failures[0]
        self.assertEqual((f.listener, f.case_id, f.event_seq), (lid, "", 2))
        self.assertIsInstance(f.exception, ValueError)
        self.assertIn("no SMS gateway", f.message)
        self.assertIn("configuration change 2", repr(f))

    def test_without_a_handler_a_raising_listener_is_a_warning(self):
        b = Bench("2025-12-24T09:00:00+08:00")
        b.engine.subscribe_configuration(lambda record: 1 / 0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            b.engine.update_calendar(NEW_YEAR_2026)
        self.assertEqual(len(caught), 1)
        self.assertTrue(issubclass(caught[0].category, fengqiao.ListenerWarning))
        self.assertIn("ZeroDivisionError", str(caught[0].message))
        self.assertEqual(b.engine.configuration.seq, 2)

    def test_a_batch_holds_the_change_and_its_listeners_until_it_commits(self):
        b = Bench("2025-12-24T09:00:00+08:00")
        heard = []
        b.engine.subscribe_configuration(lambda r: heard.append(r.seq))
        batch = b.engine.batch()
        b.engine.update_calendar(NEW_YEAR_2026)
        self.assertEqual(b.engine.configuration.seq, 2)  # in force inside the batch
        self.assertEqual(heard, [])
        batch.rollback()
        self.assertEqual(heard, [])
        self.assertEqual(b.engine.configuration.seq, 1)  # the rollback took it back
        self.assertFalse(b.engine.calendar.is_working_day("2026-01-04"))

        with b.engine.batch():
            b.engine.update_calendar(NEW_YEAR_2026)
            self.assertEqual(heard, [])
        self.assertEqual(heard, [2])

    def test_a_listener_that_refers_to_its_engine_is_collected(self):
        import gc
        import weakref

        b = Bench("2025-12-24T09:00:00+08:00")
        engine = b.engine
        engine.subscribe_configuration(lambda r: engine.configuration)
        ref = weakref.ref(engine)
        del b, engine
        gc.collect()
        self.assertIsNone(ref())


class RulesUpdate(unittest.TestCase):
    def test_later_registrations_get_the_new_rules(self):
        b = Bench("2025-09-01T09:00:00+08:00")
        running = b.to_handling("C-run")
        self.assertNotIn("bring your contract", running.notice)  # the default notice
        b.set("2025-09-02T09:00:00+08:00")
        change = b.engine.update_rules(fengqiao.DeadlineRules.from_dict(NOTICE_RULES))
        self.assertEqual(change.clocks_recomputed, 0)
        self.assertTrue(change.record.rules_changed)
        self.assertFalse(change.record.calendar_changed)
        self.assertEqual(b.engine.rules.to_dict()["notices"], {"*": ["bring your contract"]})
        self.assertEqual(b.engine.rules.rule("handling")["limit"], {"working_days": 3})

        # The running clock keeps its 15 days; a case registered now gets the notice and 3 days.
        self.assertEqual(b.engine.get("C-run").to_dict(), running.to_dict())
        new = b.to_handling("C-new")
        self.assertEqual(new.notice, ["bring your contract"])
        self.assertEqual(new.deadline, at("2025-09-06T00:00:00+08:00"))  # Tue + 3 working days: Fri 09-05

    def test_calendar_and_rules_in_one_change(self):
        b = Bench("2025-12-24T09:00:00+08:00")
        change = b.engine.update_configuration(calendar=NEW_YEAR_2026, rules=NOTICE_RULES)
        self.assertEqual(change.record.seq, 2)
        self.assertTrue(change.record.calendar_changed and change.record.rules_changed)
        self.assertEqual(b.engine.rules.to_dict()["notices"], {"*": ["bring your contract"]})


class Values(unittest.TestCase):
    def test_a_config_record(self):
        b = Bench("2025-09-01T09:00:00+08:00")
        r = b.engine.configuration
        self.assertEqual(r.at, at("2025-09-01T09:00:00+08:00"))
        self.assertIsNotNone(r.at.tzinfo)
        self.assertIsInstance(r.calendar, fengqiao.BusinessCalendar)
        self.assertIsInstance(r.rules, fengqiao.DeadlineRules)
        d = r.to_dict()
        self.assertEqual(d["seq"], 1)
        self.assertEqual(d["utc_offset"], "+08:00")
        self.assertEqual(d["calendar"]["holidays"], NATIONAL_DAY_2025["holidays"])
        self.assertEqual(d["rules"], {})
        self.assertEqual(sorted(d["changed"]), ["calendar", "rules"])
        self.assertEqual(at(d["at"].replace("Z", "+00:00")), r.at)
        self.assertIn("seq=1", repr(r))
        self.assertIn("2025-09-01T09:00:00+08:00", repr(r))

    def test_a_new_memory_storage_keeps_none_until_an_engine_opens_on_it(self):
        storage = fengqiao.MemoryStorage()
        self.assertIsNone(storage.configuration())
        self.assertEqual(storage.configuration_history(), [])
        fengqiao.Engine(storage=storage, clock=fengqiao.ManualClock("2025-09-01T09:00:00+08:00"))
        self.assertEqual(storage.configuration().seq, 1)
        self.assertTrue(storage.configuration().calendar.is_working_day("2025-10-01"))  # the defaults


if __name__ == "__main__":
    unittest.main()
