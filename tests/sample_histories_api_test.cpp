// The four hand-written sample histories of tests/data/histories, driven step by step
// through the C++ API (not through replay): each action line becomes a call at its `at`,
// each expectation a check of the snapshot, each refusal a check of the error code, and
// the engine-generated event lines the list of events the engine must have fired, with
// their instants, stages and levels.
#include <doctest/doctest.h>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

const Actor grid_worker_7{"u-grid-7", Role::grid_worker, "grid_xilinji_3"};
const Actor police_handler{"u-hp-1", Role::handler, "police_xilinji"};

struct Expected {
  const char* at;
  EventType type;
  Stage stage;
  int level;
};

void check_events(Rig& rig, const std::string& id, const std::vector<Expected>& expected) {
  const auto events = rig.engine_events(id);
  REQUIRE(events.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(events[i].at == at(expected[i].at));
    CHECK(events[i].type == expected[i].type);
    CHECK(events[i].stage == expected[i].stage);
    CHECK(events[i].level == expected[i].level);
  }
}

// Sets the engine clock to `when` and performs the action.
Case step(Rig& rig, const char* when, const std::string& id, Action a, const Actor& who,
          const json& data = json::object()) {
  rig.set(when);
  return rig->act(id, a, who, data);
}

// Sets the engine clock to `when` and expects the action to be refused with `code`.
void refused(Rig& rig, const char* when, const std::string& id, Action a, const Actor& who, const json& data,
             ErrorCode code) {
  rig.set(when);
  expect_refused(rig, id, a, who, data, code);
}

// A clock line: advance only.
void tick(Rig& rig, const char* when) {
  rig.set(when);
  rig->poll();
}

}  // namespace

TEST_SUITE("sample histories through the API") {

TEST_CASE("01-closed-loop: register, dispatch, accept, resolve, feedback, satisfied follow-up") {
  Rig rig("2025-09-01T09:00:00+08:00");
  const std::string id = "S1-2025-0001";
  Case c = step(rig, "2025-09-01T09:00:00+08:00", id, Action::register_case, intake, registration());
  CHECK(c.state == State::registered);
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.deadline() == at("2025-09-03T00:00:00+08:00"));

  c = step(rig, "2025-09-01T10:00:00+08:00", id, Action::dispatch, dispatcher,
           {{"route", "people_mediation"}, {"lead", "justice_xilinji"}, {"co", {"police_xilinji"}}});
  CHECK(c.state == State::dispatched);
  CHECK(c.lead == std::optional<std::string>("justice_xilinji"));

  c = step(rig, "2025-09-01T14:00:00+08:00", id, Action::accept, lead_handler);
  CHECK(c.state == State::handling);
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.deadline() == at("2025-09-23T00:00:00+08:00"));

  c = step(rig, "2025-09-10T16:00:00+08:00", id, Action::resolve, lead_handler,
           {{"method", "people_mediation"}, {"agreement", "Fence moved 0.5 m east; costs shared."}});
  CHECK(c.state == State::concluded);
  CHECK(c.outcome == Outcome::resolved);
  CHECK(c.deadline() == at("2025-09-16T00:00:00+08:00"));

  c = step(rig, "2025-09-11T10:00:00+08:00", id, Action::give_feedback, dispatcher,
           {{"medium", "phone"}, {"content", "Agreement signed; copy sent."}});
  CHECK(c.state == State::feedback_given);
  CHECK(c.deadline() == at("2025-09-26T00:00:00+08:00"));

  c = step(rig, "2025-09-18T15:00:00+08:00", id, Action::follow_up, dispatcher, {{"satisfaction", "satisfied"}});
  CHECK(c.state == State::closed);
  CHECK(c.reopened == 0);
  CHECK_FALSE(c.deadline().has_value());

  // Every step came before any warning: the loop closed with no deadline event.
  check_events(rig, id, {});
  CHECK(rig->history(id).size() == 6);
}

