"""Listeners: order and content, unsubscribe, raising listeners (reported, never fatal),
the GIL across threads, batches, and garbage collection of engine <-> listener cycles."""

import gc
import sys
import threading
import unittest
import warnings
import weakref

import fengqiao
from fixtures import Bench, dispatcher, intake, lead_handler, registration


class Delivery(unittest.TestCase):
    def test_each_stored_event_reaches_every_listener_in_order(self):
        e = Bench().engine
        seen = []
        first = e.subscribe(lambda ev, c: seen.append(("first", ev.seq, ev.name, c.state, c.version)))
        e.subscribe(lambda ev, c: seen.append(("second", ev.seq, ev.name, c.state, c.version)))
        self.assertIsInstance(first, int)
        e.register_case("C-1", intake, registration())
        e.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        self.assertEqual(seen, [
            ("first", 1, "register", "registered", 1), ("second", 1, "register", "registered", 1),
            ("first", 2, "dispatch", "dispatched", 2), ("second", 2, "dispatch", "dispatched", 2),
        ])
        e.unsubscribe(first)
        seen.clear()
        e.act("C-1", "accept", lead_handler)
        self.assertEqual([s[0] for s in seen], ["second"])
        e.unsubscribe(first)  # unknown ids are ignored

    def test_a_listener_may_read_the_engine_and_subscribe_another(self):
        e = Bench().engine
        states = []
        late = []

        def reader(ev, c):
            states.append(e.get(c.id).state)
            if ev.seq == 1:
                e.subscribe(lambda ev2, c2: late.append(ev2.seq))

        e.subscribe(reader)
        e.register_case("C-1", intake, registration())
        e.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        self.assertEqual(states, ["registered", "dispatched"])
        self.assertEqual(late, [2])

    def test_subscribe_needs_a_callable(self):
        with self.assertRaises(TypeError):
            Bench().engine.subscribe("print")


class RaisingListeners(unittest.TestCase):
    def test_default_is_a_warning_and_the_change_stands(self):
        e = Bench().engine
        after = []

        def broken(ev, c):
            raise ValueError("listener bug")

        bad = e.subscribe(broken)
        e.subscribe(lambda ev, c: after.append(ev.seq))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            c = e.register_case("C-1", intake, registration())
        self.assertEqual(c.state, "registered")
        self.assertEqual(e.get("C-1").version, 1)
        self.assertEqual(after, [1])
        self.assertEqual(len(caught), 1)
        w = caught[0]
        self.assertTrue(issubclass(w.category, fengqiao.ListenerWarning))
        self.assertTrue(issubclass(w.category, RuntimeWarning))
        text = str(w.message)
        self.assertIn("ValueError: listener bug", text)
        self.assertIn('"C-1"', text)
        self.assertIn("listener %d" % bad, text)
        # Attributed to the Python line that made the change.
        self.assertEqual(w.filename, __file__)

    def test_a_handler_gets_the_exception_with_its_traceback(self):
        failures = []
        b = Bench(on_listener_error=failures.append)

        def broken(ev, c):
            raise KeyError(c.id)

        bad = b.engine.subscribe(broken)
        b.engine.register_case("C-1", intake, registration())
        b.engine.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        self.assertEqual([(f.listener, f.case_id, f.event_seq) for f in failures], [(bad, "C-1", 1), (bad, "C-1", 2)])
        f = failures[0]
        self.assertIsInstance(f.exception, KeyError)
        self.assertEqual(f.exception.args, ("C-1",))
        self.assertIsNotNone(f.exception.__traceback__)
        self.assertEqual(f.exception.__traceback__.tb_frame.f_code.co_name, "broken")
        self.assertEqual(f.message, "KeyError: 'C-1'")
        self.assertIn("KeyError", repr(f))

    def test_a_raising_handler_goes_to_unraisablehook(self):
        def handler(failure):
            raise RuntimeError("handler bug")

        b = Bench(on_listener_error=handler)
        b.engine.subscribe(lambda ev, c: 1 / 0)
        reported = []
        old = sys.unraisablehook
        sys.unraisablehook = lambda u: reported.append(u.exc_type)
        try:
            c = b.engine.register_case("C-1", intake, registration())
        finally:
            sys.unraisablehook = old
        self.assertEqual(c.version, 1)
        self.assertEqual(reported, [RuntimeError])

    def test_warnings_turned_into_errors_cannot_break_the_engine(self):
        e = Bench().engine
        e.subscribe(lambda ev, c: 1 / 0)
        reported = []
        old = sys.unraisablehook
        sys.unraisablehook = lambda u: reported.append(u.exc_type)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                c = e.register_case("C-1", intake, registration())
        finally:
            sys.unraisablehook = old
        self.assertEqual(c.state, "registered")
        self.assertEqual(reported, [fengqiao.ListenerWarning])

    def test_base_exceptions_are_caught_too(self):
        failures = []
        b = Bench(on_listener_error=failures.append)

        def leave(ev, c):
            raise SystemExit(3)

        b.engine.subscribe(leave)
        b.engine.register_case("C-1", intake, registration())
        self.assertIsInstance(failures[0].exception, SystemExit)


