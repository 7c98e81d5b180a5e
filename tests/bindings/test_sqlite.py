"""SqliteStorage from Python: cases survive the engine, deadlines fire after a restart,
and a file that cannot be used is a StorageError."""

import os
import tempfile
import threading
import unittest

import fengqiao
from fixtures import NATIONAL_DAY_2025, HISTORIES, dispatcher, intake, lead_handler, registration

HAVE_SQLITE = hasattr(fengqiao, "SqliteStorage")


@unittest.skipUnless(HAVE_SQLITE, "built without fengqiao::sqlite")
class Sqlite(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "center.db")

    def tearDown(self):
        self.dir.cleanup()

    def engine(self, clock, **storage_options):
        return fengqiao.Engine(storage=fengqiao.SqliteStorage(self.path, **storage_options), clock=clock,
                               calendar=NATIONAL_DAY_2025)

    def test_cases_survive_the_engine_and_deadlines_fire_after_a_restart(self):
        clock = fengqiao.ManualClock("2025-09-01T09:00:00+08:00")
        e = self.engine(clock)
        e.register_case("C-1", intake, registration())
        e.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        del e

        clock.set("2025-09-04T00:00:00+08:00")
        e = self.engine(clock)
        self.assertEqual(e.get("C-1").state, "dispatched")
        fired = []
        e.subscribe(lambda ev, c: fired.append(ev.name))
        self.assertEqual(e.poll(), 2)  # what fell due while "down"
        self.assertEqual(fired, ["deadline_warning", "deadline_overdue"])
        c = e.act("C-1", "accept", lead_handler)
        self.assertEqual((c.state, c.version), ("handling", 5))
        self.assertEqual(e.count(state="handling"), 1)
        e.storage.check_integrity()
        self.assertEqual(e.storage.path, self.path)
        self.assertIn("center.db", repr(e.storage))

    def test_threads_share_one_file(self):
        clock = fengqiao.ManualClock("2025-09-01T09:00:00+08:00")
        engines = [self.engine(clock) for _ in range(2)]
        errors = []

        def worker(n):
            try:
                for i in range(10):
                    engines[n].register_case("T-%d-%d" % (n, i), intake, registration())
            except Exception as ex:
                errors.append(ex)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertEqual(engines[0].count(), 20)

    def test_a_call_waiting_for_a_lock_does_not_hold_the_gil(self):
        # If the waiting call held the GIL, this thread could not commit its batch, and
        # the waiter would time out with Busy instead of succeeding.
        clock = fengqiao.ManualClock("2025-09-01T09:00:00+08:00")
        holder, waiter = self.engine(clock), self.engine(clock, busy_timeout=5)
        outcome = []
        batch = holder.batch()
        holder.register_case("C-1", intake, registration())
        t = threading.Thread(target=lambda: outcome.append(waiter.register_case("C-2", intake, registration())))
        t.start()
        t.join(timeout=0.3)
        self.assertTrue(t.is_alive(), "the waiter should be blocked on the write lock")
        batch.commit()
        t.join(timeout=30)
        self.assertEqual([c.id for c in outcome], ["C-2"])
        self.assertEqual(holder.count(), 2)

    def test_replay_into_a_file(self):
        r = fengqiao.replay(os.path.join(HISTORIES, "01-closed-loop.jsonl"), storage=fengqiao.SqliteStorage(self.path))
        self.assertTrue(r.clean, r.describe())
        e = fengqiao.Engine(storage=fengqiao.SqliteStorage(self.path, read_only=True))
        self.assertEqual(e.get("S1-2025-0001").state, "closed")

    def test_unusable_files_are_storage_errors(self):
        with self.assertRaises(fengqiao.StorageError) as cm:
            fengqiao.SqliteStorage(self.path, create_if_missing=False)
        self.assertIn("center.db", cm.exception.message)
        with open(self.path, "w") as f:
            f.write("not a database at all, just text" * 100)
        with self.assertRaises(fengqiao.StorageError):
            fengqiao.SqliteStorage(self.path)
        os.remove(self.path)

        fengqiao.SqliteStorage(self.path)  # creates it
        reader = fengqiao.Engine(storage=fengqiao.SqliteStorage(self.path, read_only=True))
        with self.assertRaises(fengqiao.StorageError):
            reader.register_case("C-1", intake, registration())
        with self.assertRaises(fengqiao.InvalidConfig):
            fengqiao.SqliteStorage(self.path, synchronous="sometimes")
        fengqiao.SqliteStorage(":memory:", busy_timeout=0.5, synchronous="full")


if __name__ == "__main__":
    unittest.main()
