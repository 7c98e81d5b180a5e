"""The closed loop through the Python API, the refusals with their exception classes and
codes, and that a refusal changes nothing."""

import datetime as dt
import unittest

import fengqiao
from fengqiao import Error
from fixtures import (Bench, at, citizen, dispatch_during_a_batch, dispatcher, intake, lead_handler, other_handler,
                      registration, supervisor)


class ContractVersion2(unittest.TestCase):
    def test_assign_note_and_the_one_time_notice(self):
        b = Bench(rules={"notices": {"neighbour": ["a sketch of the fence"]}})
        e = b.engine
        c = e.register_case("C-1", intake, registration())
        self.assertEqual(c.notice, ["a sketch of the fence"])
        self.assertIn("assign", fengqiao.ACTIONS)
        self.assertEqual(fengqiao.ACTION_TABLE["assign"]["who"]["roles"], ["dispatcher", "supervisor"])
        self.assertEqual(fengqiao.ACTION_TABLE["note"]["since_version"], 2)
        self.assertIn("note", fengqiao.ACTIONS)
        e.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        c = e.act("C-1", "assign", lead_handler, {"assignee": "u-hj-1"})
        self.assertEqual((c.assignee, c.state), ("u-hj-1", "dispatched"))
        second = fengqiao.Actor("u-hj-2", "handler", "justice_xilinji")
        with self.assertRaises(fengqiao.NotPermitted) as refused:
            e.act("C-1", "accept", second)
        self.assertIn("the assignee u-hj-1", str(refused.exception))
        c = e.act("C-1", "note", dispatcher, {"text": "Called.", "attachments": [{"ref": "scan://1.pdf"}]})
        self.assertEqual((c.notes, c.involved_orgs), (1, ["justice_xilinji"]))

    def test_a_citizen_withdraws_only_their_own_case(self):
        b = Bench()
        e = b.engine
        own = registration()
        own["parties"][0]["account"] = "citizen-wl"
        e.register_case("C-1", intake, own)
        with self.assertRaises(fengqiao.NotPermitted):
            e.act("C-1", "withdraw", citizen, {"reason": "r"})
        c = e.act("C-1", "withdraw", fengqiao.Actor("citizen-wl", "citizen", "public"), {"reason": "r"})
        self.assertEqual(c.state, "withdrawn")


class FastPath(unittest.TestCase):
    def test_apply_stores_what_act_stores(self):
        by_act, by_apply = Bench(), Bench()
        steps = [("register", intake, registration()),
                 ("dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"}),
                 ("accept", lead_handler, None)]
        for action, actor, data in steps:
            if action == "register":
                c = by_act.engine.register_case("C-1", actor, data)
            else:
                c = by_act.engine.act("C-1", action, actor, data)
            r = by_apply.engine.apply("C-1", action, actor, data)
            self.assertEqual((r.version, r.state, r.supervision), (c.version, c.state, c.supervision))
            self.assertEqual(r.at, c.updated_at)
            self.assertIsNone(r.snapshot)
        self.assertEqual(by_act.engine.get("C-1").to_dict(), by_apply.engine.get("C-1").to_dict())
        self.assertEqual([e.to_dict() for e in by_act.engine.history("C-1")],
                         [e.to_dict() for e in by_apply.engine.history("C-1")])

    def test_apply_returns_the_snapshot_when_asked_and_raises_refusals(self):
        e = Bench().engine
        r = e.apply("C-1", "register", intake, registration(), want_snapshot=True)
        self.assertEqual(r.snapshot.to_dict(), e.get("C-1").to_dict())
        self.assertIn("version=1", repr(r))
        with self.assertRaises(fengqiao.InvalidTransition):
            e.apply("C-1", "accept", lead_handler)
        self.assertEqual(e.get("C-1").version, 1)


class BatchThreads(unittest.TestCase):
    def test_another_thread_waits_for_a_batch_then_gets_busy(self):
        storage = fengqiao.MemoryStorage(busy_timeout=0.2)
        b = Bench(storage=storage)
        b.engine.register_case("C-1", intake, registration())
        busy = dispatch_during_a_batch(b)
        self.assertIsNotNone(busy)
        self.assertEqual(busy.code, "busy")
        self.assertEqual(b.engine.get("C-1").state, "registered")

    def test_busy_timeout_is_checked(self):
        with self.assertRaises(fengqiao.InvalidConfig):
            fengqiao.MemoryStorage(busy_timeout=-1)


