// Helpers for the lifecycle and deadline suites: an engine rig with a manual clock and a
// recording listener, the canonical way to perform each action of LIFECYCLE.md's table,
// the shortest path into each state, and readable doctest output for the library's types.
//
// Nothing here computes a deadline: expected instants are written by hand in the tests.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "fixtures.hpp"

// ---- doctest output ----------------------------------------------------------------------
namespace fengqiao {
inline std::ostream& operator<<(std::ostream& o, State v) { return o << to_string(v); }
inline std::ostream& operator<<(std::ostream& o, Supervision v) { return o << to_string(v); }
inline std::ostream& operator<<(std::ostream& o, Stage v) { return o << to_string(v); }
inline std::ostream& operator<<(std::ostream& o, Action v) { return o << to_string(v); }
inline std::ostream& operator<<(std::ostream& o, EventType v) { return o << to_string(v); }
inline std::ostream& operator<<(std::ostream& o, Role v) { return o << to_string(v); }
inline std::ostream& operator<<(std::ostream& o, Urgency v) { return o << to_string(v); }
inline std::ostream& operator<<(std::ostream& o, Outcome v) { return o << to_string(v); }
inline std::ostream& operator<<(std::ostream& o, ErrorCode v) { return o << to_string(v); }
}  // namespace fengqiao

namespace doctest {
template <>
struct StringMaker<fengqiao::Instant> {
  static String convert(const fengqiao::Instant& t) { return fengqiao::format_instant(t).c_str(); }
};
template <class T>
struct StringMaker<std::optional<T>> {
  static String convert(const std::optional<T>& v) { return v ? toString(*v) : String("nullopt"); }
};
}  // namespace doctest

namespace fengqiao::testing {

// ---- Actors --------------------------------------------------------------------------------
// `intake` (fixtures.hpp) registers every case these helpers create, so it is the first
// responder; the actors below never share its id.
inline const Actor other_intake{"u-intake-2", Role::intake, "center"};
inline const Actor grid_worker{"u-grid-7", Role::grid_worker, "grid_xilinji_3"};
inline const Actor new_lead_handler{"u-hp-2", Role::handler, "police_xilinji"};

inline const std::array<State, 9> kAllStates = {State::registered, State::dispatched,    State::handling,
                                                State::consulting, State::suspended,     State::concluded,
                                                State::feedback_given, State::closed, State::withdrawn};
inline constexpr auto kAllActions = all_of<Action>();

// ---- The canonical form of each action -----------------------------------------------------
// A permitted actor and valid data for each action, on a case dispatched to
// justice_xilinji (the lead of every case drive_to creates).
struct Step {
  Action action;
  Actor actor;
  nlohmann::json data;
};

inline Step canonical(Action a) {
  using nlohmann::json;
  switch (a) {
    case Action::register_case: return {a, intake, registration()};
    case Action::resolve_on_spot: return {a, intake, {{"agreement", "Both agree to share the repair."}}};
    case Action::decline: return {a, dispatcher, {{"reason", "A contract dispute."}, {"guidance", "the county court"}}};
    case Action::dispatch:
      return {a, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}, {"co", {"police_xilinji"}}}};
    case Action::accept: return {a, lead_handler, json::object()};
    case Action::return_: return {a, lead_handler, {{"reason", "Not our competence."}}};
    case Action::transfer: return {a, dispatcher, {{"lead", "police_xilinji"}, {"reason", "A public-order matter."}}};
    case Action::start_consultation: return {a, lead_handler, {{"orgs", {"police_xilinji", "housing_mohe"}}}};
    case Action::end_consultation: return {a, lead_handler, {{"plan", "Survey the boundary jointly."}}};
    case Action::suspend: return {a, lead_handler, {{"reason", "Party in hospital."}}};
    case Action::resume: return {a, lead_handler, json::object()};
    case Action::extend: return {a, supervisor, {{"days", 2}, {"reason", "Expert survey pending."}}};
    case Action::resolve: return {a, lead_handler, {{"method", "people_mediation"}, {"agreement", "Fence moved."}}};
    case Action::refer: return {a, lead_handler, {{"channel", "litigation"}, {"note", "Claim over 1 million."}}};
    case Action::give_feedback: return {a, dispatcher, {{"medium", "phone"}, {"content", "Agreement explained."}}};
    case Action::follow_up: return {a, dispatcher, {{"satisfaction", "satisfied"}, {"note", "Happy."}}};
    case Action::reopen: return {a, supervisor, {{"reason", "The agreement was not honoured."}}};
    case Action::withdraw: return {a, party_citizen, {{"reason", "Settled privately."}}};
    case Action::supervise: return {a, supervisor, {{"order", "Report progress by Friday."}}};
    case Action::assign: return {a, dispatcher, {{"assignee", lead_handler.id}}};
    case Action::note:
      return {a, dispatcher,
              {{"text", "Called both parties."},
               {"attachments", {{{"ref", "scan://visit-1.pdf"}, {"kind", "record"}}}}}};
  }
  return {a, admin, json::object()};
}

