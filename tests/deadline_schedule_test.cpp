// When a fresh stage clock's instants fall (LIFECYCLE.md "Deadline rules"): the default
// limit of every stage for every urgency, the warning (day limits: 24:00 of W_(N-k), k = 2
// when N >= 5 else 1; elapsed limits: deadline - limit/4), the escalation ladder up to
// max_level (working days: 24:00 of W_(N+L*e); elapsed: deadline + L*e; elapsed limit with
// a working-day step: counted from the day D), and who each step notifies.
//
// Every expected instant is counted by hand on the 2025 National Day calendar.
// Reference counts from Monday 1 September 2025 (W_0):
//   W1 Tue 2   W2 Wed 3   W3 Thu 4   W4 Fri 5   W5 Mon 8   W6 Tue 9   W7 Wed 10  W8 Thu 11
//   W9 Fri 12  W10 Mon 15 W11 Tue 16 W12 Wed 17 W13 Thu 18 W14 Fri 19 W15 Mon 22 W16 Tue 23
//   W17 Wed 24 W18 Thu 25 W19 Fri 26 W20 Sun 28 (make-up) W21 Mon 29 W22 Tue 30 Sep
//   W23 Thu 9 Oct (after the holiday) W24 Fri 10 Oct
// and "24:00 of W_n" is 00:00 of the next calendar day.
#include <doctest/doctest.h>

#include <array>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

// warning, deadline (overdue), escalation 1, 2, 3 (all +08:00).
using Five = std::array<const char*, 5>;

void check_schedule(const Case& c, Stage stage, const Five& expected) {
  CAPTURE(stage);
  REQUIRE(c.clock.has_value());
  CHECK(c.clock->stage == stage);
  CHECK(c.deadline() == at(expected[1]));
  const auto up = c.upcoming();
  REQUIRE(up.size() == 5);
  CHECK(up[0].type == EventType::deadline_warning);
  CHECK(up[1].type == EventType::deadline_overdue);
  for (std::size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(up[i].at == at(expected[i]));
    if (i >= 2) {
      CHECK(up[i].type == EventType::escalated);
      CHECK(up[i].level == static_cast<int>(i) - 1);
    }
  }
  REQUIRE(c.next_due().has_value());
  CHECK(c.next_due()->at == at(expected[0]));
}

// Walks one case through all six stage clocks, every action at Monday 1 Sep 09:00:
// register (dispatch), dispatch (accept), accept (handling), start_consultation
// (consulting), resolve (feedback), give_feedback (follow_up).
void walk_all_stages(const std::string& urgency, const std::array<Five, 6>& expected) {
  Rig rig;
  Case c = rig.register_case("C-1", registration(urgency));
  check_schedule(c, Stage::dispatch, expected[0]);
  c = rig.act("C-1", Action::dispatch);
  check_schedule(c, Stage::accept, expected[1]);
  c = rig.act("C-1", Action::accept);
  check_schedule(c, Stage::handling, expected[2]);
  c = rig.act("C-1", Action::start_consultation);
  check_schedule(c, Stage::consulting, expected[3]);
  c = rig.act("C-1", Action::resolve);
  check_schedule(c, Stage::feedback, expected[4]);
  c = rig.act("C-1", Action::give_feedback);
  check_schedule(c, Stage::follow_up, expected[5]);
}

std::vector<Event> fired(Rig& rig, const std::string& id) { return rig.engine_events(id); }

}  // namespace