class ClosedLoop(unittest.TestCase):
    def test_six_steps_with_a_reopen_end_in_closed(self):
        b = Bench()
        e = b.engine

        c = e.register_case("C-1", intake, registration())
        self.assertEqual((c.state, c.supervision, c.level, c.version), ("registered", "on_track", 0, 1))
        self.assertEqual(c.first_responder, "u-intake-1")
        self.assertEqual(c.jurisdiction, ["daxinganling", "mohe", "xilinji"])
        self.assertEqual(c.parties[0], {"name": "Wang Li", "phone": "13900000001"})
        self.assertEqual(c.stage, "dispatch")
        self.assertEqual(c.deadline, at("2025-09-03T00:00:00+08:00"))

        b.set("2025-09-01T10:00:00+08:00")
        c = e.act("C-1", "dispatch", dispatcher,
                  {"route": "people_mediation", "lead": "justice_xilinji", "co": ["police_xilinji"]})
        self.assertEqual((c.state, c.lead, c.route, c.co_handlers),
                         ("dispatched", "justice_xilinji", "people_mediation", ["police_xilinji"]))

        b.set("2025-09-01T14:00:00+08:00")
        c = e.act("C-1", "accept", lead_handler)
        self.assertEqual(c.state, "handling")
        self.assertEqual(c.deadline, at("2025-09-23T00:00:00+08:00"))

        c = e.act("C-1", "start_consultation", lead_handler, {"orgs": ["police_xilinji", "housing_mohe"]})
        self.assertEqual((c.state, c.stage), ("consulting", "consulting"))
        c = e.act("C-1", "end_consultation", lead_handler, {"plan": "Survey the boundary."})
        self.assertEqual(c.state, "handling")
        c = e.act("C-1", "suspend", lead_handler, {"reason": "Waiting for the survey."})
        self.assertEqual((c.state, c.suspended_from), ("suspended", "handling"))
        c = e.act("C-1", "resume", supervisor)
        self.assertEqual((c.state, c.suspended_from), ("handling", None))

        b.set("2025-09-10T16:00:00+08:00")
        c = e.act("C-1", "resolve", lead_handler, {"method": "people_mediation", "agreement": "Fence moved 0.5 m east."})
        self.assertEqual((c.state, c.outcome, c.resolution_method), ("concluded", "resolved", "people_mediation"))
        c = e.act("C-1", "give_feedback", dispatcher, {"medium": "phone", "content": "Agreement sent."})
        self.assertEqual(c.state, "feedback_given")

        # 6. An unsatisfied party reopens the case into handling, same lead.
        c = e.act("C-1", "follow_up", dispatcher, {"satisfaction": "unsatisfied", "note": "Fence still crooked."})
        self.assertEqual((c.state, c.reopened, c.outcome, c.lead), ("handling", 1, None, "justice_xilinji"))

        c = e.act("C-1", "resolve", lead_handler, {"method": "people_mediation", "agreement": "Fence rebuilt."})
        c = e.act("C-1", "give_feedback", intake, {"medium": "visit", "content": "Checked on site."})
        b.set("2025-09-18T15:00:00+08:00")
        c = e.act("C-1", "follow_up", dispatcher, {"satisfaction": "satisfied"})
        self.assertEqual((c.state, c.satisfaction, c.deadline, c.stage), ("closed", "satisfied", None, None))
        self.assertEqual(c.closed_at, at("2025-09-18T15:00:00+08:00"))

        history = e.history("C-1")
        self.assertEqual([ev.name for ev in history],
                         ["register", "dispatch", "accept", "start_consultation", "end_consultation", "suspend",
                          "resume", "resolve", "give_feedback", "follow_up", "resolve", "give_feedback",
                          "follow_up"])
        self.assertEqual([ev.seq for ev in history], list(range(1, 14)))
        self.assertEqual(history[-1].actor, dispatcher)
        self.assertEqual(history[-1].state_after, "closed")
        self.assertEqual(history[1].data["co"], ["police_xilinji"])
        self.assertEqual(e.get("C-1").version, 13)

        # A supervisor may reopen within the window; the case goes back to handling.
        c = e.act("C-1", "reopen", supervisor, {"reason": "Party complained again."})
        self.assertEqual((c.state, c.reopened), ("handling", 2))

    def test_resolved_on_the_spot_without_lead_reopens_into_registered(self):
        e = Bench().engine
        e.register_case("C-2", intake, registration())
        c = e.act("C-2", "resolve_on_spot", intake, {"agreement": "Apologised."})
        self.assertEqual((c.state, c.outcome, c.resolution_method), ("concluded", "resolved", "on_spot"))
        e.act("C-2", "give_feedback", intake, {"medium": "in_person", "content": "Done."})
        c = e.act("C-2", "follow_up", dispatcher, {"satisfaction": "unsatisfied"})
        self.assertEqual((c.state, c.lead, c.reopened), ("registered", None, 1))

    def test_emergency_notifies_the_whole_path_at_registration(self):
        e = Bench().engine
        e.register_case("C-E", intake, registration("emergency"))
        self.assertEqual(e.history("C-E")[0].notified, ["xilinji", "mohe", "daxinganling"])
        self.assertEqual(e.history("C-E")[0].to_dict()["notified"], ["xilinji", "mohe", "daxinganling"])

    def test_actor_may_be_a_dict(self):
        e = Bench().engine
        c = e.register_case("C-3", {"id": "u-intake-1", "role": "intake", "org": "center"}, registration())
        self.assertEqual(c.first_responder, "u-intake-1")
        with self.assertRaises(fengqiao.InvalidData) as cm:
            e.act("C-3", "dispatch", {"id": "u-disp-1", "role": "boss"}, {})
        self.assertIn("actor.role", cm.exception.message)