class Threads(unittest.TestCase):
    def test_threads_acting_at_once_with_a_python_listener(self):
        failures = []
        e = Bench(on_listener_error=lambda f: failures.append((f.case_id, f.event_seq, type(f.exception)))).engine
        seen = []
        lock = threading.Lock()

        def listener(ev, c):
            with lock:
                seen.append((c.id, ev.seq))

        def broken(ev, c):
            raise LookupError(c.id)

        e.subscribe(listener)
        e.subscribe(broken)
        errors = []

        def worker(n):
            try:
                for i in range(25):
                    case_id = "T-%d-%d" % (n, i)
                    e.register_case(case_id, intake, registration())
                    e.act(case_id, "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
                    e.get(case_id)
            except Exception as ex:  # reported below; a thread's exception is otherwise lost
                errors.append(ex)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertFalse(any(t.is_alive() for t in threads), "deadlock")
        self.assertEqual(errors, [])
        self.assertEqual(len(seen), 4 * 25 * 2)
        self.assertEqual(sorted(failures), sorted((case_id, seq, LookupError) for case_id, seq in seen))
        self.assertEqual(e.count(state="dispatched"), 100)


class Batches(unittest.TestCase):
    def test_listeners_run_at_commit_and_a_rollback_stores_nothing(self):
        e = Bench().engine
        seen = []
        e.subscribe(lambda ev, c: seen.append(c.id))
        with e.batch():
            e.register_case("B-1", intake, registration())
            e.register_case("B-2", intake, registration())
            self.assertEqual(seen, [])
        self.assertEqual(seen, ["B-1", "B-2"])

        with self.assertRaises(ZeroDivisionError):
            with e.batch():
                e.register_case("B-3", intake, registration())
                1 / 0
        with self.assertRaises(fengqiao.UnknownCase):
            e.get("B-3")
        self.assertEqual(seen, ["B-1", "B-2"])

        batch = e.batch()
        e.register_case("B-4", intake, registration())
        batch.commit()
        with self.assertRaises(fengqiao.StorageError):
            batch.commit()
        self.assertEqual(e.get("B-4").state, "registered")


class GarbageCollection(unittest.TestCase):
    def test_an_engine_referenced_by_its_own_listener_is_collected(self):
        b = Bench(on_listener_error=lambda f: None)
        engine = b.engine
        engine.subscribe(lambda ev, c: engine.get(c.id))
        engine.register_case("C-1", intake, registration())
        ref = weakref.ref(engine)
        del engine, b
        gc.collect()
        self.assertIsNone(ref())


if __name__ == "__main__":
    unittest.main()
