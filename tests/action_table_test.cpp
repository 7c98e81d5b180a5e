// The declarative action table (fengqiao/action_table.hpp) against LIFECYCLE.md, read
// independently: the hand-written allowed_from() of the test support and the spec's
// "who" column written out here. The Boost.MSM table is checked against the action table
// at compile time (src/lifecycle/machine.cpp); the behaviour of every row is in
// lifecycle_actions_test and lifecycle_refusals_test.
#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fengqiao/action_table.hpp"
#include "lifecycle/machine.hpp"
#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

TEST_SUITE("action table") {

TEST_CASE("each action is allowed from exactly the states of the spec's \"from\" column") {
  for (Action a : all_of<Action>()) {
    for (State s : all_of<State>()) {
      CAPTURE(a);
      CAPTURE(s);
      const auto list = allowed_from(s);
      const bool by_spec = std::find(list.begin(), list.end(), a) != list.end();
      CHECK(spec_of(a).allowed_from(s) == by_spec);
    }
  }
  // register: from a new case only.
  CHECK(spec_of(Action::register_case).row_index(std::nullopt, State::registered) == 0);
  CHECK(spec_of(Action::register_case).row_index(State::registered, State::registered) == -1);
}

TEST_CASE("the \"to\" column: where each row lands, and which rows keep the state") {
  struct Expect {
    Action action;
    State from;
    std::optional<State> to;  // none: the state stays
  };
  const Expect rows[] = {
      {Action::resolve_on_spot, State::registered, State::concluded},
      {Action::resume, State::suspended, State::handling},
      {Action::resume, State::suspended, State::consulting},
      {Action::follow_up, State::feedback_given, State::closed},
      {Action::follow_up, State::feedback_given, State::handling},
      {Action::follow_up, State::feedback_given, State::registered},
      {Action::reopen, State::closed, State::handling},
      {Action::reopen, State::closed, State::registered},
      {Action::extend, State::consulting, std::nullopt},
      {Action::supervise, State::suspended, std::nullopt},
      {Action::assign, State::dispatched, std::nullopt},
      {Action::note, State::withdrawn, std::nullopt},
  };
  for (const Expect& e : rows) {
    CAPTURE(e.action);
    CAPTURE(e.from);
    const int i = spec_of(e.action).row_index(e.from, e.to ? e.to : e.from);
    REQUIRE(i >= 0);
    CHECK(spec_of(e.action).rows[static_cast<std::size_t>(i)].to == e.to);
  }
  CHECK(spec_of(Action::accept).row_index(State::dispatched, State::dispatched) == -1);
}

TEST_CASE("the \"who\" column by role (LIFECYCLE.md, written out here)") {
  using R = Role;
  struct Expect {
    Action action;
    std::vector<Role> roles;
    bool lead_handler;
  };
  const Expect who[] = {
      {Action::register_case, {R::intake, R::grid_worker, R::citizen, R::dispatcher}, false},
      {Action::resolve_on_spot, {R::intake, R::dispatcher, R::mediator}, false},
      {Action::decline, {R::dispatcher}, false},
      {Action::dispatch, {R::dispatcher}, false},
      {Action::accept, {}, true},
      {Action::return_, {}, true},
      {Action::transfer, {R::dispatcher}, true},
      {Action::start_consultation, {R::supervisor}, true},
      {Action::end_consultation, {}, true},
      {Action::suspend, {}, true},
      {Action::resume, {R::supervisor}, true},
      {Action::extend, {R::supervisor}, false},
      {Action::resolve, {R::mediator}, true},
      {Action::refer, {}, true},
      {Action::give_feedback, {R::dispatcher}, true},
      {Action::follow_up, {R::dispatcher, R::supervisor}, false},
      {Action::reopen, {R::supervisor}, false},
      {Action::withdraw, {R::intake, R::dispatcher}, false},
      {Action::supervise, {R::supervisor}, false},
      {Action::assign, {R::dispatcher, R::supervisor}, true},
      {Action::note, {R::dispatcher, R::supervisor, R::mediator}, false},
  };
  REQUIRE(std::size(who) == enum_count<Action>);
  for (const Expect& e : who) {
    CAPTURE(e.action);
    const Who& w = spec_of(e.action).who;
    for (Role r : all_of<Role>()) {
      CAPTURE(r);
      CHECK(w.roles.contains(r) == (std::find(e.roles.begin(), e.roles.end(), r) != e.roles.end()));
    }
    CHECK(w.lead_handler == e.lead_handler);
    CHECK(w.first_responder == (e.action == Action::give_feedback || e.action == Action::note));
    CHECK(w.involved_handler == (e.action == Action::note));
    CHECK(w.own_case_citizen == (e.action == Action::withdraw));
  }
}

TEST_CASE("the table in JSON, as bindings and tools read it") {
  const nlohmann::json resume = spec_of(Action::resume);
  CHECK(resume["action"] == "resume");
  CHECK(resume["rows"] == nlohmann::json::parse(R"([
    {"from":["suspended"],"to":"handling","when":"suspended_from_handling","clock":"resume"},
    {"from":["suspended"],"to":"consulting","when":"suspended_from_consulting","clock":"resume"}])"));
  CHECK(resume["who"]["roles"] == nlohmann::json({"supervisor"}));
  CHECK(resume["who"]["lead_handler"] == true);
  const nlohmann::json reg = spec_of(Action::register_case);
  CHECK(reg["rows"][0]["from"] == nlohmann::json::array());
  CHECK(reg["fields"][0] == nlohmann::json({{"name", "channel"}, {"type", "channel"}, {"required", true}}));
  const nlohmann::json note = spec_of(Action::note);
  CHECK(note["since_version"] == 2);
  CHECK(note["rows"][0]["to"].is_null());
  CHECK(note["rows"][0]["from"].size() == enum_count<State>);
  CHECK(nlohmann::json(spec_of(Action::decline))["outcome"] == "declined");
  CHECK(nlohmann::json(spec_of(Action::supervise))["raises_supervision"] == true);
}

TEST_CASE("admin performs no case action") {
  for (Action a : all_of<Action>()) {
    CAPTURE(a);
    CHECK_FALSE(spec_of(a).who.roles.contains(Role::admin));
  }
}

TEST_CASE("the machine restores every pair of the two regions (Boost.MSM's persistence hook)") {
  for (State s : all_of<State>()) {
    for (Supervision v : all_of<Supervision>()) {
      CAPTURE(s);
      CAPTURE(v);
      const auto [state, supervision] = detail::restored(s, v);
      CHECK(state == s);
      CHECK(supervision == v);
    }
  }
}

TEST_CASE("enum names: one per enumerator, and parse is their inverse") {
  auto check = [](auto tag) {
    using E = decltype(tag);
    for (E e : all_of<E>()) {
      CAPTURE(to_string(e));
      CHECK_FALSE(to_string(e).empty());
      CHECK(parse<E>(to_string(e)) == e);
    }
  };
  check(State{});
  check(Supervision{});
  check(Stage{});
  check(Action{});
  check(EventType{});
  check(Role{});
  check(Urgency{});
  check(Outcome{});
  check(Channel{});
  check(Route{});
  check(Satisfaction{});
  CHECK(to_string(Action::assign) == "assign");
  CHECK(to_string(Action::note) == "note");
}

}  // TEST_SUITE