class Refusals(unittest.TestCase):
    def setUp(self):
        self.bench = Bench()
        self.e = self.bench.engine
        self.e.register_case("C-1", intake, registration())

    def assertRefused(self, cls, code, call, *args):
        with self.assertRaises(cls) as cm:
            call(*args)
        err = cm.exception
        self.assertIsInstance(err, Error)
        self.assertEqual(err.code, code)
        self.assertEqual(type(err).code, code)
        self.assertTrue(err.message)
        self.assertEqual(str(err), err.message)
        return err

    def test_each_code_has_its_class(self):
        e = self.e
        self.assertRefused(fengqiao.UnknownCase, "unknown_case", e.act, "NO-SUCH", "accept", lead_handler)
        self.assertRefused(fengqiao.UnknownCase, "unknown_case", e.get, "NO-SUCH")
        self.assertRefused(fengqiao.UnknownCase, "unknown_case", e.history, "NO-SUCH")
        self.assertRefused(fengqiao.DuplicateCase, "duplicate_case", e.register_case, "C-1", intake, registration())
        self.assertRefused(fengqiao.InvalidTransition, "invalid_transition", e.act, "C-1", "accept", lead_handler)
        err = self.assertRefused(fengqiao.NotPermitted, "not_permitted", e.act, "C-1", "dispatch", citizen,
                                 {"route": "people_mediation", "lead": "justice_xilinji"})
        err = self.assertRefused(fengqiao.InvalidData, "invalid_data", e.act, "C-1", "dispatch", dispatcher,
                                 {"route": "people_mediation"})
        self.assertIn("lead", err.message)
        self.assertRefused(fengqiao.InvalidData, "invalid_data", e.act, "C-1", "no_such_action", dispatcher)
        self.assertRefused(fengqiao.InvalidConfig, "invalid_config", fengqiao.BusinessCalendar.from_dict,
                           {"weekdays": []})
        # Batches do not nest: the storage says so.
        with e.batch():
            self.assertRefused(fengqiao.StorageError, "storage_error", e.batch)

    def test_precedence_follows_the_spec(self):
        # The state is checked before the actor: a citizen accepting a registered case is
        # refused for the transition, not for the role.
        self.assertRefused(fengqiao.InvalidTransition, "invalid_transition", self.e.act, "C-1", "accept", citizen)
        self.e.act("C-1", "dispatch", dispatcher, {"route": "people_mediation", "lead": "justice_xilinji"})
        # The actor is checked before the data.
        self.assertRefused(fengqiao.NotPermitted, "not_permitted", self.e.act, "C-1", "return", other_handler, {})

    def test_hierarchy(self):
        classes = [fengqiao.InvalidTransition, fengqiao.NotPermitted, fengqiao.InvalidData, fengqiao.UnknownCase,
                   fengqiao.DuplicateCase, fengqiao.Conflict, fengqiao.InvalidHistory, fengqiao.InvalidConfig,
                   fengqiao.StorageError, fengqiao.Busy]
        codes = ["invalid_transition", "not_permitted", "invalid_data", "unknown_case", "duplicate_case", "conflict",
                 "invalid_history", "invalid_config", "storage_error", "busy"]
        self.assertEqual([c.code for c in classes], codes)
        for c in classes:
            self.assertTrue(issubclass(c, fengqiao.Error))
            self.assertEqual(c.__module__, "fengqiao")
        self.assertTrue(issubclass(fengqiao.Error, Exception))
        self.assertIsNone(fengqiao.Error.code)

    def test_a_refusal_changes_nothing(self):
        e = self.e
        calls = []
        e.subscribe(lambda ev, c: calls.append(ev.seq))
        before = e.get("C-1").to_dict()
        attempts = [
            ("accept", lead_handler, None),
            ("dispatch", citizen, {"route": "people_mediation", "lead": "justice_xilinji"}),
            ("dispatch", dispatcher, {"route": "people_mediation"}),
            ("dispatch", dispatcher, {"route": "no_such_route", "lead": "justice_xilinji"}),
            ("resolve", lead_handler, {"method": "people_mediation", "agreement": "x"}),
            ("follow_up", dispatcher, {"satisfaction": "satisfied"}),
            ("reopen", supervisor, {"reason": "x"}),
        ]
        for action, actor, data in attempts:
            with self.subTest(action=action, actor=actor.role):
                with self.assertRaises(Error):
                    e.act("C-1", action, actor, data)
        with self.assertRaises(fengqiao.DuplicateCase):
            e.register_case("C-1", intake, registration("urgent"))
        self.assertEqual(e.get("C-1").to_dict(), before)
        self.assertEqual(len(e.history("C-1")), 1)
        self.assertEqual(calls, [])

    def test_arguments_of_the_wrong_python_type_are_type_errors(self):
        with self.assertRaises(TypeError):
            self.e.act("C-1", "dispatch", "u-disp-1")
        with self.assertRaises(TypeError):
            self.e.advance_to(12345)
        with self.assertRaises(TypeError):
            fengqiao.Engine(storage="memory")


