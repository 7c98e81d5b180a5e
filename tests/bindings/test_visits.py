"""Visits from Python: record_visit, its refusals as exception classes in the contract's
order, and the visit queries."""

import unittest

import fengqiao
from fixtures import CST, Bench, at, citizen, intake, lead_handler, registration


def visit_data(**changes):
    data = {
        "channel": "walk_in",
        "kind": "claim",
        "parties": [{"name": "王丽", "id_number": "230000199001010000", "phone": "13900000001"}],
        "summary": "Came about a shared fence.",
    }
    data.update(changes)
    return data


class RecordVisit(unittest.TestCase):
    def setUp(self):
        self.bench = Bench()
        self.e = self.bench.engine
        self.e.register_case("C-1", intake, registration())

    def test_a_visit_comes_back_with_every_field(self):
        self.bench.set("2025-09-01T10:30:00+08:00")
        v = self.e.record_visit("V-1", intake, visit_data(case="C-1"))
        self.assertEqual(v.id, "V-1")
        self.assertEqual(v.at, at("2025-09-01T10:30:00+08:00"))
        self.assertEqual(v.at.utcoffset(), CST.utcoffset(None))
        self.assertEqual(v.actor.id, "u-intake-1")
        self.assertEqual((v.channel, v.kind, v.case_id), ("walk_in", "claim", "C-1"))
        self.assertEqual(v.parties, [{"name": "王丽", "id_number": "230000199001010000", "phone": "13900000001"}])
        self.assertEqual(v.summary, "Came about a shared fence.")
        line = v.to_dict()
        self.assertEqual(line["visit"], "V-1")
        self.assertEqual(line["data"]["case"], "C-1")
        self.assertIn("V-1", repr(v))
        self.assertEqual(len(self.e.history("C-1")), 1)  # no case event
        self.assertIn("lead", fengqiao.VISIT_KINDS)

    def test_refusals_in_the_contracts_order(self):
        self.e.record_visit("V-1", intake, visit_data())
        bad = visit_data(case="C-404")
        del bad["summary"]
        with self.assertRaises(fengqiao.DuplicateVisit) as caught:
            self.e.record_visit("V-1", lead_handler, bad)
        self.assertEqual(caught.exception.code, "duplicate_visit")
        with self.assertRaises(fengqiao.NotPermitted):
            self.e.record_visit("V-2", lead_handler, bad)
        with self.assertRaises(fengqiao.InvalidData) as caught:
            self.e.record_visit("V-2", intake, bad)
        self.assertIn("data.summary", str(caught.exception))
        with self.assertRaises(fengqiao.UnknownCase):
            self.e.record_visit("V-2", intake, visit_data(case="C-404"))
        self.assertEqual(self.e.count_visits(), 1)
        self.e.record_visit("V-2", citizen, visit_data(case="C-1"))  # the id stayed free

    def test_queries(self):
        wang = {"name": "Wang Li", "id_number": "230000199001010000", "phone": "13900000001"}
        zhao = {"name": "Zhao Gang", "phone": "13900000002"}
        self.bench.set("2025-09-01T10:00:00+08:00")
        self.e.record_visit("V-3", intake, visit_data(parties=[wang], case="C-1"))
        self.bench.set("2025-09-02T10:00:00+08:00")
        self.e.record_visit("V-1", intake, visit_data(kind="inquiry", channel="hotline", parties=[zhao]))
        self.bench.set("2025-09-03T10:00:00+08:00")
        self.e.record_visit("V-2", intake, visit_data(kind="lead", channel="grid", parties=[wang, zhao]))

        def ids(**filters):
            found = [v.id for v in self.e.visits(**filters)]
            if "limit" not in filters and "after_id" not in filters:
                self.assertEqual(self.e.count_visits(**filters), len(found))
            return found

        self.assertEqual(ids(), ["V-1", "V-2", "V-3"])
        self.assertEqual(ids(from_="2025-09-02T00:00:00+08:00", to=at("2025-09-03T10:00:00+08:00")), ["V-1"])
        self.assertEqual(ids(kind="lead"), ["V-2"])
        self.assertEqual(ids(channel="hotline"), ["V-1"])
        self.assertEqual(ids(case_id="C-1"), ["V-3"])
        self.assertEqual(ids(id_number="230000199001010000"), ["V-2", "V-3"])
        self.assertEqual(ids(phone="13900000002"), ["V-1", "V-2"])
        self.assertEqual(ids(after_id="V-1", limit=1), ["V-2"])
        with self.assertRaises(fengqiao.InvalidData):
            self.e.visits(kind="complaint")


if __name__ == "__main__":
    unittest.main()
