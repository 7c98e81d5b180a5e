// The action table of LIFECYCLE.md ("Actions"), row by row: each action from each state it
// is allowed in, by each role the "who" column names, and what it leaves on the case
// (state, lead, outcome, reopened, supervision, level, the running clock and its deadline).
//
// Unless a scenario moves the clock, everything happens on Monday 2025-09-01 at 09:00
// (+08:00), with the 2025 National Day calendar. Deadlines of clocks started that day,
// counted by hand (W_n = the n-th working day after Monday 1 September):
//   1 working day  (dispatch, accept)  W1 = Tue 2 Sep  -> 2025-09-03T00:00
//   3 working days (feedback)          W3 = Thu 4 Sep  -> 2025-09-05T00:00
//   10 working days (consulting, follow_up) W10 = Mon 15 Sep -> 2025-09-16T00:00
//   15 working days (handling)         W15 = Mon 22 Sep -> 2025-09-23T00:00
#include <doctest/doctest.h>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

const Instant kMon1Sep0900 = at("2025-09-01T09:00:00+08:00");

// The case as the spec says a fresh clock of `stage` leaves it.
void check_fresh_clock(const Case& c, Stage stage, const std::string& deadline) {
  REQUIRE(c.clock.has_value());
  CHECK(c.clock->stage == stage);
  CHECK(c.clock->running());
  CHECK(c.deadline() == at(deadline));
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.level == 0);
}

// A case in `closed` or `withdrawn`: no deadline, on_track, level 0.
void check_final(const Case& c) {
  CHECK_FALSE(c.deadline().has_value());
  CHECK_FALSE(c.next_due().has_value());
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.level == 0);
}

}  // namespace

