"""fengqiao.replay(): the shared sample histories replay clean from Python, from a path or
from text, and failures are reported (not raised) with line and kind."""

import json
import os
import pathlib
import unittest

import fengqiao
from fixtures import HISTORIES


def sample(name):
    return os.path.join(HISTORIES, name)


class Samples(unittest.TestCase):
    def test_closed_loop_replays_clean(self):
        r = fengqiao.replay(sample("01-closed-loop.jsonl"))
        self.assertTrue(r.clean, r.describe())
        self.assertTrue(r)
        self.assertIsNone(r.failure)
        self.assertEqual((r.lines, r.cases, r.actions, r.expectations), (13, 1, 6, 6))
        d = r.to_dict()
        self.assertEqual(d["clean"], True)
        self.assertIsNone(d["failure"])
        self.assertTrue(d["source"].endswith("01-closed-loop.jsonl"))
        json.dumps(d)

    def test_emergency_replays_clean_and_checks_its_deadline_events(self):
        r = fengqiao.replay(pathlib.Path(sample("04-emergency.jsonl")))
        self.assertTrue(r.clean, r.describe())
        self.assertGreater(r.events_checked, 0)
        self.assertIn("clean", str(r))

    def test_a_calendar_update_history_counts_its_configuration_lines(self):
        r = fengqiao.replay(sample("06-calendar-update.jsonl"))
        self.assertTrue(r.clean, r.describe())
        self.assertEqual(r.config_changes, 3)
        self.assertEqual(r.to_dict()["config_changes"], 3)
        self.assertEqual(r.visits, 0)
        self.assertGreater(fengqiao.replay(sample("07-visits-and-notice.jsonl")).visits, 0)

    def test_every_shared_sample_replays_clean(self):
        names = sorted(n for n in os.listdir(HISTORIES) if n.endswith(".jsonl"))
        self.assertGreaterEqual(len(names), 7)
        for name in names:
            with self.subTest(name=name):
                r = fengqiao.replay(sample(name))
                self.assertTrue(r.clean, r.describe())


class FromText(unittest.TestCase):
    def setUp(self):
        with open(sample("01-closed-loop.jsonl"), encoding="utf-8") as f:
            self.lines = f.read().splitlines()

    def test_text_and_bytes(self):
        text = "\n".join(self.lines) + "\n"
        r = fengqiao.replay(text)
        self.assertTrue(r.clean, r.describe())
        self.assertEqual(r.source, "<text>")
        r = fengqiao.replay(text.encode("utf-8"), source="closed loop")
        self.assertTrue(r.clean, r.describe())
        self.assertEqual(r.source, "closed loop")

    def test_a_wrong_expectation_is_reported_with_its_line(self):
        lines = list(self.lines)
        last = json.loads(lines[-1])
        last["expect"]["state"] = "withdrawn"
        lines[-1] = json.dumps(last)
        r = fengqiao.replay("\n".join(lines))
        self.assertFalse(r.clean)
        self.assertFalse(r)
        f = r.failure
        self.assertEqual((f.kind, f.line, f.case_id), ("expectation", len(lines), "S1-2025-0001"))
        self.assertIn("withdrawn", f.expected)
        self.assertIn("closed", f.actual)
        self.assertEqual(r.to_dict()["failure"], f.to_dict())
        self.assertEqual(f.to_dict()["kind"], "expectation")
        # Structured in the dict: the key checked and its values, not sentences.
        self.assertEqual((f.to_dict()["expected"], f.to_dict()["actual"]), ({"state": "withdrawn"}, {"state": "closed"}))
        self.assertIsNone(f.to_dict()["hint"])

    def test_keep_going_reports_every_failure(self):
        lines = list(self.lines)
        wrong = []
        for i, line in enumerate(lines):
            record = json.loads(line)
            if "expect" in record and "state" in record["expect"]:
                record["expect"]["state"] = "withdrawn"
                lines[i] = json.dumps(record)
                wrong.append(i + 1)
        self.assertGreaterEqual(len(wrong), 2)
        text = "\n".join(lines)
        # By default the replay stops at the first wrong expectation ...
        r = fengqiao.replay(text)
        self.assertEqual([f.line for f in r.failures], wrong[:1])
        # ... with keep_going it reports each of them, the first also as `failure`.
        r = fengqiao.replay(text, keep_going=True)
        self.assertEqual([f.line for f in r.failures], wrong)
        self.assertEqual({f.kind for f in r.failures}, {"expectation"})
        self.assertEqual(r.failure.line, wrong[0])
        self.assertEqual(len(r.to_dict()["failures"]), len(wrong))
        with self.assertRaises(TypeError):
            fengqiao.replay(text, None, None, True)  # keyword only

    def test_a_refusal_the_history_does_not_expect(self):
        lines = list(self.lines)
        accept = json.loads(lines[5])
        self.assertEqual(accept["action"], "accept")
        accept["actor"]["org"] = "police_xilinji"
        lines[5] = json.dumps(accept)
        r = fengqiao.replay("\n".join(lines))
        self.assertEqual((r.failure.kind, r.failure.line), ("unexpected_error", 6))
        self.assertIn("not_permitted", r.failure.actual)

    def test_a_malformed_history_is_a_failure_not_an_exception(self):
        r = fengqiao.replay(self.lines[0] + "\n{not json\n")
        self.assertEqual((r.failure.kind, r.failure.line), ("invalid_history", 2))
        r = fengqiao.replay('{"format":"something-else","version":1}\n')
        self.assertEqual(r.failure.kind, "invalid_history")

    def test_a_missing_file_raises(self):
        with self.assertRaises(FileNotFoundError):
            fengqiao.replay(os.path.join(HISTORIES, "no-such-history.jsonl"))
        with self.assertRaises(TypeError):
            fengqiao.replay(42)

    def test_into_a_storage_an_engine_can_read(self):
        storage = fengqiao.MemoryStorage()
        r = fengqiao.replay(sample("01-closed-loop.jsonl"), storage=storage)
        self.assertTrue(r.clean, r.describe())
        engine = fengqiao.Engine(storage=storage)
        self.assertEqual(engine.get("S1-2025-0001").state, "closed")
        self.assertEqual(len(engine.history("S1-2025-0001")), 6)

    def test_into_a_storage_without_events(self):
        storage = fengqiao.MemoryStorage(keep_events=False)
        r = fengqiao.replay(sample("04-emergency.jsonl"), storage=storage)
        self.assertTrue(r.clean, r.describe())
        engine = fengqiao.Engine(storage=storage)
        self.assertEqual(engine.get("S4-2025-0004").supervision, "escalated")
        with self.assertRaises(fengqiao.StorageError):
            engine.history("S4-2025-0004")


if __name__ == "__main__":
    unittest.main()