TEST_CASE("03-refusals: each refusal with its code, and nothing changed by it") {
  Rig rig("2025-09-02T09:00:00+08:00");
  const std::string id = "S3-2025-0003";
  json reg = registration();
  reg["channel"] = "online";
  step(rig, "2025-09-02T09:00:00+08:00", id, Action::register_case, citizen, reg);

  refused(rig, "2025-09-02T09:10:00+08:00", id, Action::dispatch, citizen,
          {{"route", "people_mediation"}, {"lead", "justice_xilinji"}}, ErrorCode::not_permitted);
  refused(rig, "2025-09-02T09:11:00+08:00", id, Action::dispatch, dispatcher, {{"route", "people_mediation"}},
          ErrorCode::invalid_data);
  refused(rig, "2025-09-02T09:12:00+08:00", id, Action::resolve, lead_handler,
          {{"method", "people_mediation"}, {"agreement", "x"}}, ErrorCode::invalid_transition);
  CHECK(rig.get(id).state == State::registered);

  refused(rig, "2025-09-02T09:13:00+08:00", id, Action::register_case, intake, registration(),
          ErrorCode::duplicate_case);
  refused(rig, "2025-09-02T09:14:00+08:00", "NO-SUCH-CASE", Action::accept, lead_handler, json::object(),
          ErrorCode::unknown_case);

  step(rig, "2025-09-02T09:20:00+08:00", id, Action::dispatch, dispatcher,
       {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  refused(rig, "2025-09-02T09:30:00+08:00", id, Action::accept, other_handler, json::object(),
          ErrorCode::not_permitted);
  Case c = rig.get(id);
  CHECK(c.state == State::dispatched);
  CHECK(c.lead == std::optional<std::string>("justice_xilinji"));

  step(rig, "2025-09-02T09:40:00+08:00", id, Action::accept, lead_handler);
  refused(rig, "2025-09-02T10:00:00+08:00", id, Action::give_feedback, dispatcher,
          {{"medium", "phone"}, {"content", "x"}}, ErrorCode::invalid_transition);

  c = step(rig, "2025-09-02T10:05:00+08:00", id, Action::withdraw, citizen, {{"reason", "Settled privately."}});
  CHECK(c.state == State::withdrawn);

  refused(rig, "2025-09-02T10:06:00+08:00", id, Action::resume, lead_handler, json::object(),
          ErrorCode::invalid_transition);

  // Only the four accepted actions are in the history.
  std::vector<Action> actions;
  for (const Event& e : rig->history(id)) actions.push_back(*e.action);
  CHECK(actions == std::vector<Action>{Action::register_case, Action::dispatch, Action::accept, Action::withdraw});
  CHECK(rig->history(id).front().actor->id == citizen.id);
}

TEST_CASE("02-holiday-deadlines-and-reopen: 15 working days across National Day, the full ladder, a reopening") {
  Rig rig("2025-09-26T10:00:00+08:00");
  const std::string id = "S2-2025-0002";
  step(rig, "2025-09-26T10:00:00+08:00", id, Action::register_case, intake, registration("normal", "labour_wage"));
  step(rig, "2025-09-26T11:00:00+08:00", id, Action::dispatch, dispatcher,
       {{"route", "administrative_mediation"}, {"lead", "justice_xilinji"}});
  Case c = step(rig, "2025-09-26T15:00:00+08:00", id, Action::accept, lead_handler);
  CHECK(c.state == State::handling);
  // Friday 26 Sep: W1 = Sun 28 (make-up), 29, 30 Sep, 9, 10, 11 (make-up), 13-17, 20-23 Oct = W15.
  CHECK(c.deadline() == at("2025-10-24T00:00:00+08:00"));

  tick(rig, "2025-10-22T00:00:00+08:00");
  check_events(rig, id, {{"2025-10-22T00:00:00+08:00", EventType::deadline_warning, Stage::handling, 0}});
  CHECK(rig.get(id).supervision == Supervision::warning);

  tick(rig, "2025-11-06T12:00:00+08:00");
  check_events(rig, id,
               {
                   {"2025-10-22T00:00:00+08:00", EventType::deadline_warning, Stage::handling, 0},
                   {"2025-10-24T00:00:00+08:00", EventType::deadline_overdue, Stage::handling, 0},
                   {"2025-10-29T00:00:00+08:00", EventType::escalated, Stage::handling, 1},
                   {"2025-11-01T00:00:00+08:00", EventType::escalated, Stage::handling, 2},
                   {"2025-11-06T00:00:00+08:00", EventType::escalated, Stage::handling, 3},
               });
  c = rig.get(id);
  CHECK(c.state == State::handling);
  CHECK(c.supervision == Supervision::escalated);
  CHECK(c.level == 3);

  c = step(rig, "2025-11-06T14:00:00+08:00", id, Action::resolve, lead_handler,
           {{"method", "administrative_mediation"}, {"agreement", "Wages paid in two instalments."}});
  CHECK(c.state == State::concluded);
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.deadline() == at("2025-11-12T00:00:00+08:00"));

  step(rig, "2025-11-07T09:00:00+08:00", id, Action::give_feedback, dispatcher,
       {{"medium", "visit"}, {"content", "Schedule explained."}});
  c = step(rig, "2025-11-10T10:00:00+08:00", id, Action::follow_up, dispatcher,
           {{"satisfaction", "unsatisfied"}, {"note", "Second instalment late."}});
  CHECK(c.state == State::handling);
  CHECK(c.reopened == 1);
  CHECK(c.lead == std::optional<std::string>("justice_xilinji"));
  CHECK(c.deadline() == at("2025-12-02T00:00:00+08:00"));
  // No other deadline event fell due in between.
  CHECK(rig.engine_events(id).size() == 5);
}

TEST_CASE("04-emergency: 30 minutes to dispatch, escalation every 2 hours, the whole path notified") {
  Rig rig("2025-09-02T08:00:00+08:00");
  const std::string id = "S4-2025-0004";
  json reg = registration("emergency", "forestry");
  reg["channel"] = "grid";
  Case c = step(rig, "2025-09-02T08:00:00+08:00", id, Action::register_case, grid_worker_7, reg);
  CHECK(c.deadline() == at("2025-09-02T08:30:00+08:00"));
  CHECK(rig->history(id)[0].notified == std::vector<std::string>{"xilinji", "mohe", "daxinganling"});

  c = step(rig, "2025-09-02T11:00:00+08:00", id, Action::dispatch, dispatcher,
           {{"route", "administrative_mediation"}, {"lead", "police_xilinji"}, {"co", {"justice_xilinji"}}});
  check_events(rig, id,
               {
                   {"2025-09-02T08:22:30+08:00", EventType::deadline_warning, Stage::dispatch, 0},
                   {"2025-09-02T08:30:00+08:00", EventType::deadline_overdue, Stage::dispatch, 0},
                   {"2025-09-02T10:30:00+08:00", EventType::escalated, Stage::dispatch, 1},
               });
  CHECK(c.state == State::dispatched);
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.deadline() == at("2025-09-02T11:30:00+08:00"));

  c = step(rig, "2025-09-02T11:10:00+08:00", id, Action::accept, police_handler);
  CHECK(c.state == State::handling);
  CHECK(c.deadline() == at("2025-09-04T00:00:00+08:00"));

  tick(rig, "2025-09-04T05:00:00+08:00");
  check_events(rig, id,
               {
                   {"2025-09-02T08:22:30+08:00", EventType::deadline_warning, Stage::dispatch, 0},
                   {"2025-09-02T08:30:00+08:00", EventType::deadline_overdue, Stage::dispatch, 0},
                   {"2025-09-02T10:30:00+08:00", EventType::escalated, Stage::dispatch, 1},
                   {"2025-09-03T00:00:00+08:00", EventType::deadline_warning, Stage::handling, 0},
                   {"2025-09-04T00:00:00+08:00", EventType::deadline_overdue, Stage::handling, 0},
                   {"2025-09-04T02:00:00+08:00", EventType::escalated, Stage::handling, 1},
                   {"2025-09-04T04:00:00+08:00", EventType::escalated, Stage::handling, 2},
               });
  c = rig.get(id);
  CHECK(c.supervision == Supervision::escalated);
  CHECK(c.level == 2);
  const auto events = rig.engine_events(id);
  CHECK(events[2].notified == std::vector<std::string>{"mohe"});
  CHECK(events[6].notified == std::vector<std::string>{"daxinganling"});
}

}  // TEST_SUITE