TEST_SUITE("lifecycle actions") {

TEST_CASE("every action the table allows succeeds from each of its states and lands where the table says") {
  // (from, action) -> to, with the canonical actor and data of each action.
  struct Row {
    State from;
    Action action;
    State to;
  };
  const Row rows[] = {
      {State::registered, Action::resolve_on_spot, State::concluded},
      {State::registered, Action::decline, State::concluded},
      {State::registered, Action::dispatch, State::dispatched},
      {State::dispatched, Action::accept, State::handling},
      {State::dispatched, Action::return_, State::registered},
      {State::handling, Action::transfer, State::dispatched},
      {State::handling, Action::start_consultation, State::consulting},
      {State::consulting, Action::end_consultation, State::handling},
      {State::handling, Action::suspend, State::suspended},
      {State::consulting, Action::suspend, State::suspended},
      {State::handling, Action::extend, State::handling},
      {State::consulting, Action::extend, State::consulting},
      {State::handling, Action::resolve, State::concluded},
      {State::consulting, Action::resolve, State::concluded},
      {State::handling, Action::refer, State::concluded},
      {State::consulting, Action::refer, State::concluded},
      {State::concluded, Action::give_feedback, State::feedback_given},
      {State::feedback_given, Action::follow_up, State::closed},
      {State::closed, Action::reopen, State::handling},
      {State::registered, Action::withdraw, State::withdrawn},
      {State::dispatched, Action::withdraw, State::withdrawn},
      {State::handling, Action::withdraw, State::withdrawn},
      {State::consulting, Action::withdraw, State::withdrawn},
      {State::suspended, Action::withdraw, State::withdrawn},
      {State::registered, Action::supervise, State::registered},
      {State::dispatched, Action::supervise, State::dispatched},
      {State::handling, Action::supervise, State::handling},
      {State::consulting, Action::supervise, State::consulting},
      {State::suspended, Action::supervise, State::suspended},
      {State::concluded, Action::supervise, State::concluded},
      {State::feedback_given, Action::supervise, State::feedback_given},
      // Contract version 2: `assign` while a department has the case, `note` everywhere.
      {State::dispatched, Action::assign, State::dispatched},
      {State::handling, Action::assign, State::handling},
      {State::consulting, Action::assign, State::consulting},
      {State::suspended, Action::assign, State::suspended},
      {State::registered, Action::note, State::registered},
      {State::dispatched, Action::note, State::dispatched},
      {State::handling, Action::note, State::handling},
      {State::consulting, Action::note, State::consulting},
      {State::suspended, Action::note, State::suspended},
      {State::concluded, Action::note, State::concluded},
      {State::feedback_given, Action::note, State::feedback_given},
      {State::closed, Action::note, State::closed},
      {State::withdrawn, Action::note, State::withdrawn},
  };
  std::size_t n = 0;
  for (const Row& row : rows) {
    CAPTURE(row.from);
    CAPTURE(row.action);
    Rig rig;
    const std::string id = "C-" + std::to_string(++n);
    drive_to(rig, id, row.from);
    const std::size_t before = rig->history(id).size();
    Case c = rig.act(id, row.action);
    CHECK(c.state == row.to);
    CHECK(c.version == before + 1);
    // The returned snapshot is the stored one, and the action is recorded as given.
    CHECK(json(c) == json(rig.get(id)));
    const auto history = rig->history(id);
    REQUIRE(history.size() == before + 1);
    const Event& e = history.back();
    CHECK(e.type == EventType::action);
    CHECK(e.action == row.action);
    CHECK(e.seq == before + 1);
    CHECK(e.at == kMon1Sep0900);
    CHECK(e.state_after == row.to);
    CHECK(e.data == canonical(row.action).data);
    REQUIRE(e.actor.has_value());
    CHECK(e.actor->id == canonical(row.action).actor.id);
  }
  // The rows are the whole table: from each state the engine accepts exactly the actions
  // listed from it (and resume from suspended, whose rows are below: its "to" depends on
  // where the case was suspended from), with the canonical actor and data.
  for (State from : kAllStates) {
    for (Action a : kAllActions) {
      if (a == Action::register_case) continue;
      bool listed = a == Action::resume && from == State::suspended;
      for (const Row& row : rows) listed = listed || (row.from == from && row.action == a);
      CAPTURE(from);
      CAPTURE(a);
      Rig rig;
      drive_to(rig, "C-1", from);
      CHECK(rig.try_act("C-1", a).ok() == listed);
    }
  }
}

TEST_CASE("register: any of intake, grid worker, citizen and dispatcher opens a case in registered") {
  for (const Actor& who : {intake, grid_worker, citizen, dispatcher}) {
    CAPTURE(who.role);
    Rig rig;
    Case c = rig.register_case("C-1", registration(), who);
    CHECK(c.id == "C-1");
    CHECK(c.state == State::registered);
    CHECK(c.first_responder == who.id);
    CHECK(c.registered_at == kMon1Sep0900);
    CHECK(c.channel == Channel::walk_in);
    CHECK(c.category == "neighbour");
    CHECK(c.urgency == Urgency::normal);
    CHECK(c.jurisdiction == std::vector<std::string>{"daxinganling", "mohe", "xilinji"});
    REQUIRE(c.parties.size() == 2);
    CHECK(c.parties[0].name == "Wang Li");
    CHECK(c.parties[0].phone == "13900000001");
    CHECK(c.parties[1].name == "Zhao Gang");
    CHECK(c.summary == "Dispute over a shared fence between two households.");
    CHECK_FALSE(c.lead.has_value());
    CHECK_FALSE(c.outcome.has_value());
    CHECK(c.reopened == 0);
    CHECK(c.version == 1);
    check_fresh_clock(c, Stage::dispatch, "2025-09-03T00:00:00+08:00");
    // A normal case notifies nobody at registration.
    const auto history = rig->history("C-1");
    REQUIRE(history.size() == 1);
    CHECK(history[0].action == Action::register_case);
    CHECK(history[0].notified.empty());
  }
}

TEST_CASE("register through act(Action::register_case) is the same as register_case") {
  Rig rig;
  Case c = rig.act("C-1", Action::register_case, grid_worker, registration("urgent", "labour_wage"));
  CHECK(c.state == State::registered);
  CHECK(c.urgency == Urgency::urgent);
  CHECK(c.category == "labour_wage");
  CHECK(c.first_responder == grid_worker.id);
}

TEST_CASE("resolve_on_spot: intake, dispatcher or mediator conclude a registered case as resolved on the spot") {
  for (const Actor& who : {intake, dispatcher, mediator}) {
    CAPTURE(who.role);
    Rig rig;
    drive_to(rig, "C-1", State::registered);
    Case c = rig.act("C-1", Action::resolve_on_spot, who, {{"agreement", "Both agree to share the repair."}});
    CHECK(c.state == State::concluded);
    CHECK(c.outcome == Outcome::resolved);
    CHECK(c.resolution_method == "on_spot");
    CHECK_FALSE(c.lead.has_value());
    check_fresh_clock(c, Stage::feedback, "2025-09-05T00:00:00+08:00");
  }
}

TEST_CASE("decline: a dispatcher concludes a registered case as declined") {
  Rig rig;
  drive_to(rig, "C-1", State::registered);
  Case c = rig.act("C-1", Action::decline, dispatcher, {{"reason", "A contract dispute."}, {"guidance", "the court"}});
  CHECK(c.state == State::concluded);
  CHECK(c.outcome == Outcome::declined);
  CHECK_FALSE(c.lead.has_value());
  check_fresh_clock(c, Stage::feedback, "2025-09-05T00:00:00+08:00");
}

TEST_CASE("dispatch: a dispatcher puts the case on a route with a lead org and co-handlers") {
  Rig rig;
  drive_to(rig, "C-1", State::registered);
  SUBCASE("with co-handlers") {
    Case c = rig.act("C-1", Action::dispatch, dispatcher,
                     {{"route", "judicial_mediation"}, {"lead", "court_mohe"}, {"co", {"police_xilinji", "justice_xilinji"}}});
    CHECK(c.state == State::dispatched);
    CHECK(c.route == Route::judicial_mediation);
    CHECK(c.lead == std::optional<std::string>("court_mohe"));
    CHECK(c.co_handlers == std::vector<std::string>{"police_xilinji", "justice_xilinji"});
    check_fresh_clock(c, Stage::accept, "2025-09-03T00:00:00+08:00");
  }
  SUBCASE("co-handlers are optional") {
    Case c = rig.act("C-1", Action::dispatch, dispatcher, {{"route", "legal_aid"}, {"lead", "justice_xilinji"}});
    CHECK(c.state == State::dispatched);
    CHECK(c.co_handlers.empty());
  }
}

TEST_CASE("accept: a handler of the lead org signs for the case and the handling clock starts") {
  Rig rig;
  drive_to(rig, "C-1", State::dispatched);
  Case c = rig.act("C-1", Action::accept, lead_handler, json::object());
  CHECK(c.state == State::handling);
  CHECK(c.lead == std::optional<std::string>("justice_xilinji"));
  check_fresh_clock(c, Stage::handling, "2025-09-23T00:00:00+08:00");
}

TEST_CASE("accept with no data at all (null) is accepted: the action needs none") {
  Rig rig;
  drive_to(rig, "C-1", State::dispatched);
  Case c = rig->act("C-1", Action::accept, lead_handler, json());
  CHECK(c.state == State::handling);
}

TEST_CASE("return: the lead org's handler sends the case back to registered, clearing the lead") {
  Rig rig;
  drive_to(rig, "C-1", State::dispatched);
  rig.set("2025-09-02T10:00:00+08:00");
  Case c = rig.act("C-1", Action::return_, lead_handler, {{"reason", "Not our competence."}});
  CHECK(c.state == State::registered);
  CHECK_FALSE(c.lead.has_value());
  // A fresh dispatch clock from Tuesday: W1 = Wed 3 Sep.
  check_fresh_clock(c, Stage::dispatch, "2025-09-04T00:00:00+08:00");
  // The case can be dispatched again, to another lead.
  c = rig.act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "police_xilinji"}});
  CHECK(c.lead == std::optional<std::string>("police_xilinji"));
}

