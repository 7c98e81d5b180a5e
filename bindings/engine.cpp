// fengqiao.Engine. Arguments are converted while holding the GIL; the engine call itself
// runs without it, because it may wait on storage I/O or locks, and listeners it calls
// take the GIL back in their trampoline. Results are converted once the GIL is back.
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include <fengqiao/engine.hpp>
#include <fengqiao/memory_storage.hpp>

#include "common.hpp"
#include "hints.hpp"
#include "listeners.hpp"

namespace fengqiao::python {
namespace {

struct PyEngine {
  std::shared_ptr<Storage> storage;
  std::shared_ptr<Clock> clock;
  PyRefPtr on_listener_error;
  // Our own reference to each subscribed callable: unsubscribe frees it here, outside
  // the engine's listener lock, and the garbage collector can see it (tp_traverse).
  std::map<ListenerId, PyRefPtr> listeners;
  UtcOffset offset;
  std::unique_ptr<Engine> engine;  // declared last: destroyed first, before what it uses
};

// An open Engine.batch(); the engine is kept alive by keep_alive on batch().
struct PyBatch {
  std::optional<Engine::Batch> batch;
};

template <class F>
auto without_gil(F&& f) {
  py::gil_scoped_release nogil;
  return f();
}

CaseView view(PyEngine& self, Result<Case> r) {
  if (!r) throw Exception(r.error());
  return CaseView{std::move(r).value(), self.offset};
}

// What Engine.apply returns: the Applied result, its times in the engine's offset.
struct AppliedView {
  Applied value;
  UtcOffset offset;
};

CaseQuery make_query(py::handle state, py::handle supervision, py::handle lead, py::handle jurisdiction,
                     py::handle due_before, const std::string& after_id, std::size_t limit) {
  CaseQuery q;
  if (!state.is_none()) q.state = parse_name<State>(state.cast<std::string>(), "state");
  if (!supervision.is_none()) q.supervision = parse_name<Supervision>(supervision.cast<std::string>(), "supervision");
  if (!lead.is_none()) q.lead = lead.cast<std::string>();
  if (py::isinstance<py::str>(jurisdiction)) {
    q.jurisdiction.push_back(jurisdiction.cast<std::string>());  // one element, not its characters
  } else if (!jurisdiction.is_none()) {
    for (auto item : py::reinterpret_borrow<py::iterable>(jurisdiction)) q.jurisdiction.push_back(item.cast<std::string>());
  }
  if (!due_before.is_none()) q.due_before = to_instant(due_before, "due_before");
  q.after_id = after_id;
  q.limit = limit;
  return q;
}

VisitQuery make_visit_query(py::handle from, py::handle to, py::handle kind, py::handle channel, py::handle case_id,
                            py::handle id_number, py::handle phone, const std::string& after_id, std::size_t limit) {
  VisitQuery q;
  if (!from.is_none()) q.from = to_instant(from, "from_");
  if (!to.is_none()) q.to = to_instant(to, "to");
  if (!kind.is_none()) q.kind = parse_name<VisitKind>(kind.cast<std::string>(), "kind");
  if (!channel.is_none()) q.channel = parse_name<Channel>(channel.cast<std::string>(), "channel");
  if (!case_id.is_none()) q.case_id = case_id.cast<std::string>();
  if (!id_number.is_none()) q.id_number = id_number.cast<std::string>();
  if (!phone.is_none()) q.phone = phone.cast<std::string>();
  q.after_id = after_id;
  q.limit = limit;
  return q;
}

std::unique_ptr<PyEngine> make_engine(const OptionalStorage& storage, const OptionalClock& clock,
                                      const OptionalCalendarLike& calendar, const OptionalRulesLike& rules,
                                      const OptionalFailureHandler& on_listener_error, bool adopt_stored_configuration) {
  auto self = std::make_unique<PyEngine>();
  if (storage.is_none()) self->storage = std::make_shared<MemoryStorage>();
  else if (py::isinstance<Storage>(storage)) self->storage = storage.cast<std::shared_ptr<Storage>>();
  else throw py::type_error("storage: expected a fengqiao.Storage (MemoryStorage, ...) or None");
  if (clock.is_none()) self->clock = std::make_shared<SystemClock>();
  else if (py::isinstance<Clock>(clock)) self->clock = clock.cast<std::shared_ptr<Clock>>();
  else throw py::type_error("clock: expected a fengqiao.Clock (ManualClock, SystemClock) or None");
  if (!on_listener_error.is_none()) {
    if (!PyCallable_Check(on_listener_error.ptr())) throw py::type_error("on_listener_error: expected a callable");
    self->on_listener_error = std::make_shared<PyRef>(py::reinterpret_borrow<py::object>(on_listener_error));
  }
  EngineOptions o;
  o.storage = self->storage;
  o.clock = self->clock;
  // None: the store's (or, for a store that keeps none, the defaults).
  if (!calendar.is_none()) o.calendar = calendar_from(calendar);
  if (!rules.is_none()) o.rules = rules_from(rules);
  o.adopt_stored_configuration = adopt_stored_configuration;
  o.on_listener_error = make_failure_route(self->on_listener_error);
  // Without the GIL: opening reads (and may record) the store's configuration, which can
  // wait on another connection's lock. Nothing here calls back into Python.
  self->engine = without_gil([&] { return std::make_unique<Engine>(std::move(o)); });
  self->offset = self->engine->calendar().utc_offset();
  return self;
}

std::optional<DeadlineRules> optional_rules(py::handle rules) {
  if (rules.is_none()) return std::nullopt;
  return rules_from(rules);
}

ConfigurationChange update(PyEngine& self, std::optional<BusinessCalendar> calendar,
                           std::optional<DeadlineRules> rules) {
  Result<ConfigurationChange> r =
      without_gil([&] { return self.engine->try_update_configuration(calendar, rules); });
  if (!r) throw Exception(r.error());
  return std::move(r).value();
}

BusinessCalendar update_calendar_from(const PyEngine& self, py::handle calendar) {
  if (calendar.is_none()) throw py::type_error("calendar: expected fengqiao.BusinessCalendar or a dict, not None");
  return calendar_from(calendar, self.offset);
}

// Lets the garbage collector break engine -> listener -> closure -> engine cycles,
// which are the natural way to write a listener that reads the engine.
void enable_gc(PyHeapTypeObject* heap_type) {
  auto* type = &heap_type->ht_type;
  type->tp_flags |= Py_TPFLAGS_HAVE_GC;
  type->tp_traverse = [](PyObject* self_base, visitproc visit, void* arg) -> int {
    Py_VISIT(Py_TYPE(self_base));
    PyEngine* self = nullptr;
    try {
      self = &py::handle(self_base).cast<PyEngine&>();
    } catch (...) {
      return 0;  // not constructed yet (or failed to): it holds nothing
    }
    if (self->on_listener_error) Py_VISIT(self->on_listener_error->obj.ptr());
    for (auto& [id, ref] : self->listeners) Py_VISIT(ref->obj.ptr());
    return 0;
  };
  type->tp_clear = [](PyObject* self_base) -> int {
    PyEngine* self = nullptr;
    try {
      self = &py::handle(self_base).cast<PyEngine&>();
    } catch (...) {
      return 0;
    }
    for (auto& [id, ref] : self->listeners) {
      if (self->engine) self->engine->unsubscribe(id);
      ref->obj = py::object();
    }
    self->listeners.clear();
    if (self->on_listener_error) self->on_listener_error->obj = py::object();
    return 0;
  };
}

}  // namespace

void bind_engine(py::module_& m) {
  py::class_<PyBatch>(m, "Batch",
                      "Groups actions into one storage transaction; listeners run when it commits. "
                      "Use as a context manager: commits on normal exit, rolls back on an exception. "
                      "It belongs to the thread that opened it: other threads' calls wait for it to end "
                      "(Busy after the storage's busy timeout) and never join it. Any thread may commit it.")
      .def("commit",
           [](PyBatch& b) {
             if (!b.batch) fail(ErrorCode::storage_error, "this batch was already committed or rolled back");
             without_gil([&] {
               b.batch->commit();
               return 0;
             });
             b.batch.reset();
           },
           "Stores the batch's actions in one transaction, then runs their listeners. Raises StorageError "
           "if it already ended; Conflict, Busy or StorageError if the commit fails (nothing is stored).")
      .def(
          "rollback",
          [](PyBatch& b) {
            without_gil([&] {
              b.batch.reset();
              return 0;
            });
          },
          "Drops the batch's actions: nothing of them is stored and no listener runs. Harmless once ended.")
      .def("__enter__", [](PyBatch& self) -> PyBatch& { return self; }, py::return_value_policy::reference_internal,
           "The batch itself.")
      .def(
          "__exit__",
          [](PyBatch& b, const ExceptionType& type, const OptionalException&, const Traceback&) {
            if (!b.batch) return false;
            without_gil([&] {
              if (type.is_none()) b.batch->commit();
              b.batch.reset();
              return 0;
            });
            return false;
          },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"),
          "Commits on a normal exit, rolls back on an exception (which is not suppressed).");

  py::class_<AppliedView>(m, "Applied",
                          "What Engine.apply stored: the case's version, state and supervision after the action; "
                          "the snapshot only when asked for (want_snapshot=True).")
      .def_property_readonly("version", [](const AppliedView& a) { return a.value.version; },
                             "The stored event's seq: the case's version after it.")
      .def_property_readonly("at", [](const AppliedView& a) { return Datetime(to_datetime(a.value.at, a.offset)); },
                             "The event's instant, in the engine calendar's offset.")
      .def_property_readonly("state", [](const AppliedView& a) { return std::string(to_string(a.value.state)); },
                             "The lifecycle state once the action applied: one of STATES.")
      .def_property_readonly("supervision",
                             [](const AppliedView& a) { return std::string(to_string(a.value.supervision)); },
                             "The supervision region once the action applied: one of SUPERVISION.")
      .def_property_readonly("snapshot",
                             [](const AppliedView& a) {
                               if (!a.value.snapshot) return OptionalCase(py::none());
                               return OptionalCase(py::cast(CaseView{*a.value.snapshot, a.offset}));
                             },
                             "The Case as stored, or None unless apply was called with want_snapshot=True.")
      .def("__repr__", [](const AppliedView& a) {
        return "Applied(version=" + std::to_string(a.value.version) + ", state='" +
               std::string(to_string(a.value.state)) + "', supervision='" +
               std::string(to_string(a.value.supervision)) + "')";
      }, "Version, state and supervision.");

  py::class_<PyEngine>(m, "Engine", py::custom_type_setup(enable_gc),
                       "Runs the dispute lifecycle over a storage. Thread-safe; calls release the GIL.")
      .def(py::init(&make_engine), py::arg("storage") = py::none(), py::arg("clock") = py::none(),
           py::arg("calendar") = py::none(), py::arg("rules") = py::none(), py::arg("on_listener_error") = py::none(),
           py::kw_only(), py::arg("adopt_stored_configuration") = false,
           "storage: a Storage (default a new MemoryStorage); clock: a Clock (default SystemClock); "
           "calendar, rules: the class or a dict as in a history header (a dict calendar is read in "
           "+08:00). The store keeps the configuration in force: None uses the store's (for a store that "
           "keeps none, the spec's defaults, which the engine then records as the store's first). Given ones "
           "that differ from the store's raise InvalidConfig naming the days or rule keys that differ, unless "
           "adopt_stored_configuration=True, which uses the store's and ignores them. "
           "on_listener_error(failure): called when a listener raises (default: a ListenerWarning).")
      .def(
          "register_case",
          [](PyEngine& self, const std::string& case_id, const ActorLike& actor, const JsonDict& data) {
            const Actor who = to_actor(actor);
            const nlohmann::json d = to_json(data, "data");
            return view(self, without_gil([&] { return self.engine->try_register_case(case_id, who, d); }));
          },
          py::arg("case_id"), py::arg("actor"), py::arg("data"),
          "`register`: data has channel, category, urgency, jurisdiction, parties, summary. Returns the Case.")
      .def(
          "act",
          [](PyEngine& self, const std::string& case_id, const std::string& action, const ActorLike& actor,
             const OptionalJsonDict& data) {
            const Action a = parse_name<Action>(action, "action");
            const Actor who = to_actor(actor);
            const nlohmann::json d = data.is_none() ? nlohmann::json::object() : to_json(data, "data");
            return view(self, without_gil([&] { return self.engine->try_act(case_id, a, who, d); }));
          },
          py::arg("case_id"), py::arg("action"), py::arg("actor"), py::arg("data") = py::none(),
          "Any action of the lifecycle by its spec name. Returns the Case as stored; a refusal raises "
          "the Error subclass of its code and changes nothing.")
      .def(
          "apply",
          [](PyEngine& self, const std::string& case_id, const std::string& action, const ActorLike& actor,
             const OptionalJsonDict& data, bool want_snapshot) {
            const Action a = parse_name<Action>(action, "action");
            const Actor who = to_actor(actor);
            nlohmann::json d = data.is_none() ? nlohmann::json::object() : to_json(data, "data");
            Result<Applied> r = without_gil(
                [&] { return self.engine->apply(case_id, a, who, std::move(d), ApplyOptions{want_snapshot}); });
            if (!r) throw Exception(r.error());
            return AppliedView{std::move(r).value(), self.offset};
          },
          py::arg("case_id"), py::arg("action"), py::arg("actor"), py::arg("data") = py::none(), py::kw_only(),
          py::arg("want_snapshot") = false,
          "The fast path of act (register too, as action \"register\"): the same checks, event and "
          "listeners, but the Case is built for Python only with want_snapshot=True. Returns an Applied "
          "(version, at, state, supervision); a refusal raises the Error subclass of its code and changes nothing.")
      .def(
          "get",
          [](PyEngine& self, const std::string& case_id) {
            return view(self, without_gil([&] { return self.engine->try_get(case_id); }));
          },
          py::arg("case_id"), "The case as stored now; UnknownCase if there is none.")
      .def(
          "history",
          [](PyEngine& self, const std::string& case_id) {
            std::vector<Event> events = without_gil([&] { return self.engine->history(case_id); });
            py::list out;
            for (auto& e : events) out.append(py::cast(EventView{std::move(e), self.offset}));
            return EventList(std::move(out));
          },
          py::arg("case_id"), "The case's events, oldest first.")
      .def(
          "find",
          [](PyEngine& self, const OptionalStr& state, const OptionalStr& supervision, const OptionalStr& lead,
             const OptionalStrings& jurisdiction, const OptionalInstantLike& due_before, const std::string& after_id,
             std::size_t limit) {
            const CaseQuery q = make_query(state, supervision, lead, jurisdiction, due_before, after_id, limit);
            std::vector<Case> cases = without_gil([&] { return self.engine->find(q); });
            py::list out;
            for (auto& c : cases) out.append(py::cast(CaseView{std::move(c), self.offset}));
            return CaseList(std::move(out));
          },
          py::kw_only(), py::arg("state") = py::none(), py::arg("supervision") = py::none(),
          py::arg("lead") = py::none(), py::arg("jurisdiction") = py::none(), py::arg("due_before") = py::none(),
          py::arg("after_id") = "", py::arg("limit") = 0,
          "Cases matching every filter given, ordered by id. jurisdiction: the path starts with these "
          "elements. due_before: the next deadline event is at or before it. Page with after_id/limit.")
      .def(
          "count",
          [](PyEngine& self, const OptionalStr& state, const OptionalStr& supervision, const OptionalStr& lead,
             const OptionalStrings& jurisdiction, const OptionalInstantLike& due_before) {
            const CaseQuery q = make_query(state, supervision, lead, jurisdiction, due_before, "", 0);
            return without_gil([&] { return self.engine->count(q); });
          },
          py::kw_only(), py::arg("state") = py::none(), py::arg("supervision") = py::none(),
          py::arg("lead") = py::none(), py::arg("jurisdiction") = py::none(), py::arg("due_before") = py::none(),
          "How many cases find() would return with the same filters, without reading them.")
      .def(
          "record_visit",
          [](PyEngine& self, const std::string& visit_id, const ActorLike& actor, const OptionalJsonDict& data) {
            const Actor who = to_actor(actor);
            const nlohmann::json d = data.is_none() ? nlohmann::json::object() : to_json(data, "data");
            auto r = without_gil([&] { return self.engine->try_record_visit(visit_id, who, d); });
            if (!r) throw Exception(r.error());
            return VisitView{std::move(r).value(), self.offset};
          },
          py::arg("visit_id"), py::arg("actor"), py::arg("data"),
          "Records a visit: data has channel, kind (claim, inquiry, lead), parties, summary and optionally "
          "case. Returns the Visit; a refusal raises DuplicateVisit, NotPermitted, InvalidData or "
          "UnknownCase (checked in that order) and records nothing. Changes no case; calls no listener.")
      .def(
          "visits",
          [](PyEngine& self, const OptionalInstantLike& from, const OptionalInstantLike& to, const OptionalStr& kind,
             const OptionalStr& channel, const OptionalStr& case_id, const OptionalStr& id_number,
             const OptionalStr& phone, const std::string& after_id, std::size_t limit) {
            const VisitQuery q = make_visit_query(from, to, kind, channel, case_id, id_number, phone, after_id, limit);
            std::vector<Visit> visits = without_gil([&] { return self.engine->visits(q); });
            py::list out;
            for (auto& v : visits) out.append(py::cast(VisitView{std::move(v), self.offset}));
            return VisitList(std::move(out));
          },
          py::kw_only(), py::arg("from_") = py::none(), py::arg("to") = py::none(), py::arg("kind") = py::none(),
          py::arg("channel") = py::none(), py::arg("case_id") = py::none(), py::arg("id_number") = py::none(),
          py::arg("phone") = py::none(), py::arg("after_id") = "", py::arg("limit") = 0,
          "Visits matching every filter given, ordered by id. from_/to: the period [from_, to) (aware "
          "datetimes or ISO strings). id_number, phone: some party has exactly this one. Page with "
          "after_id/limit.")
      .def(
          "count_visits",
          [](PyEngine& self, const OptionalInstantLike& from, const OptionalInstantLike& to, const OptionalStr& kind,
             const OptionalStr& channel, const OptionalStr& case_id, const OptionalStr& id_number,
             const OptionalStr& phone) {
            const VisitQuery q = make_visit_query(from, to, kind, channel, case_id, id_number, phone, "", 0);
            return without_gil([&] { return self.engine->count_visits(q); });
          },
          py::kw_only(), py::arg("from_") = py::none(), py::arg("to") = py::none(), py::arg("kind") = py::none(),
          py::arg("channel") = py::none(), py::arg("case_id") = py::none(), py::arg("id_number") = py::none(),
          py::arg("phone") = py::none(),
          "How many visits visits() would return with the same filters, without reading them.")
      .def(
          "advance_to",
          [](PyEngine& self, const InstantLike& when) {
            const Instant t = to_instant(when, "when");
            return without_gil([&] { return self.engine->advance_to(t).fired; });
          },
          py::arg("when"),
          "Fires every deadline event due at or before `when` (aware datetime or ISO string); "
          "returns how many fired. Does not move the clock.")
      .def(
          "poll", [](PyEngine& self) { return without_gil([&] { return self.engine->poll().fired; }); },
          "advance_to(clock.now()).")
      .def(
          "next_due",
          [](PyEngine& self) {
            std::optional<Instant> t = without_gil([&] { return self.engine->next_due(); });
            return OptionalDatetime(to_datetime(t, self.offset));
          },
          "When the next deadline event is due, or None.")
      .def(
          "subscribe",
          [](PyEngine& self, const EventListener& callback) {
            if (!PyCallable_Check(callback.ptr())) throw py::type_error("subscribe: expected a callable");
            auto ref = std::make_shared<PyRef>(py::reinterpret_borrow<py::object>(callback));
            const ListenerId id = self.engine->subscribe(make_listener(ref, self.offset));
            self.listeners.emplace(id, std::move(ref));
            return id;
          },
          py::arg("callback"),
          "callback(event, case) after each stored event, on the thread that made the change. "
          "Returns an id for unsubscribe().")
      .def(
          "unsubscribe",
          [](PyEngine& self, ListenerId id) {
            self.engine->unsubscribe(id);
            self.listeners.erase(id);  // after the engine let go: the callable is freed outside its lock
          },
          py::arg("id"), "Removes a listener of subscribe() or subscribe_configuration().")
      .def(
          "batch",
          // Without the GIL: SQLite's begin waits for the write lock, which another
          // Python thread's batch may hold until it gets the GIL back to commit.
          [](PyEngine& self) { return without_gil([&] { return PyBatch{self.engine->batch()}; }); },
          py::keep_alive<0, 1>(),
          "Opens a Batch for this thread: `with engine.batch(): ...` stores the actions inside in one "
          "transaction (one fsync), listeners running at its commit. Busy if another thread's batch "
          "holds the storage past its busy timeout.")
      .def(
          "update_calendar",
          [](PyEngine& self, const CalendarLike& calendar) {
            return update(self, update_calendar_from(self, calendar), std::nullopt);
          },
          py::arg("calendar"),
          "Replaces the calendar at the clock's now (next year's holidays and make-up days, published "
          "each December): first fires what is due, then recomputes the pending deadline instants of "
          "every open case's clocks (running, stopped or held; fired instants stay fired), all in one "
          "atomic change. `calendar`: a BusinessCalendar or a dict (read in the engine's UTC offset). "
          "Returns a ConfigurationChange. Raises InvalidConfig (and changes nothing) for a calendar that "
          "changes today or an earlier day, the weekend or the offset, naming the first day; Conflict "
          "when another engine changed the store meanwhile (retry); Busy, StorageError.")
      .def(
          "update_rules",
          [](PyEngine& self, const RulesLike& rules) {
            if (rules.is_none()) throw py::type_error("rules: expected fengqiao.DeadlineRules or a dict, not None");
            return update(self, std::nullopt, rules_from(rules));
          },
          py::arg("rules"),
          "Replaces the deadline rules at the clock's now. They govern registrations and clocks started "
          "from now on; a running clock keeps its rule, a closed case its reopen window. Returns a "
          "ConfigurationChange; refusals as update_calendar.")
      .def(
          "update_configuration",
          [](PyEngine& self, const OptionalCalendarLike& calendar, const OptionalRulesLike& rules) {
            std::optional<BusinessCalendar> cal;
            if (!calendar.is_none()) cal = calendar_from(calendar, self.offset);
            return update(self, std::move(cal), optional_rules(rules));
          },
          py::arg("calendar") = py::none(), py::arg("rules") = py::none(),
          "Replaces the calendar, the rules or both in one change (None: keep it). Neither given raises "
          "InvalidConfig. Otherwise as update_calendar and update_rules.")
      .def_property_readonly(
          "configuration",
          [](const PyEngine& self) { return without_gil([&] { return self.engine->configuration(); }); },
          "The ConfigRecord in force as this engine last read or wrote it (seq 0 when the store could not "
          "keep it: opened read-only).")
      .def(
          "configuration_history",
          [](const PyEngine& self) {
            std::vector<ConfigRecord> records = without_gil([&] { return self.engine->configuration_history(); });
            py::list out;
            for (auto& r : records) out.append(py::cast(std::move(r)));
            return ConfigRecordList(std::move(out));
          },
          "Every ConfigRecord the store kept, oldest first (seq 1 is the first).")
      .def(
          "subscribe_configuration",
          [](PyEngine& self, const ConfigurationListener& callback) {
            if (!PyCallable_Check(callback.ptr()))
              throw py::type_error("subscribe_configuration: expected a callable");
            auto ref = std::make_shared<PyRef>(py::reinterpret_borrow<py::object>(callback));
            const ListenerId id = self.engine->subscribe_configuration(make_config_listener(ref));
            self.listeners.emplace(id, std::move(ref));
            return id;
          },
          py::arg("callback"),
          "callback(record) after each configuration change is stored (for a change inside a batch, when "
          "the batch commits), with the ConfigRecord then in force. Failures are routed like those of "
          "subscribe() listeners (failure.case_id is \"\", failure.event_seq the record's seq). Returns an "
          "id for unsubscribe().")
      .def_property_readonly(
          "calendar", [](const PyEngine& self) { return without_gil([&] { return self.engine->calendar(); }); },
          "The BusinessCalendar in force (a copy: it follows updates only when read again).")
      .def_property_readonly(
          "rules", [](const PyEngine& self) { return without_gil([&] { return self.engine->rules(); }); },
          "The DeadlineRules in force (a copy).")
      .def_property_readonly("clock", [](const PyEngine& self) { return self.clock; }, "The Clock it reads now from.")
      .def_property_readonly("storage", [](const PyEngine& self) { return self.storage; },
                             "The Storage its cases live in.");
}

}  // namespace fengqiao::python