TEST_SUITE("deadline schedule") {

TEST_CASE("normal urgency: the default limits, warnings and the ladder of every stage") {
  // Limits 1, 1, 15, 10, 3, 10 working days; k = 2 for N >= 5, else 1; e = 3 working days.
  walk_all_stages("normal", {{
      // dispatch, 1 wd: warning W0, deadline W1, escalations W4, W7, W10
      {"2025-09-02T00:00:00+08:00", "2025-09-03T00:00:00+08:00", "2025-09-06T00:00:00+08:00",
       "2025-09-11T00:00:00+08:00", "2025-09-16T00:00:00+08:00"},
      // accept, 1 wd
      {"2025-09-02T00:00:00+08:00", "2025-09-03T00:00:00+08:00", "2025-09-06T00:00:00+08:00",
       "2025-09-11T00:00:00+08:00", "2025-09-16T00:00:00+08:00"},
      // handling, 15 wd: W13, W15, W18, W21, W24
      {"2025-09-19T00:00:00+08:00", "2025-09-23T00:00:00+08:00", "2025-09-26T00:00:00+08:00",
       "2025-09-30T00:00:00+08:00", "2025-10-11T00:00:00+08:00"},
      // consulting, 10 wd: W8, W10, W13, W16, W19
      {"2025-09-12T00:00:00+08:00", "2025-09-16T00:00:00+08:00", "2025-09-19T00:00:00+08:00",
       "2025-09-24T00:00:00+08:00", "2025-09-27T00:00:00+08:00"},
      // feedback, 3 wd: W2, W3, W6, W9, W12
      {"2025-09-04T00:00:00+08:00", "2025-09-05T00:00:00+08:00", "2025-09-10T00:00:00+08:00",
       "2025-09-13T00:00:00+08:00", "2025-09-18T00:00:00+08:00"},
      // follow_up, 10 wd
      {"2025-09-12T00:00:00+08:00", "2025-09-16T00:00:00+08:00", "2025-09-19T00:00:00+08:00",
       "2025-09-24T00:00:00+08:00", "2025-09-27T00:00:00+08:00"},
  }});
}

TEST_CASE("urgent: 4 hours to dispatch and accept, 5/3/1/10 working days, escalation every working day") {
  walk_all_stages("urgent", {{
      // dispatch, 4 hours from 09:00: warning 1 hour before; D = Mon 1 Sep; W1, W2, W3 after D
      {"2025-09-01T12:00:00+08:00", "2025-09-01T13:00:00+08:00", "2025-09-03T00:00:00+08:00",
       "2025-09-04T00:00:00+08:00", "2025-09-05T00:00:00+08:00"},
      // accept, 4 hours
      {"2025-09-01T12:00:00+08:00", "2025-09-01T13:00:00+08:00", "2025-09-03T00:00:00+08:00",
       "2025-09-04T00:00:00+08:00", "2025-09-05T00:00:00+08:00"},
      // handling, 5 wd (k = 2): W3, W5, W6, W7, W8
      {"2025-09-05T00:00:00+08:00", "2025-09-09T00:00:00+08:00", "2025-09-10T00:00:00+08:00",
       "2025-09-11T00:00:00+08:00", "2025-09-12T00:00:00+08:00"},
      // consulting, 3 wd (k = 1): W2, W3, W4, W5, W6
      {"2025-09-04T00:00:00+08:00", "2025-09-05T00:00:00+08:00", "2025-09-06T00:00:00+08:00",
       "2025-09-09T00:00:00+08:00", "2025-09-10T00:00:00+08:00"},
      // feedback, 1 wd: W0, W1, W2, W3, W4
      {"2025-09-02T00:00:00+08:00", "2025-09-03T00:00:00+08:00", "2025-09-04T00:00:00+08:00",
       "2025-09-05T00:00:00+08:00", "2025-09-06T00:00:00+08:00"},
      // follow_up, 10 wd: W8, W10, W11, W12, W13
      {"2025-09-12T00:00:00+08:00", "2025-09-16T00:00:00+08:00", "2025-09-17T00:00:00+08:00",
       "2025-09-18T00:00:00+08:00", "2025-09-19T00:00:00+08:00"},
  }});
}

TEST_CASE("emergency: 30 minutes to dispatch and accept, 1/1/1/5 working days, escalation every 2 hours") {
  walk_all_stages("emergency", {{
      // dispatch, 30 minutes: warning 7.5 minutes before; deadline + 2h, 4h, 6h
      {"2025-09-01T09:22:30+08:00", "2025-09-01T09:30:00+08:00", "2025-09-01T11:30:00+08:00",
       "2025-09-01T13:30:00+08:00", "2025-09-01T15:30:00+08:00"},
      {"2025-09-01T09:22:30+08:00", "2025-09-01T09:30:00+08:00", "2025-09-01T11:30:00+08:00",
       "2025-09-01T13:30:00+08:00", "2025-09-01T15:30:00+08:00"},
      // handling, consulting, feedback: 1 wd, warning W0, deadline W1, then every 2 hours
      {"2025-09-02T00:00:00+08:00", "2025-09-03T00:00:00+08:00", "2025-09-03T02:00:00+08:00",
       "2025-09-03T04:00:00+08:00", "2025-09-03T06:00:00+08:00"},
      {"2025-09-02T00:00:00+08:00", "2025-09-03T00:00:00+08:00", "2025-09-03T02:00:00+08:00",
       "2025-09-03T04:00:00+08:00", "2025-09-03T06:00:00+08:00"},
      {"2025-09-02T00:00:00+08:00", "2025-09-03T00:00:00+08:00", "2025-09-03T02:00:00+08:00",
       "2025-09-03T04:00:00+08:00", "2025-09-03T06:00:00+08:00"},
      // follow_up, 5 wd (k = 2): W3, W5
      {"2025-09-05T00:00:00+08:00", "2025-09-09T00:00:00+08:00", "2025-09-09T02:00:00+08:00",
       "2025-09-09T04:00:00+08:00", "2025-09-09T06:00:00+08:00"},
  }});
}

TEST_CASE("the default rules table as DeadlineRules reports it") {
  const DeadlineRules rules;
  using S = Stage;
  using U = Urgency;
  struct Expect {
    S stage;
    U urgency;
    Span limit;
    Span warn_before;
    Span escalate_every;
    Span max_extension;
  };
  const Span d1 = Span::working_days(1), d2 = Span::working_days(2), d3 = Span::working_days(3);
  const Span h1 = Span::hours(1), h2 = Span::hours(2), h4 = Span::hours(4), h120 = Span::hours(120);
  const Span d15 = Span::working_days(15);
  const Expect table[] = {
      {S::dispatch, U::normal, d1, d1, d3, d15},
      {S::dispatch, U::urgent, h4, h1, d1, h120},
      {S::dispatch, U::emergency, Span::minutes(30), Span::seconds(450), h2, h120},
      {S::accept, U::normal, d1, d1, d3, d15},
      {S::accept, U::urgent, h4, h1, d1, h120},
      {S::accept, U::emergency, Span::minutes(30), Span::seconds(450), h2, h120},
      {S::handling, U::normal, d15, d2, d3, d15},
      {S::handling, U::urgent, Span::working_days(5), d2, d1, d15},
      {S::handling, U::emergency, d1, d1, h2, d15},
      {S::consulting, U::normal, Span::working_days(10), d2, d3, d15},
      {S::consulting, U::urgent, d3, d1, d1, d15},
      {S::consulting, U::emergency, d1, d1, h2, d15},
      {S::feedback, U::normal, d3, d1, d3, d15},
      {S::feedback, U::urgent, d1, d1, d1, d15},
      {S::feedback, U::emergency, d1, d1, h2, d15},
      {S::follow_up, U::normal, Span::working_days(10), d2, d3, d15},
      {S::follow_up, U::urgent, Span::working_days(10), d2, d1, d15},
      {S::follow_up, U::emergency, Span::working_days(5), d2, h2, d15},
  };
  for (const Expect& e : table) {
    CAPTURE(e.stage);
    CAPTURE(e.urgency);
    const StageRule& r = rules.rule(e.stage, e.urgency, "neighbour");
    CHECK(r.limit == e.limit);
    CHECK(r.warn_before == e.warn_before);
    CHECK(r.escalate_every == e.escalate_every);
    CHECK(r.max_extension == e.max_extension);
    CHECK(r.max_level == 3);
  }
  CHECK(rules.reopen_window("neighbour") == Seconds(30 * 24 * 3600));
}

TEST_CASE("the ladder fires in order up to max_level and no further") {
  Rig rig;
  rig.register_case("C-1");  // normal dispatch clock from Mon 1 Sep 09:00
  rig->advance_to(at("2025-12-31T00:00:00+08:00"));
  const auto events = fired(rig, "C-1");
  REQUIRE(events.size() == 5);
  const EventType types[] = {EventType::deadline_warning, EventType::deadline_overdue, EventType::escalated,
                             EventType::escalated, EventType::escalated};
  const char* ats[] = {"2025-09-02T00:00:00+08:00", "2025-09-03T00:00:00+08:00", "2025-09-06T00:00:00+08:00",
                       "2025-09-11T00:00:00+08:00", "2025-09-16T00:00:00+08:00"};
  for (std::size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(events[i].type == types[i]);
    CHECK(events[i].at == at(ats[i]));
    CHECK(events[i].stage == Stage::dispatch);
    CHECK(events[i].level == (i >= 2 ? static_cast<int>(i) - 1 : 0));
    CHECK(events[i].state_after == State::registered);
  }
  Case c = rig.get("C-1");
  CHECK(c.supervision == Supervision::escalated);
  CHECK(c.level == 3);
  CHECK_FALSE(c.next_due().has_value());
  CHECK_FALSE(rig->next_due().has_value());
  CHECK(c.record.warnings == 1);
  CHECK(c.record.overdues == 1);
  CHECK(c.record.escalations == 3);
}

TEST_CASE("the region follows each step as it fires") {
  Rig rig;
  rig.register_case("C-1");
  struct Stop {
    const char* t;
    Supervision region;
    int level;
  };
  const Stop stops[] = {
      {"2025-09-01T23:59:59+08:00", Supervision::on_track, 0},
      {"2025-09-02T00:00:00+08:00", Supervision::warning, 0},
      {"2025-09-02T23:59:59+08:00", Supervision::warning, 0},
      {"2025-09-03T00:00:00+08:00", Supervision::overdue, 0},
      {"2025-09-06T00:00:00+08:00", Supervision::escalated, 1},
      {"2025-09-10T12:00:00+08:00", Supervision::escalated, 1},
      {"2025-09-11T00:00:00+08:00", Supervision::escalated, 2},
      {"2025-09-16T00:00:00+08:00", Supervision::escalated, 3},
  };
  for (const Stop& s : stops) {
    CAPTURE(s.t);
    rig->advance_to(at(s.t));
    Case c = rig.get("C-1");
    CHECK(c.supervision == s.region);
    CHECK(c.level == s.level);
    CHECK(c.state == State::registered);
  }
}

TEST_CASE("emergency escalation fires every 2 hours after the deadline, up to level 3") {
  Rig rig("2025-09-02T08:00:00+08:00");
  rig.register_case("C-1", registration("emergency"));
  rig->advance_to(at("2025-09-03T00:00:00+08:00"));
  const auto events = fired(rig, "C-1");
  REQUIRE(events.size() == 5);
  CHECK(events[0].at == at("2025-09-02T08:22:30+08:00"));
  CHECK(events[1].at == at("2025-09-02T08:30:00+08:00"));
  CHECK(events[2].at == at("2025-09-02T10:30:00+08:00"));
  CHECK(events[3].at == at("2025-09-02T12:30:00+08:00"));
  CHECK(events[4].at == at("2025-09-02T14:30:00+08:00"));
  CHECK(events[4].level == 3);
}

TEST_CASE("an elapsed limit with a working-day escalation step counts from the day D") {
  // Urgent dispatch: 4 hours, escalate every 1 working day. D is the day holding the last
  // second before the deadline if worked, else the next working day; level L is 24:00 of
  // the L-th working day after D.
  struct Scenario {
    const char* registered;
    const char* deadline;
    Five steps;
  };
  const Scenario scenarios[] = {
      // Deadline at exactly 24:00 of Monday: the last second is Monday's, so D = Mon 1 Sep.
      {"2025-09-01T20:00:00+08:00", "2025-09-02T00:00:00+08:00",
       {"2025-09-01T23:00:00+08:00", "2025-09-02T00:00:00+08:00", "2025-09-03T00:00:00+08:00",
        "2025-09-04T00:00:00+08:00", "2025-09-05T00:00:00+08:00"}},
      // Deadline on Saturday 02:00: D = Mon 8 Sep.
      {"2025-09-05T22:00:00+08:00", "2025-09-06T02:00:00+08:00",
       {"2025-09-06T01:00:00+08:00", "2025-09-06T02:00:00+08:00", "2025-09-10T00:00:00+08:00",
        "2025-09-11T00:00:00+08:00", "2025-09-12T00:00:00+08:00"}},
      // Deadline on Saturday 14:00 before the make-up Sunday: D = Sun 28 Sep; then Mon 29,
      // Tue 30 Sep and, after the holiday, Thu 9 Oct.
      {"2025-09-27T10:00:00+08:00", "2025-09-27T14:00:00+08:00",
       {"2025-09-27T13:00:00+08:00", "2025-09-27T14:00:00+08:00", "2025-09-30T00:00:00+08:00",
        "2025-10-01T00:00:00+08:00", "2025-10-10T00:00:00+08:00"}},
      // Deadline on 1 October (holiday): D = Thu 9 Oct; then Fri 10, Sat 11 (make-up), Mon 13.
      {"2025-09-30T22:00:00+08:00", "2025-10-01T02:00:00+08:00",
       {"2025-10-01T01:00:00+08:00", "2025-10-01T02:00:00+08:00", "2025-10-11T00:00:00+08:00",
        "2025-10-12T00:00:00+08:00", "2025-10-14T00:00:00+08:00"}},
  };
  for (const Scenario& s : scenarios) {
    CAPTURE(s.registered);
    Rig rig(s.registered);
    Case c = rig.register_case("C-1", registration("urgent"));
    CHECK(c.deadline() == at(s.deadline));
    check_schedule(c, Stage::dispatch, s.steps);
  }
}

TEST_CASE("escalation notifies the jurisdiction L levels above the case's own, clamped at the region") {
  SUBCASE("a village case: township, county, region") {
    Rig rig;
    json reg = registration();
    reg["jurisdiction"] = {"daxinganling", "mohe", "xilinji", "beiji_village"};
    rig.register_case("C-1", reg);
    rig->advance_to(at("2025-12-01T00:00:00+08:00"));
    const auto events = fired(rig, "C-1");
    REQUIRE(events.size() == 5);
    CHECK(events[0].notified.empty());
    CHECK(events[1].notified.empty());
    CHECK(events[2].notified == std::vector<std::string>{"xilinji"});
    CHECK(events[3].notified == std::vector<std::string>{"mohe"});
    CHECK(events[4].notified == std::vector<std::string>{"daxinganling"});
  }
  SUBCASE("a township case: level 3 is clamped at the region") {
    Rig rig;
    rig.register_case("C-1");  // daxinganling / mohe / xilinji
    rig->advance_to(at("2025-12-01T00:00:00+08:00"));
    const auto events = fired(rig, "C-1");
    REQUIRE(events.size() == 5);
    CHECK(events[2].notified == std::vector<std::string>{"mohe"});
    CHECK(events[3].notified == std::vector<std::string>{"daxinganling"});
    CHECK(events[4].notified == std::vector<std::string>{"daxinganling"});
  }
  SUBCASE("a region-level case notifies the region itself") {
    Rig rig;
    json reg = registration();
    reg["jurisdiction"] = {"daxinganling"};
    rig.register_case("C-1", reg);
    rig->advance_to(at("2025-12-01T00:00:00+08:00"));
    const auto events = fired(rig, "C-1");
    REQUIRE(events.size() == 5);
    for (std::size_t i = 2; i < 5; ++i) CHECK(events[i].notified == std::vector<std::string>{"daxinganling"});
  }
}

TEST_CASE("an emergency notifies the whole jurisdiction path at registration; other urgencies nobody") {
  Rig rig;
  rig.register_case("C-E", registration("emergency"));
  rig.register_case("C-U", registration("urgent"));
  rig.register_case("C-N", registration("normal"));
  const auto e = rig->history("C-E");
  REQUIRE(e.size() == 1);
  // Nearest first (Event::notified).
  CHECK(e[0].notified == std::vector<std::string>{"xilinji", "mohe", "daxinganling"});
  CHECK(rig->history("C-U")[0].notified.empty());
  CHECK(rig->history("C-N")[0].notified.empty());
  // The listener sees the same notification.
  REQUIRE(rig.heard.size() == 3);
  CHECK(rig.heard[0].event.notified == e[0].notified);
  // Its escalations notify as any other case's do.
  rig->advance_to(at("2025-09-01T15:30:00+08:00"));
  const auto events = fired(rig, "C-E");
  REQUIRE(events.size() == 5);
  CHECK(events[2].notified == std::vector<std::string>{"mohe"});
}

TEST_CASE("every fresh clock starts on_track at level 0, whatever the region of the previous one") {
  Rig rig;
  rig.register_case("C-1");
  rig->advance_to(at("2025-09-11T00:00:00+08:00"));  // dispatch clock escalated to level 2
  REQUIRE(rig.get("C-1").level == 2);
  rig.set("2025-09-11T10:00:00+08:00");
  Case c = rig.act("C-1", Action::dispatch);
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.level == 0);
  // The accept clock from Thu 11 Sep: W1 = Fri 12 Sep.
  check_schedule(c, Stage::accept,
                 {"2025-09-12T00:00:00+08:00", "2025-09-13T00:00:00+08:00", "2025-09-18T00:00:00+08:00",
                  "2025-09-23T00:00:00+08:00", "2025-09-26T00:00:00+08:00"});
  // The statistics keep what happened to the earlier clock.
  CHECK(c.record.warnings == 1);
  CHECK(c.record.overdues == 1);
  CHECK(c.record.escalations == 2);
  CHECK(c.record.highest_level == 2);
}

}  // TEST_SUITE