TEST_CASE("transfer: the lead org's handler or a dispatcher hands the case to a new lead org") {
  for (const Actor& who : {lead_handler, dispatcher}) {
    CAPTURE(who.role);
    Rig rig;
    drive_to(rig, "C-1", State::handling);
    rig.set("2025-09-02T10:00:00+08:00");
    Case c = rig.act("C-1", Action::transfer, who, {{"lead", "police_xilinji"}, {"reason", "Public order."}});
    CHECK(c.state == State::dispatched);
    CHECK(c.lead == std::optional<std::string>("police_xilinji"));
    check_fresh_clock(c, Stage::accept, "2025-09-04T00:00:00+08:00");
    // The old lead's handler may no longer accept; the new lead's may.
    CHECK(rig->try_act("C-1", Action::accept, lead_handler).error().code == ErrorCode::not_permitted);
    CHECK(rig.act("C-1", Action::accept, new_lead_handler, json::object()).state == State::handling);
  }
}

TEST_CASE("start_consultation: the lead org's handler or a supervisor convenes a joint consultation") {
  for (const Actor& who : {lead_handler, supervisor}) {
    CAPTURE(who.role);
    Rig rig;
    drive_to(rig, "C-1", State::handling);
    Case c = rig.act("C-1", Action::start_consultation, who, {{"orgs", {"police_xilinji", "housing_mohe"}}});
    CHECK(c.state == State::consulting);
    CHECK(c.consultation_orgs == std::vector<std::string>{"police_xilinji", "housing_mohe"});
    CHECK(c.lead == std::optional<std::string>("justice_xilinji"));
    // The consulting clock runs; the deadline shown is its own.
    check_fresh_clock(c, Stage::consulting, "2025-09-16T00:00:00+08:00");
  }
}