class Queries(unittest.TestCase):
    def test_find_and_count_filter_and_page(self):
        b = Bench()
        e = b.engine
        e.register_case("A-1", intake, registration())
        b.to_handling("A-2")
        other = registration()
        other["jurisdiction"] = ["daxinganling", "tahe", "kaikuang"]
        e.register_case("A-3", intake, other)

        self.assertEqual([c.id for c in e.find()], ["A-1", "A-2", "A-3"])
        self.assertEqual([c.id for c in e.find(state="registered")], ["A-1", "A-3"])
        self.assertEqual([c.id for c in e.find(lead="justice_xilinji")], ["A-2"])
        self.assertEqual([c.id for c in e.find(jurisdiction=["daxinganling", "mohe"])], ["A-1", "A-2"])
        self.assertEqual([c.id for c in e.find(jurisdiction="daxinganling")], ["A-1", "A-2", "A-3"])
        self.assertEqual([c.id for c in e.find(after_id="A-1", limit=1)], ["A-2"])
        self.assertEqual([c.id for c in e.find(supervision="on_track", state="handling")], ["A-2"])
        # Registered cases warn at 24:00 of the registration day; the handling one much later.
        self.assertEqual([c.id for c in e.find(due_before="2025-09-02T00:00:00+08:00")], ["A-1", "A-3"])
        self.assertEqual(e.count(state="registered"), 2)
        self.assertEqual(e.count(), 3)
        with self.assertRaises(fengqiao.InvalidData):
            e.find(state="open")


if __name__ == "__main__":
    unittest.main()
