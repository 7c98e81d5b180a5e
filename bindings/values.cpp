// Actor, and read-only views of case snapshots and events. Views copy the C++ value:
// a snapshot handed to Python stays what it was when taken, like the C++ one does.
// Vocabulary values are plain str (the spec's spelling), never Python enums, so that a
// value read from a Case can be compared with one read from a history file.
#include "common.hpp"
#include "hints.hpp"

#include "fengqiao/action_table.hpp"

namespace fengqiao::python {
namespace {

Strings strings(const std::vector<std::string>& values) {
  py::list out;
  for (const auto& v : values) out.append(py::str(v));
  return Strings(std::move(out));
}

OptionalStr optional_string(const std::optional<std::string>& v) {
  return OptionalStr(v ? py::object(py::str(*v)) : py::none());
}

template <class E>
OptionalStr optional_name(const std::optional<E>& v) {
  return OptionalStr(name_or_none(v));
}

std::string name(std::string_view text) { return std::string(text); }

template <class E>
py::tuple names() {
  py::list out;
  for (E e : all_of<E>()) out.append(py::str(name(to_string(e))));
  return py::tuple(out);
}

std::string quote(const std::string& s) { return py::repr(py::str(s)).cast<std::string>(); }

void bind_actor(py::module_& m) {
  py::class_<Actor>(m, "Actor", "Who performs an action: a person with one role, working for one org.")
      .def(py::init([](std::string id, const std::string& role, std::string org) {
             return Actor{std::move(id), parse_name<Role>(role, "role"), std::move(org)};
           }),
           py::arg("id"), py::arg("role"), py::arg("org") = "",
           "role: one of ROLES (InvalidData otherwise). org: the organisation the person acts for.")
      .def_property_readonly("id", [](const Actor& a) { return a.id; }, "The person's id, as the embedder knows it.")
      .def_property_readonly("role", [](const Actor& a) { return name(to_string(a.role)); }, "One of ROLES.")
      .def_property_readonly("org", [](const Actor& a) { return a.org; }, "The org the person acts for (\"\" if none).")
      .def("to_dict", [](const Actor& a) { return JsonDict(from_json(nlohmann::json(a))); },
           "{\"id\", \"role\", \"org\"}, as in a history line.")
      .def(
          "__eq__",
          [](const Actor& a, py::object other) {
            if (!py::isinstance<Actor>(other)) return false;
            const auto& b = other.cast<const Actor&>();
            return a.id == b.id && a.role == b.role && a.org == b.org;
          },
          py::arg("other"), "Same id, role and org.")
      .def("__hash__", [](const Actor& a) { return py::hash(py::make_tuple(a.id, name(to_string(a.role)), a.org)); },
           "Consistent with ==: actors can be set members and dict keys.")
      .def(
          "__repr__",
          [](const Actor& a) {
            return "Actor(" + quote(a.id) + ", " + quote(name(to_string(a.role))) + ", " + quote(a.org) + ")";
          },
          "The constructor call that makes an equal Actor.");
}

void bind_case(py::module_& m) {
  using C = CaseView;
  py::class_<C>(m, "Case", "A case snapshot: everything the engine knew about one dispute when it was taken.")
      .def_property_readonly("id", [](const C& c) { return c.value.id; }, "The case id given at registration.")
      .def_property_readonly("channel", [](const C& c) { return name(to_string(c.value.channel)); },
                             "How it reached the center: one of CHANNELS.")
      .def_property_readonly("category", [](const C& c) { return c.value.category; },
                             "The dispute's category (free text, e.g. \"labour_wage\"); rules may depend on it.")
      .def_property_readonly("urgency", [](const C& c) { return name(to_string(c.value.urgency)); },
                             "One of URGENCIES.")
      .def_property_readonly("jurisdiction", [](const C& c) { return strings(c.value.jurisdiction); },
                             "The administrative path, widest first, e.g. [\"daxinganling\", \"mohe\", \"xilinji\"].")
      .def_property_readonly("parties", [](const C& c) { return Parties(from_json(nlohmann::json(c.value.parties))); },
                             "The parties as registered: a list of dicts (name, and id_number, phone, ... if given).")
      .def_property_readonly("summary", [](const C& c) { return c.value.summary; }, "What the dispute is about.")
      .def_property_readonly("first_responder", [](const C& c) { return c.value.first_responder; },
                             "The id of the actor who registered the case.")
      .def_property_readonly("registered_at",
                             [](const C& c) { return Datetime(to_datetime(c.value.registered_at, c.offset)); },
                             "When it was registered (in the engine's UTC offset).")
      .def_property_readonly("route", [](const C& c) { return optional_name(c.value.route); },
                             "The handling route chosen at dispatch (one of ROUTES), or None before.")
      .def_property_readonly("lead", [](const C& c) { return optional_string(c.value.lead); },
                             "The lead org chosen at dispatch, or None before.")
      .def_property_readonly("co_handlers", [](const C& c) { return strings(c.value.co_handlers); },
                             "The orgs that assist the lead.")
      .def_property_readonly("consultation_orgs", [](const C& c) { return strings(c.value.consultation_orgs); },
                             "The orgs of the joint consultation, while one is open.")
      .def_property_readonly(
          "assignee", [](const C& c) { return optional_string(c.value.assignee); },
          "The named person of the lead org accountable for the case (承办人), or None.")
      .def_property_readonly(
          "involved_orgs", [](const C& c) { return strings(c.value.involved_orgs); },
          "Every org ever named on the case as lead, co-handler or consultation participant.")
      .def_property_readonly(
          "notes", [](const C& c) { return c.value.notes; }, "The number of accepted notes.")
      .def_property_readonly(
          "notice", [](const C& c) { return strings(c.value.notice); },
          "The one-time notice (一次性告知) given at registration: what the party must bring or do.")
      .def_property_readonly("state", [](const C& c) { return name(to_string(c.value.state)); }, "One of STATES.")
      .def_property_readonly("suspended_from", [](const C& c) { return optional_name(c.value.suspended_from); },
                             "While suspended, the state it resumes to; else None.")
      .def_property_readonly("outcome", [](const C& c) { return optional_name(c.value.outcome); },
                             "How it was concluded (one of OUTCOMES), or None while open.")
      .def_property_readonly("resolution_method", [](const C& c) { return c.value.resolution_method; },
                             "The method a `resolve` named (\"\" until then).")
      .def_property_readonly("satisfaction", [](const C& c) { return optional_name(c.value.satisfaction); },
                             "The party's satisfaction at follow-up (one of SATISFACTIONS), or None.")
      .def_property_readonly("reopened", [](const C& c) { return c.value.reopened; },
                             "How many times it was reopened.")
      .def_property_readonly("closed_at",
                             [](const C& c) { return OptionalDatetime(to_datetime(c.value.closed_at, c.offset)); },
                             "When it was last closed, or None while open.")
      .def_property_readonly("supervision", [](const C& c) { return name(to_string(c.value.supervision)); },
                             "The supervision region: one of SUPERVISION.")
      .def_property_readonly("level", [](const C& c) { return c.value.level; },
                             "The escalation level (0: never escalated).")
      .def_property_readonly("record", [](const C& c) { return JsonDict(from_json(nlohmann::json(c.value.record))); },
                             "The supervision record: warnings, overdues, escalations and the highest level.")
      .def_property_readonly(
          "stage",
          [](const C& c) {
            return OptionalStr(c.value.clock ? py::object(py::str(name(to_string(c.value.clock->stage)))) : py::none());
          },
          "The stage clock the case is on (stopped while suspended); None when closed or withdrawn.")
      .def_property_readonly(
          "deadline", [](const C& c) { return OptionalDatetime(to_datetime(c.value.deadline(), c.offset)); },
          "The current stage clock's deadline (the stopped clock's while suspended); None when closed or withdrawn.")
      .def_property_readonly(
          "next_due",
          [](const C& c) {
            auto step = c.value.next_due();
            return OptionalDatetime(step ? to_datetime(step->at, c.offset) : py::none());
          },
          "When this case will next fire a deadline event if nothing else happens, or None.")
      .def_property_readonly("version", [](const C& c) { return c.value.version; },
                             "The number of events stored for the case (optimistic concurrency).")
      .def_property_readonly("updated_at",
                             [](const C& c) { return Datetime(to_datetime(c.value.updated_at, c.offset)); },
                             "When its last event was stored.")
      .def(
          "to_dict", [](const C& c) { return JsonDict(from_json(nlohmann::json(c.value))); },
          "The library's complete JSON form (instants as ISO-8601 strings in UTC); json.dumps-able.")
      .def(
          "__repr__",
          [](const C& c) {
            return "<fengqiao.Case " + quote(c.value.id) + " state=" + name(to_string(c.value.state)) +
                   " supervision=" + name(to_string(c.value.supervision)) +
                   " version=" + std::to_string(c.value.version) + ">";
          },
          "Id, state, supervision and version.");
}

void bind_event(py::module_& m) {
  using E = EventView;
  py::class_<E>(m, "Event", "One entry of a case's append-only history: a user's action or a deadline event.")
      .def_property_readonly("case_id", [](const E& e) { return e.value.case_id; }, "The case it belongs to.")
      .def_property_readonly("seq", [](const E& e) { return e.value.seq; }, "1 for the registration, then +1.")
      .def_property_readonly("at", [](const E& e) { return Datetime(to_datetime(e.value.at, e.offset)); },
                             "When it was stored (in the engine's UTC offset).")
      .def_property_readonly("type", [](const E& e) { return name(to_string(e.value.type)); },
                             "\"action\", \"deadline_warning\", \"deadline_overdue\" or \"escalated\".")
      .def_property_readonly("action", [](const E& e) { return optional_name(e.value.action); },
                             "The action (one of ACTIONS) of an action event, else None.")
      .def_property_readonly("name",
                             [](const E& e) {
                               return e.value.action ? name(to_string(*e.value.action)) : name(to_string(e.value.type));
                             },
                             "The action for an action event, else the event type.")
      .def_property_readonly(
          "actor", [](const E& e) { return OptionalActor(e.value.actor ? py::cast(*e.value.actor) : py::none()); },
          "Who acted, or None for a deadline event (the engine's own).")
      .def_property_readonly("data", [](const E& e) { return JsonDict(from_json(e.value.data)); },
                             "The action's data as given (a dict; empty for a deadline event).")
      .def_property_readonly("stage", [](const E& e) { return optional_name(e.value.stage); },
                             "The stage (one of STAGES) of a deadline event, else None.")
      .def_property_readonly("level", [](const E& e) { return e.value.level; },
                             "The escalation level an `escalated` event reached (0 for other events).")
      .def_property_readonly("notified", [](const E& e) { return strings(e.value.notified); },
                             "Who a deadline event notified (orgs and roles).")
      .def_property_readonly("state_after", [](const E& e) { return name(to_string(e.value.state_after)); },
                             "The case's state once the event applied.")
      .def_property_readonly("supervision_after", [](const E& e) { return optional_name(e.value.supervision_after); },
                             "The supervision region once the event applied; None in events stored without it.")
      .def("to_dict", [](const E& e) { return JsonDict(from_json(nlohmann::json(e.value))); },
           "The library's JSON form of the event (instants as ISO-8601 strings in UTC).")
      .def(
          "__repr__",
          [](const E& e) {
            std::string s = "<fengqiao.Event " + quote(e.value.case_id) + " #" + std::to_string(e.value.seq) + " " +
                            (e.value.action ? name(to_string(*e.value.action)) : name(to_string(e.value.type)));
            if (e.value.stage) s += " stage=" + name(to_string(*e.value.stage));
            if (e.value.type == EventType::escalated) s += " level=" + std::to_string(e.value.level);
            return s + " -> " + name(to_string(e.value.state_after)) + ">";
          },
          "Case, seq, name, stage and level where they apply, and the state after.");
}

void bind_visit(py::module_& m) {
  using V = VisitView;
  py::class_<V>(m, "Visit", "A visit (接待登记): a person, group or field lead the center received; no case event.")
      .def_property_readonly("id", [](const V& v) { return v.value.id; }, "The visit id (its own namespace).")
      .def_property_readonly("at", [](const V& v) { return Datetime(to_datetime(v.value.at, v.offset)); },
                             "When it was recorded (in the engine's UTC offset).")
      .def_property_readonly("actor", [](const V& v) { return v.value.actor; }, "Who recorded it.")
      .def_property_readonly("channel", [](const V& v) { return name(to_string(v.value.channel)); },
                             "One of CHANNELS.")
      .def_property_readonly("kind", [](const V& v) { return name(to_string(v.value.kind)); },
                             "\"claim\", \"inquiry\" or \"lead\".")
      .def_property_readonly("parties", [](const V& v) { return Parties(from_json(nlohmann::json(v.value.parties))); },
                             "The people received: a list of dicts.")
      .def_property_readonly("summary", [](const V& v) { return v.value.summary; }, "What they came about.")
      .def_property_readonly(
          "case_id", [](const V& v) { return optional_string(v.value.case_id); },
          "The case it was linked to, or None.")
      .def("to_dict", [](const V& v) { return JsonDict(from_json(nlohmann::json(v.value))); },
           "As a visit line of HISTORY-FORMAT.md: {at, visit, actor, data}.")
      .def(
          "__repr__",
          [](const V& v) {
            return "<fengqiao.Visit " + quote(v.value.id) + " " + name(to_string(v.value.kind)) + " via " +
                   name(to_string(v.value.channel)) + (v.value.case_id ? " case=" + quote(*v.value.case_id) : "") +
                   ">";
          },
          "Id, kind, channel and the linked case.");
}

}  // namespace

Actor to_actor(py::handle value) {
  if (py::isinstance<Actor>(value)) return value.cast<Actor>();
  if (py::isinstance<py::dict>(value)) {
    auto d = py::reinterpret_borrow<py::dict>(value);
    auto text = [&](const char* key, bool required) {
      if (!d.contains(key)) {
        if (required) fail(ErrorCode::invalid_data, std::string("actor.") + key + ": missing");
        return std::string();
      }
      py::object v = d[key];
      if (!py::isinstance<py::str>(v)) fail(ErrorCode::invalid_data, std::string("actor.") + key + ": must be a str");
      return v.cast<std::string>();
    };
    std::string id = text("id", true);
    const Role role = parse_name<Role>(text("role", true), "actor.role");
    return Actor{std::move(id), role, text("org", false)};
  }
  throw py::type_error("actor: expected fengqiao.Actor or a dict with id, role, org, not " +
                       std::string(Py_TYPE(value.ptr())->tp_name));
}

void bind_values(py::module_& m) {
  bind_actor(m);
  bind_case(m);
  bind_event(m);
  bind_visit(m);
  // The spec's vocabulary, for validating input or building menus without the C++ headers.
  m.attr("ACTIONS") = names<Action>();
  m.attr("STATES") = names<State>();
  m.attr("ROLES") = names<Role>();
  m.attr("SUPERVISION") = names<Supervision>();
  m.attr("STAGES") = names<Stage>();
  m.attr("CHANNELS") = names<Channel>();
  m.attr("URGENCIES") = names<Urgency>();
  m.attr("ROUTES") = names<Route>();
  m.attr("OUTCOMES") = names<Outcome>();
  m.attr("SATISFACTIONS") = names<Satisfaction>();
  m.attr("VISIT_KINDS") = names<VisitKind>();
  // LIFECYCLE.md's action table as the engine holds it: who may do what, from where, with
  // which data (fengqiao/action_table.hpp), keyed by action name.
  py::dict table;
  for (Action a : all_of<Action>()) table[py::str(name(to_string(a)))] = from_json(nlohmann::json(spec_of(a)));
  m.attr("ACTION_TABLE") = table;
}

}  // namespace fengqiao::python