TEST_CASE("end_consultation: the lead org's handler returns the case to handling, whose clock runs again") {
  Rig rig;
  drive_to(rig, "C-1", State::consulting);
  Case c = rig.act("C-1", Action::end_consultation, lead_handler, {{"plan", "Survey jointly."}});
  CHECK(c.state == State::handling);
  REQUIRE(c.clock.has_value());
  CHECK(c.clock->stage == Stage::handling);
  // Stopped and resumed within the same day: no working day started in between.
  CHECK(c.deadline() == at("2025-09-23T00:00:00+08:00"));
  CHECK(c.supervision == Supervision::on_track);
}

TEST_CASE("suspend: the lead org's handler stops the clock of handling or consulting") {
  for (State from : {State::handling, State::consulting}) {
    CAPTURE(from);
    Rig rig;
    Case before = drive_to(rig, "C-1", from);
    Case c = rig.act("C-1", Action::suspend, lead_handler, {{"reason", "Party in hospital."}});
    CHECK(c.state == State::suspended);
    REQUIRE(c.clock.has_value());
    CHECK_FALSE(c.clock->running());
    // While suspended the deadline shown is the stopped clock's, and nothing is due.
    CHECK(c.deadline() == before.deadline());
    CHECK_FALSE(c.next_due().has_value());
    CHECK(c.upcoming().empty());
  }
}

TEST_CASE("resume: the lead org's handler or a supervisor returns the case to the state it was suspended from") {
  for (State from : {State::handling, State::consulting}) {
    for (const Actor& who : {lead_handler, supervisor}) {
      CAPTURE(from);
      CAPTURE(who.role);
      Rig rig;
      drive_to(rig, "C-1", from);
      rig.act("C-1", Action::suspend);
      Case c = rig.act("C-1", Action::resume, who, json::object());
      CHECK(c.state == from);
      REQUIRE(c.clock.has_value());
      CHECK(c.clock->running());
      CHECK(c.clock->stage == (from == State::handling ? Stage::handling : Stage::consulting));
      CHECK(c.supervision == Supervision::on_track);
      CHECK(c.level == 0);
    }
  }
}