// The actions the spec's table allows from each state (LIFECYCLE.md "Actions"), written
// from the spec by hand: an oracle independent of fengqiao/action_table.hpp.
inline std::vector<Action> allowed_from(State s) {
  using A = Action;
  switch (s) {
    case State::registered: return {A::resolve_on_spot, A::decline, A::dispatch, A::withdraw, A::supervise, A::note};
    case State::dispatched: return {A::accept, A::return_, A::withdraw, A::supervise, A::assign, A::note};
    case State::handling:
      return {A::transfer, A::start_consultation, A::suspend, A::extend, A::resolve,
              A::refer,    A::withdraw,           A::supervise, A::assign, A::note};
    case State::consulting:
      return {A::end_consultation, A::suspend, A::extend, A::resolve, A::refer, A::withdraw, A::supervise, A::assign,
              A::note};
    case State::suspended: return {A::resume, A::withdraw, A::supervise, A::assign, A::note};
    case State::concluded: return {A::give_feedback, A::supervise, A::note};
    case State::feedback_given: return {A::follow_up, A::supervise, A::note};
    case State::closed: return {A::reopen, A::note};
    case State::withdrawn: return {A::note};
  }
  return {};
}

// ---- An engine to test -------------------------------------------------------------------
// A recorded listener call.
struct Heard {
  Event event;
  Case snapshot;
};

struct Rig {
  std::shared_ptr<ManualClock> clock;
  std::shared_ptr<MemoryStorage> storage = std::make_shared<MemoryStorage>();
  std::unique_ptr<Engine> engine;
  std::vector<Heard> heard;                     // every listener call, in order
  std::vector<ListenerFailure> listener_errors;  // what EngineOptions::on_listener_error received

  explicit Rig(const std::string& start = "2025-09-01T09:00:00+08:00", DeadlineRules rules = DeadlineRules(),
               BusinessCalendar calendar = national_day_2025())
      : clock(std::make_shared<ManualClock>(at(start))) {
    EngineOptions o;
    o.clock = clock;
    o.storage = storage;
    o.calendar = std::move(calendar);
    o.rules = std::move(rules);
    o.on_listener_error = [this](const ListenerFailure& f) { listener_errors.push_back(f); };
    engine = std::make_unique<Engine>(std::move(o));
    engine->subscribe([this](const Event& e, const Case& c) { heard.push_back({e, c}); });
  }

  // The recording listener and the error handler point at this object: it stays put.
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  Engine& operator*() { return *engine; }
  Engine* operator->() { return engine.get(); }
  void set(const std::string& iso) { clock->set(at(iso)); }
  Case get(const std::string& id) { return engine->get(id); }

  Case act(const std::string& id, const Step& s) { return engine->act(id, s.action, s.actor, s.data); }
  Case act(const std::string& id, Action a) { return act(id, canonical(a)); }
  Case act(const std::string& id, Action a, const Actor& who, const nlohmann::json& data) {
    return engine->act(id, a, who, data);
  }
  Result<Case> try_act(const std::string& id, Action a) {
    const Step s = canonical(a);
    return engine->try_act(id, a, s.actor, s.data);
  }
  Case register_case(const std::string& id, const nlohmann::json& data = registration(), const Actor& who = intake) {
    return engine->register_case(id, who, data);
  }

  // The engine-generated events of a case, in order (actions left out).
  std::vector<Event> engine_events(const std::string& id) {
    std::vector<Event> out;
    for (Event& e : engine->history(id))
      if (e.type != EventType::action) out.push_back(std::move(e));
    return out;
  }
};

// A new case `id` brought into `target` by the shortest path of the table, every action at
// the clock's current time. The lead org is justice_xilinji (from `dispatched` on).
inline Case drive_to(Rig& rig, const std::string& id, State target, const nlohmann::json& reg = registration()) {
  using A = Action;
  std::vector<A> path;
  switch (target) {
    case State::registered: break;
    case State::dispatched: path = {A::dispatch}; break;
    case State::handling: path = {A::dispatch, A::accept}; break;
    case State::consulting: path = {A::dispatch, A::accept, A::start_consultation}; break;
    case State::suspended: path = {A::dispatch, A::accept, A::suspend}; break;
    case State::concluded: path = {A::dispatch, A::accept, A::resolve}; break;
    case State::feedback_given: path = {A::dispatch, A::accept, A::resolve, A::give_feedback}; break;
    case State::closed: path = {A::dispatch, A::accept, A::resolve, A::give_feedback, A::follow_up}; break;
    case State::withdrawn: path = {A::withdraw}; break;
  }
  Case c = rig.register_case(id, reg);
  for (A a : path) c = rig.act(id, a);
  REQUIRE(c.state == target);
  return c;
}

// Expects `action` to be refused with `code` and checks that nothing changed: the stored
// snapshot (as JSON), the history and the listeners. Returns the refusal.
inline Error expect_refused(Rig& rig, const std::string& id, Action action, const Actor& who,
                            const nlohmann::json& data, ErrorCode code) {
  const nlohmann::json before = rig.storage->load(id) ? nlohmann::json(rig.get(id)) : nlohmann::json();
  const std::size_t history = before.is_null() ? 0 : rig->history(id).size();
  const std::size_t heard = rig.heard.size();

  auto r = rig->try_act(id, action, who, data);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == code);
  CHECK_FALSE(r.error().message.empty());

  if (before.is_null()) {
    CHECK_FALSE(rig.storage->load(id).ok());
  } else {
    CHECK(nlohmann::json(rig.get(id)) == before);
    CHECK(rig->history(id).size() == history);
  }
  CHECK(rig.heard.size() == heard);
  return r.error();
}

inline Error expect_refused(Rig& rig, const std::string& id, const Step& s, ErrorCode code) {
  return expect_refused(rig, id, s.action, s.actor, s.data, code);
}

// `base` with `key` removed (or replaced, when `value` is given).
inline nlohmann::json without(nlohmann::json base, const std::string& key) {
  base.erase(key);
  return base;
}
inline nlohmann::json with(nlohmann::json base, const std::string& key, nlohmann::json value) {
  base[key] = std::move(value);
  return base;
}

}  // namespace fengqiao::testing
