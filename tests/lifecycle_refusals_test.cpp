// Refusals (LIFECYCLE.md "Actions", last paragraph, and "Precise points"): an action not
// allowed from the current state, by this actor, or with missing or invalid data is refused
// with a specific code, and changes nothing at all (snapshot, history, listeners).
//
// Every refusal below goes through expect_refused (support/scenarios.hpp), which compares
// the stored snapshot as JSON, the history length and the listener calls before and after.
// All actions happen at one instant, so no deadline falls due in between.
#include <doctest/doctest.h>

#include <algorithm>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

bool allowed(State s, Action a) {
  const auto list = allowed_from(s);
  return std::find(list.begin(), list.end(), a) != list.end();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("lifecycle refusals") {

TEST_CASE("invalid_transition: every action from every state the table does not allow it in (9 states x 20 actions)") {
  for (State s : kAllStates) {
    CAPTURE(s);
    Rig rig;
    drive_to(rig, "C-1", s);
    for (Action a : kAllActions) {
      CAPTURE(a);
      if (a == Action::register_case) {
        // The case exists: `register` is refused before the state is even looked at.
        expect_refused(rig, "C-1", canonical(a), ErrorCode::duplicate_case);
        continue;
      }
      if (allowed(s, a)) {
        // Allowed: the same canonical step is accepted (on a case of its own, since it
        // changes the case; lifecycle_actions_test checks where it lands).
        Rig other;
        drive_to(other, "C-2", s);
        CHECK(other.try_act("C-2", a).ok());
        continue;
      }
      // The canonical actor and data are valid for the action: only the state forbids it.
      Error e = expect_refused(rig, "C-1", canonical(a), ErrorCode::invalid_transition);
      CHECK(contains(e.message, std::string(to_string(a))));
    }
  }
}

TEST_CASE("invalid_transition: resume only from suspended, end_consultation only from consulting") {
  Rig rig;
  drive_to(rig, "C-1", State::handling);
  expect_refused(rig, "C-1", canonical(Action::resume), ErrorCode::invalid_transition);
  expect_refused(rig, "C-1", canonical(Action::end_consultation), ErrorCode::invalid_transition);
  rig.act("C-1", Action::suspend);
  // Suspended from handling: there is no consultation to end.
  expect_refused(rig, "C-1", canonical(Action::end_consultation), ErrorCode::invalid_transition);
  expect_refused(rig, "C-1", canonical(Action::extend), ErrorCode::invalid_transition);
  expect_refused(rig, "C-1", canonical(Action::suspend), ErrorCode::invalid_transition);
}

TEST_CASE("not_permitted: each action by every role, handler org and the first responder, as the who column says") {
  // The roster. `intake` registered every case, so it is the first responder.
  struct Who {
    const char* name;
    Actor actor;
  };
  const Who roster[] = {
      {"first responder (intake)", intake}, {"another intake", other_intake}, {"grid worker", grid_worker},
      {"citizen", citizen},                 {"citizen, a party by account", party_citizen},
      {"dispatcher", dispatcher},       {"handler of the lead org", lead_handler},
      {"handler of another org", other_handler}, {"mediator", mediator},      {"supervisor", supervisor},
      {"admin", admin},
  };
  struct Rule {
    Action action;
    State from;
    std::vector<std::string> permitted;  // roster names
  };
  const std::string fr = "first responder (intake)", in2 = "another intake", gw = "grid worker", ci = "citizen",
                    di = "dispatcher", lh = "handler of the lead org", me = "mediator", su = "supervisor",
                    pc = "citizen, a party by account", oh = "handler of another org";
  const Rule rules[] = {
      {Action::register_case, State::registered, {fr, in2, gw, ci, pc, di}},
      {Action::resolve_on_spot, State::registered, {fr, in2, di, me}},
      {Action::decline, State::registered, {di}},
      {Action::dispatch, State::registered, {di}},
      {Action::accept, State::dispatched, {lh}},
      {Action::return_, State::dispatched, {lh}},
      {Action::transfer, State::handling, {lh, di}},
      {Action::start_consultation, State::handling, {lh, su}},
      {Action::end_consultation, State::consulting, {lh}},
      {Action::suspend, State::handling, {lh}},
      {Action::suspend, State::consulting, {lh}},
      {Action::resume, State::suspended, {lh, su}},
      {Action::extend, State::handling, {su}},
      {Action::extend, State::consulting, {su}},
      {Action::resolve, State::handling, {lh, me}},
      {Action::resolve, State::consulting, {lh, me}},
      {Action::refer, State::handling, {lh}},
      {Action::refer, State::consulting, {lh}},
      {Action::give_feedback, State::concluded, {fr, di, lh}},
      {Action::follow_up, State::feedback_given, {di, su}},
      {Action::reopen, State::closed, {su}},
      // Citizens: their own case only (contract v2 correction, both versions).
      {Action::withdraw, State::registered, {fr, in2, pc, di}},
      {Action::withdraw, State::suspended, {fr, in2, pc, di}},
      {Action::supervise, State::registered, {su}},
      {Action::supervise, State::suspended, {su}},
      // Contract v2. No assignee yet: any handler of the lead org may claim the case.
      {Action::assign, State::dispatched, {di, su, lh}},
      {Action::assign, State::suspended, {di, su, lh}},
      // Notes: the lead org and the co-handler (police, `other_handler`) are involved
      // from dispatch on; before it, no handler is.
      {Action::note, State::registered, {fr, di, me, su}},
      {Action::note, State::handling, {fr, di, me, su, lh, oh}},
      {Action::note, State::closed, {fr, di, me, su, lh, oh}},
      {Action::note, State::withdrawn, {fr, di, me, su}},
  };
  for (const Rule& rule : rules) {
    for (const Who& who : roster) {
      CAPTURE(rule.action);
      CAPTURE(rule.from);
      CAPTURE(who.name);
      const bool permitted =
          std::find(rule.permitted.begin(), rule.permitted.end(), who.name) != rule.permitted.end();
      Rig rig;
      const Step step = canonical(rule.action);
      if (rule.action == Action::register_case) {
        if (permitted) {
          CHECK(rig->try_register_case("C-new", who.actor, step.data).ok());
        } else {
          expect_refused(rig, "C-new", rule.action, who.actor, step.data, ErrorCode::not_permitted);
        }
        continue;
      }
      drive_to(rig, "C-1", rule.from);
      if (permitted) {
        auto r = rig->try_act("C-1", rule.action, who.actor, step.data);
        CHECK(r.ok());
      } else {
        Error e = expect_refused(rig, "C-1", rule.action, who.actor, step.data, ErrorCode::not_permitted);
        CHECK(contains(e.message, std::string(to_string(who.actor.role))));
      }
    }
  }
}

TEST_CASE("not_permitted: a handler counts only for its own org, and only while that org is the lead") {
  Rig rig;
  drive_to(rig, "C-1", State::dispatched);
  // The lead org's name is not enough: the role must be handler.
  const Actor mediator_of_lead{"u-x", Role::mediator, "justice_xilinji"};
  expect_refused(rig, "C-1", Action::accept, mediator_of_lead, json::object(), ErrorCode::not_permitted);
  expect_refused(rig, "C-1", Action::accept, other_handler, json::object(), ErrorCode::not_permitted);

  // After `return` there is no lead org: no handler may act for it.
  rig.act("C-1", Action::return_);
  rig.act("C-1", Action::dispatch, dispatcher, {{"route", "petition"}, {"lead", "police_xilinji"}});
  expect_refused(rig, "C-1", Action::accept, lead_handler, json::object(), ErrorCode::not_permitted);
  CHECK(rig.act("C-1", Action::accept, other_handler, json::object()).state == State::handling);
}

TEST_CASE("not_permitted: without a lead org (resolved on the spot) no handler may give feedback") {
  Rig rig;
  drive_to(rig, "C-1", State::registered);
  rig.act("C-1", Action::resolve_on_spot);
  expect_refused(rig, "C-1", canonical(Action::give_feedback).action, lead_handler, canonical(Action::give_feedback).data,
                 ErrorCode::not_permitted);
}

TEST_CASE("not_permitted: admin manages configuration and performs no case action at all") {
  for (State s : kAllStates) {
    CAPTURE(s);
    Rig rig;
    drive_to(rig, "C-1", s);
    for (Action a : allowed_from(s)) {
      CAPTURE(a);
      expect_refused(rig, "C-1", a, admin, canonical(a).data, ErrorCode::not_permitted);
    }
  }
  Rig rig;
  expect_refused(rig, "C-2", Action::register_case, admin, registration(), ErrorCode::not_permitted);
}

TEST_CASE("invalid_data: each required field missing or invalid, and the message names it") {
  struct Bad {
    const char* what;
    State from;  // registered with an unknown id means "a new case" for register
    Action action;
    json data;
    const char* field;  // named in the message
  };
  const json reg = registration();
  const json dispatch = canonical(Action::dispatch).data;
  const json extend = canonical(Action::extend).data;
  const Bad cases[] = {
      // register
      {"no channel", State::registered, Action::register_case, without(reg, "channel"), "channel"},
      {"unknown channel", State::registered, Action::register_case, with(reg, "channel", "fax"), "channel"},
      {"no category", State::registered, Action::register_case, without(reg, "category"), "category"},
      {"empty category", State::registered, Action::register_case, with(reg, "category", ""), "category"},
      {"no urgency", State::registered, Action::register_case, without(reg, "urgency"), "urgency"},
      {"bad urgency", State::registered, Action::register_case, with(reg, "urgency", "critical"), "urgency"},
      {"urgency in capitals", State::registered, Action::register_case, with(reg, "urgency", "Normal"), "urgency"},
      {"no jurisdiction", State::registered, Action::register_case, without(reg, "jurisdiction"), "jurisdiction"},
      {"empty jurisdiction", State::registered, Action::register_case, with(reg, "jurisdiction", json::array()),
       "jurisdiction"},
      {"jurisdiction not a list", State::registered, Action::register_case, with(reg, "jurisdiction", "xilinji"),
       "jurisdiction"},
      {"empty jurisdiction element", State::registered, Action::register_case,
       with(reg, "jurisdiction", {"daxinganling", ""}), "jurisdiction[1]"},
      {"no parties", State::registered, Action::register_case, without(reg, "parties"), "parties"},
      {"empty parties", State::registered, Action::register_case, with(reg, "parties", json::array()), "parties"},
      {"party without name", State::registered, Action::register_case,
       with(reg, "parties", json::array({{{"name", "Wang Li"}}, {{"phone", "13900000002"}}})), "parties[1].name"},
      {"party with empty name", State::registered, Action::register_case,
       with(reg, "parties", json::array({{{"name", ""}}})), "parties[0].name"},
      {"party not an object", State::registered, Action::register_case, with(reg, "parties", {"Wang Li"}),
       "parties[0]"},
      {"no summary", State::registered, Action::register_case, without(reg, "summary"), "summary"},
      // resolve_on_spot, decline
      {"no agreement", State::registered, Action::resolve_on_spot, json::object(), "agreement"},
      {"no reason", State::registered, Action::decline, {{"guidance", "court"}}, "reason"},
      {"no guidance", State::registered, Action::decline, {{"reason", "contract"}}, "guidance"},
      // dispatch
      {"dispatch without lead", State::registered, Action::dispatch, without(dispatch, "lead"), "lead"},
      {"dispatch with empty lead", State::registered, Action::dispatch, with(dispatch, "lead", ""), "lead"},
      {"dispatch without route", State::registered, Action::dispatch, without(dispatch, "route"), "route"},
      {"dispatch on an unknown route", State::registered, Action::dispatch, with(dispatch, "route", "duel"), "route"},
      {"co not a list", State::registered, Action::dispatch, with(dispatch, "co", "police_xilinji"), "co"},
      // return, transfer
      {"return without reason", State::dispatched, Action::return_, json::object(), "reason"},
      {"transfer to the same lead", State::handling, Action::transfer,
       {{"lead", "justice_xilinji"}, {"reason", "again"}}, "lead"},
      {"transfer without lead", State::handling, Action::transfer, {{"reason", "x"}}, "lead"},
      {"transfer without reason", State::handling, Action::transfer, {{"lead", "police_xilinji"}}, "reason"},
      // consultation
      {"consultation without orgs", State::handling, Action::start_consultation, json::object(), "orgs"},
      {"consultation with no org", State::handling, Action::start_consultation, {{"orgs", json::array()}}, "orgs"},
      {"end without plan", State::consulting, Action::end_consultation, json::object(), "plan"},
      // suspend
      {"suspend without reason", State::handling, Action::suspend, json::object(), "reason"},
      {"suspend consulting without reason", State::consulting, Action::suspend, {{"reason", ""}}, "reason"},
      // extend
      {"extend by 0 days", State::handling, Action::extend, with(extend, "days", 0), "days"},
      {"extend by -3 days", State::handling, Action::extend, with(extend, "days", -3), "days"},
      {"extend by 16 days (more than 15)", State::handling, Action::extend, with(extend, "days", 16), "days"},
      {"extend by 2.5 days", State::handling, Action::extend, with(extend, "days", 2.5), "days"},
      {"extend by \"2\" days", State::handling, Action::extend, with(extend, "days", "2"), "days"},
      {"hours on a day clock", State::handling, Action::extend, {{"hours", 4}, {"reason", "x"}}, "hours"},
      {"both days and hours", State::handling, Action::extend, with(extend, "hours", 4), "days"},
      {"neither days nor hours", State::handling, Action::extend, without(extend, "days"), "days"},
      {"extend without reason", State::consulting, Action::extend, without(extend, "reason"), "reason"},
      // resolve, refer
      {"resolve without method", State::handling, Action::resolve, {{"agreement", "x"}}, "method"},
      {"resolve without agreement", State::consulting, Action::resolve, {{"method", "x"}}, "agreement"},
      {"refer without channel", State::handling, Action::refer, json::object(), "channel"},
      {"refer with a note that is not text", State::handling, Action::refer, {{"channel", "court"}, {"note", 5}},
       "note"},
      // feedback, follow-up
      {"feedback without medium", State::concluded, Action::give_feedback, {{"content", "x"}}, "medium"},
      {"feedback without content", State::concluded, Action::give_feedback, {{"medium", "phone"}}, "content"},
      {"follow-up without satisfaction", State::feedback_given, Action::follow_up, json::object(), "satisfaction"},
      {"follow-up with an unknown satisfaction", State::feedback_given, Action::follow_up,
       {{"satisfaction", "thrilled"}}, "satisfaction"},
      // reopen, withdraw, supervise
      {"reopen without reason", State::closed, Action::reopen, json::object(), "reason"},
      {"withdraw without reason", State::dispatched, Action::withdraw, json::object(), "reason"},
      {"supervise without order", State::registered, Action::supervise, json::object(), "order"},
      // data must be an object
      {"data is a list", State::registered, Action::supervise, json::array({"order"}), "data"},
      {"register data is a string", State::registered, Action::register_case, "a fence", "data"},
  };
  for (const Bad& bad : cases) {
    CAPTURE(bad.what);
    Rig rig;
    std::string id = "C-1";
    if (bad.action == Action::register_case) {
      id = "C-new";
    } else {
      drive_to(rig, id, bad.from);
    }
    const Actor who = canonical(bad.action).actor;
    Error e = expect_refused(rig, id, bad.action, who, bad.data, ErrorCode::invalid_data);
    CAPTURE(e.message);
    CHECK(contains(e.message, bad.field));
  }
}

TEST_CASE("invalid_data: the largest extension (15 working days) is allowed, and extension data is checked per clock") {
  Rig rig;
  drive_to(rig, "C-1", State::handling);
  CHECK(rig.act("C-1", Action::extend, supervisor, {{"days", 15}, {"reason", "Survey."}}).clock->extended);
}

TEST_CASE("unknown_case: every action on a case that does not exist, whatever the actor and data") {
  Rig rig;
  drive_to(rig, "C-1", State::handling);  // another case exists
  for (Action a : kAllActions) {
    if (a == Action::register_case) continue;
    CAPTURE(a);
    expect_refused(rig, "NO-SUCH-CASE", canonical(a), ErrorCode::unknown_case);
    // Existence is checked first: a wrong actor and bad data change nothing.
    expect_refused(rig, "NO-SUCH-CASE", a, admin, json::array(), ErrorCode::unknown_case);
  }
  CHECK(rig->try_get("NO-SUCH-CASE").error().code == ErrorCode::unknown_case);
  CHECK_THROWS_AS(rig->get("NO-SUCH-CASE"), Exception);
  CHECK_THROWS_AS(rig->history("NO-SUCH-CASE"), Exception);
}

TEST_CASE("duplicate_case: registering an existing id, whatever the actor and data") {
  Rig rig;
  drive_to(rig, "C-1", State::registered);
  expect_refused(rig, "C-1", canonical(Action::register_case), ErrorCode::duplicate_case);
  // Checked first: an actor who may not register, with bad data, still gets duplicate_case.
  expect_refused(rig, "C-1", Action::register_case, admin, json::object(), ErrorCode::duplicate_case);
  // Ids are used as given: a differently cased id is another case.
  CHECK(rig->try_register_case("c-1", intake, registration()).ok());
}

TEST_CASE("precedence: the state, then the rules, then the actor, then the data decide the code") {
  Rig rig;
  const json garbage = {{"days", -1}};  // not valid for any action

  SUBCASE("a wrong state beats a wrong actor and bad data") {
    drive_to(rig, "C-1", State::registered);
    expect_refused(rig, "C-1", Action::accept, admin, garbage, ErrorCode::invalid_transition);
    expect_refused(rig, "C-1", Action::extend, citizen, garbage, ErrorCode::invalid_transition);
  }
  SUBCASE("extension allowance: a second extend, by a citizen with bad data, is invalid_transition") {
    drive_to(rig, "C-1", State::handling);
    // The first one: rules pass, so the actor decides, then the data.
    expect_refused(rig, "C-1", Action::extend, citizen, garbage, ErrorCode::not_permitted);
    expect_refused(rig, "C-1", Action::extend, supervisor, garbage, ErrorCode::invalid_data);
    rig.act("C-1", Action::extend);
    Error e = expect_refused(rig, "C-1", Action::extend, citizen, garbage, ErrorCode::invalid_transition);
    CHECK(contains(e.message, "extend"));
    expect_refused(rig, "C-1", canonical(Action::extend), ErrorCode::invalid_transition);
  }
  SUBCASE("reopen window: outside it, a dispatcher without a reason gets invalid_transition") {
    drive_to(rig, "C-1", State::closed);
    rig.set("2025-10-15T09:00:00+08:00");
    expect_refused(rig, "C-1", Action::reopen, dispatcher, json::object(), ErrorCode::invalid_transition);
    // Inside it, the actor and then the data decide.
    rig.set("2025-09-15T09:00:00+08:00");
    expect_refused(rig, "C-1", Action::reopen, dispatcher, json::object(), ErrorCode::not_permitted);
    expect_refused(rig, "C-1", Action::reopen, supervisor, json::object(), ErrorCode::invalid_data);
  }
  SUBCASE("max_level: supervise at the top, by a handler, is invalid_transition") {
    drive_to(rig, "C-1", State::handling);
    expect_refused(rig, "C-1", Action::supervise, lead_handler, json::object(), ErrorCode::not_permitted);
    expect_refused(rig, "C-1", Action::supervise, supervisor, json::object(), ErrorCode::invalid_data);
    for (int i = 0; i < 3; ++i) rig.act("C-1", Action::supervise);
    expect_refused(rig, "C-1", Action::supervise, lead_handler, json::object(), ErrorCode::invalid_transition);
  }
  SUBCASE("a wrong actor with bad data is not_permitted") {
    drive_to(rig, "C-1", State::registered);
    expect_refused(rig, "C-1", Action::dispatch, citizen, {{"route", "people_mediation"}}, ErrorCode::not_permitted);
    drive_to(rig, "C-2", State::dispatched);
    expect_refused(rig, "C-2", Action::return_, other_handler, json::object(), ErrorCode::not_permitted);
  }
}

TEST_CASE("a refused action leaves the case exactly as it was, and later actions still work") {
  Rig rig;
  drive_to(rig, "C-1", State::handling);
  rig.act("C-1", Action::supervise);
  const json before = rig.get("C-1");
  const std::size_t heard = rig.heard.size();
  expect_refused(rig, "C-1", canonical(Action::accept), ErrorCode::invalid_transition);
  expect_refused(rig, "C-1", Action::resolve, citizen, canonical(Action::resolve).data, ErrorCode::not_permitted);
  expect_refused(rig, "C-1", Action::resolve, lead_handler, json::object(), ErrorCode::invalid_data);
  CHECK(json(rig.get("C-1")) == before);
  CHECK(rig.heard.size() == heard);
  // The refusals left no trace: the next action is the case's next event.
  Case c = rig.act("C-1", Action::resolve);
  CHECK(c.version == before["version"].get<std::uint64_t>() + 1);
  CHECK(rig.heard.size() == heard + 1);
}

}  // TEST_SUITE