TEST_CASE("extend: a supervisor grows the running clock of handling or consulting, state unchanged") {
  Rig rig;
  SUBCASE("handling: 15 + 2 working days, W17 = Wed 24 Sep") {
    drive_to(rig, "C-1", State::handling);
    Case c = rig.act("C-1", Action::extend, supervisor, {{"days", 2}, {"reason", "Survey pending."}});
    CHECK(c.state == State::handling);
    CHECK(c.deadline() == at("2025-09-25T00:00:00+08:00"));
    CHECK(c.clock->extended);
  }
  SUBCASE("consulting: 10 + 2 working days, W12 = Wed 17 Sep") {
    drive_to(rig, "C-1", State::consulting);
    Case c = rig.act("C-1", Action::extend, supervisor, {{"days", 2}, {"reason", "Survey pending."}});
    CHECK(c.state == State::consulting);
    CHECK(c.deadline() == at("2025-09-18T00:00:00+08:00"));
  }
}

TEST_CASE("resolve: the lead org's handler or a mediator concludes handling or consulting as resolved") {
  for (State from : {State::handling, State::consulting}) {
    for (const Actor& who : {lead_handler, mediator}) {
      CAPTURE(from);
      CAPTURE(who.role);
      Rig rig;
      drive_to(rig, "C-1", from);
      Case c = rig.act("C-1", Action::resolve, who, {{"method", "people_mediation"}, {"agreement", "Fence moved."}});
      CHECK(c.state == State::concluded);
      CHECK(c.outcome == Outcome::resolved);
      CHECK(c.resolution_method == "people_mediation");
      CHECK(c.lead == std::optional<std::string>("justice_xilinji"));
      CHECK_FALSE(c.held_clock.has_value());
      check_fresh_clock(c, Stage::feedback, "2025-09-05T00:00:00+08:00");
    }
  }
}

TEST_CASE("refer: the lead org's handler concludes handling or consulting as referred to a legal channel") {
  for (State from : {State::handling, State::consulting}) {
    CAPTURE(from);
    Rig rig;
    drive_to(rig, "C-1", from);
    Case c = rig.act("C-1", Action::refer, lead_handler, {{"channel", "arbitration"}});
    CHECK(c.state == State::concluded);
    CHECK(c.outcome == Outcome::referred);
    check_fresh_clock(c, Stage::feedback, "2025-09-05T00:00:00+08:00");
  }
}

TEST_CASE("give_feedback: the first responder, a dispatcher or the lead org's handler tells the party") {
  // The first responder is whoever registered the case, matched on the actor id (here
  // the intake officer u-intake-1), even though intake as a role may not give feedback.
  const Actor first_responder{intake.id, Role::intake, "center"};
  for (const Actor& who : {first_responder, dispatcher, lead_handler}) {
    CAPTURE(who.id);
    Rig rig;
    drive_to(rig, "C-1", State::concluded);
    Case c = rig.act("C-1", Action::give_feedback, who, {{"medium", "phone"}, {"content", "Agreement explained."}});
    CHECK(c.state == State::feedback_given);
    CHECK(c.outcome == Outcome::resolved);
    check_fresh_clock(c, Stage::follow_up, "2025-09-16T00:00:00+08:00");
  }
}

TEST_CASE("give_feedback by the first responder works whatever role registered the case") {
  Rig rig;
  rig.register_case("C-1", registration(), citizen);  // filed online by the citizen
  rig.act("C-1", Action::resolve_on_spot);
  Case c = rig.act("C-1", Action::give_feedback, citizen, {{"medium", "sms"}, {"content", "Done."}});
  CHECK(c.state == State::feedback_given);
}

TEST_CASE("follow_up satisfied or basic closes the case: no deadline, on_track, level 0") {
  for (const char* satisfaction : {"satisfied", "basic"}) {
    for (const Actor& who : {dispatcher, supervisor}) {
      CAPTURE(satisfaction);
      CAPTURE(who.role);
      Rig rig;
      drive_to(rig, "C-1", State::feedback_given);
      // An escalated follow-up clock does not survive closing.
      rig.act("C-1", Action::supervise);
      rig.act("C-1", Action::supervise);
      REQUIRE(rig.get("C-1").level == 2);
      Case c = rig.act("C-1", Action::follow_up, who, {{"satisfaction", satisfaction}});
      CHECK(c.state == State::closed);
      CHECK(c.reopened == 0);
      CHECK(c.satisfaction == parse<Satisfaction>(satisfaction));
      CHECK(c.closed_at == kMon1Sep0900);
      check_final(c);
      CHECK_FALSE(c.clock.has_value());
      CHECK_FALSE(rig->next_due().has_value());
    }
  }
}

TEST_CASE("follow_up unsatisfied reopens the case into handling with the same lead and a fresh clock") {
  Rig rig;
  drive_to(rig, "C-1", State::feedback_given);
  rig.set("2025-09-10T10:00:00+08:00");
  Case c = rig.act("C-1", Action::follow_up, dispatcher, {{"satisfaction", "unsatisfied"}, {"note", "Not honoured."}});
  CHECK(c.state == State::handling);
  CHECK(c.reopened == 1);
  CHECK_FALSE(c.outcome.has_value());
  CHECK(c.resolution_method.empty());
  CHECK(c.lead == std::optional<std::string>("justice_xilinji"));
  CHECK(c.satisfaction == Satisfaction::unsatisfied);
  // 15 working days from Wed 10 Sep: ... W13 = Sun 28 Sep (make-up day), W15 = Tue 30 Sep.
  check_fresh_clock(c, Stage::handling, "2025-10-01T00:00:00+08:00");
  CHECK_FALSE(c.clock->extended);
  // A second round of the loop counts a second reopening.
  rig.act("C-1", Action::resolve);
  rig.act("C-1", Action::give_feedback);
  c = rig.act("C-1", Action::follow_up, supervisor, {{"satisfaction", "unsatisfied"}});
  CHECK(c.reopened == 2);
  CHECK(c.state == State::handling);
}

TEST_CASE("follow_up unsatisfied on a case without a lead org reopens it into registered") {
  for (Action conclusion : {Action::resolve_on_spot, Action::decline}) {
    CAPTURE(conclusion);
    Rig rig;
    drive_to(rig, "C-1", State::registered);
    rig.act("C-1", conclusion);
    rig.act("C-1", Action::give_feedback);
    rig.set("2025-09-10T10:00:00+08:00");
    Case c = rig.act("C-1", Action::follow_up, dispatcher, {{"satisfaction", "unsatisfied"}});
    CHECK(c.state == State::registered);
    CHECK(c.reopened == 1);
    CHECK_FALSE(c.outcome.has_value());
    CHECK_FALSE(c.lead.has_value());
    // A fresh dispatch clock from Wed 10 Sep: W1 = Thu 11 Sep.
    check_fresh_clock(c, Stage::dispatch, "2025-09-12T00:00:00+08:00");
  }
}

TEST_CASE("reopen: a supervisor reopens a closed case within the 30-day window") {
  Rig rig;
  drive_to(rig, "C-1", State::closed);  // closed Mon 1 Sep 09:00

  SUBCASE("into handling when it has a lead org, with a fresh handling clock") {
    rig.set("2025-09-10T10:00:00+08:00");
    Case c = rig.act("C-1", Action::reopen, supervisor, {{"reason", "Agreement broken."}});
    CHECK(c.state == State::handling);
    CHECK(c.reopened == 1);
    CHECK_FALSE(c.outcome.has_value());
    CHECK_FALSE(c.closed_at.has_value());
    CHECK(c.lead == std::optional<std::string>("justice_xilinji"));
    check_fresh_clock(c, Stage::handling, "2025-10-01T00:00:00+08:00");
  }
  SUBCASE("exactly 30 days of 24 hours after closing is still within the window") {
    rig.set("2025-10-01T09:00:00+08:00");  // a holiday: W1 = Thu 9 Oct ... W15 = Tue 28 Oct
    Case c = rig.act("C-1", Action::reopen);
    CHECK(c.state == State::handling);
    check_fresh_clock(c, Stage::handling, "2025-10-29T00:00:00+08:00");
  }
  SUBCASE("one second later the window has passed: invalid_transition") {
    rig.set("2025-10-01T09:00:01+08:00");
    Error e = expect_refused(rig, "C-1", canonical(Action::reopen), ErrorCode::invalid_transition);
    CHECK(e.message.find("window") != std::string::npos);
  }
  SUBCASE("a reopened case can close and be reopened again") {
    rig.act("C-1", Action::reopen);
    rig.act("C-1", Action::resolve);
    rig.act("C-1", Action::give_feedback);
    rig.act("C-1", Action::follow_up);
    Case c = rig.act("C-1", Action::reopen);
    CHECK(c.reopened == 2);
    CHECK(c.state == State::handling);
  }
}

TEST_CASE("reopen of a case concluded without a lead org (on the spot, declined) goes to registered") {
  for (Action conclusion : {Action::resolve_on_spot, Action::decline}) {
    CAPTURE(conclusion);
    Rig rig;
    drive_to(rig, "C-1", State::registered);
    rig.act("C-1", conclusion);
    rig.act("C-1", Action::give_feedback);
    rig.act("C-1", Action::follow_up);
    rig.set("2025-09-10T10:00:00+08:00");
    Case c = rig.act("C-1", Action::reopen);
    CHECK(c.state == State::registered);
    CHECK(c.reopened == 1);
    CHECK_FALSE(c.outcome.has_value());
    CHECK_FALSE(c.lead.has_value());
    check_fresh_clock(c, Stage::dispatch, "2025-09-12T00:00:00+08:00");
  }
}

TEST_CASE("withdraw: a party citizen, intake or dispatcher withdraw from registered, dispatched, handling, consulting, suspended") {
  for (State from : {State::registered, State::dispatched, State::handling, State::consulting, State::suspended}) {
    for (const Actor& who : {party_citizen, intake, other_intake, dispatcher}) {
      CAPTURE(from);
      CAPTURE(who.id);
      Rig rig;
      drive_to(rig, "C-1", from);
      rig.act("C-1", Action::supervise);  // escalated level 1 before withdrawing
      Case c = rig.act("C-1", Action::withdraw, who, {{"reason", "Settled privately."}});
      CHECK(c.state == State::withdrawn);
      check_final(c);
      CHECK_FALSE(c.clock.has_value());
      CHECK_FALSE(c.held_clock.has_value());
      CHECK_FALSE(c.suspended_from.has_value());
    }
  }
}

TEST_CASE("withdraw is refused once the case is concluded, feedback given, closed or withdrawn") {
  for (State from : {State::concluded, State::feedback_given, State::closed, State::withdrawn}) {
    CAPTURE(from);
    Rig rig;
    drive_to(rig, "C-1", from);
    expect_refused(rig, "C-1", canonical(Action::withdraw), ErrorCode::invalid_transition);
  }
}

TEST_CASE("withdrawn is final: nothing but a note is allowed any more") {
  Rig rig;
  drive_to(rig, "C-1", State::withdrawn);
  for (Action a : kAllActions) {
    if (a == Action::register_case || a == Action::note) continue;
    CAPTURE(a);
    expect_refused(rig, "C-1", canonical(a), ErrorCode::invalid_transition);
  }
}

TEST_CASE("supervise: level 1 from on_track, then one level up per order, refused at max_level") {
  for (State in : {State::registered, State::dispatched, State::handling, State::consulting, State::suspended,
                   State::concluded, State::feedback_given}) {
    CAPTURE(in);
    Rig rig;
    Case before = drive_to(rig, "C-1", in);
    for (int level = 1; level <= 3; ++level) {
      CAPTURE(level);
      Case c = rig.act("C-1", Action::supervise, supervisor, {{"order", "Report by Friday."}});
      CHECK(c.state == in);
      CHECK(c.supervision == Supervision::escalated);
      CHECK(c.level == level);
      // The order changes the supervision region only: the clock keeps its deadline.
      CHECK(c.deadline() == before.deadline());
    }
    Error e = expect_refused(rig, "C-1", canonical(Action::supervise), ErrorCode::invalid_transition);
    CHECK(e.message.find("max_level") != std::string::npos);
    // Recorded as the action alone: no engine event.
    const auto history = rig->history("C-1");
    CHECK(history.size() == before.version + 3);
    for (std::size_t i = before.version; i < history.size(); ++i) {
      CHECK(history[i].type == EventType::action);
      CHECK(history[i].action == Action::supervise);
    }
  }
}

TEST_CASE("supervise notifies the jurisdiction as many levels above the case's own as the level reached") {
  Rig rig;
  json reg = registration();
  reg["jurisdiction"] = {"daxinganling", "mohe", "xilinji", "village_3"};
  rig.register_case("C-1", reg);
  const std::vector<std::string> expected = {"xilinji", "mohe", "daxinganling"};
  for (int level = 1; level <= 3; ++level) {
    rig.act("C-1", Action::supervise);
    CHECK(rig->history("C-1").back().notified == std::vector<std::string>{expected[level - 1]});
  }
}

TEST_CASE("closed and withdrawn cases have no deadline, are on_track at level 0, and are not due") {
  Rig rig;
  drive_to(rig, "C-closed", State::closed);
  drive_to(rig, "C-withdrawn", State::withdrawn);
  for (const char* id : {"C-closed", "C-withdrawn"}) {
    CAPTURE(id);
    Case c = rig.get(id);
    check_final(c);
    CHECK(c.upcoming().empty());
  }
  // Nothing fires for them however far the clock goes.
  rig.set("2026-06-01T00:00:00+08:00");
  CHECK(rig->poll().fired == 0);
  CHECK(rig.get("C-closed").version == 6);
  CHECK(rig.get("C-withdrawn").version == 2);
}

TEST_CASE("the full closed loop: register, dispatch, accept, consult, suspend, resume, resolve, feedback, close") {
  Rig rig;
  Case c = rig.register_case("C-1");
  c = rig.act("C-1", Action::dispatch);
  c = rig.act("C-1", Action::accept);
  c = rig.act("C-1", Action::start_consultation);
  c = rig.act("C-1", Action::suspend);
  CHECK(c.suspended_from == State::consulting);
  c = rig.act("C-1", Action::resume);
  CHECK(c.state == State::consulting);
  CHECK_FALSE(c.suspended_from.has_value());
  c = rig.act("C-1", Action::end_consultation);
  CHECK(c.state == State::handling);
  CHECK(c.consultation_orgs.empty());
  c = rig.act("C-1", Action::resolve);
  c = rig.act("C-1", Action::give_feedback);
  c = rig.act("C-1", Action::follow_up);
  CHECK(c.state == State::closed);
  CHECK(c.outcome == Outcome::resolved);
  CHECK(c.version == 10);
  std::vector<Action> actions;
  for (const Event& e : rig->history("C-1")) actions.push_back(*e.action);
  CHECK(actions == std::vector<Action>{Action::register_case, Action::dispatch, Action::accept,
                                       Action::start_consultation, Action::suspend, Action::resume,
                                       Action::end_consultation, Action::resolve, Action::give_feedback,
                                       Action::follow_up});
}

}  // TEST_SUITE
