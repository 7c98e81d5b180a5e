// Clocks that stop, run again and grow (LIFECYCLE.md "Stopped clocks", "Extension",
// "Re-evaluation"): suspension and consultation stop the running clock, which fires
// nothing while stopped and keeps its region, level and deadline; running again at r after
// stopping at p, a day limit grows by the working days D with p <= 00:00 of D < r, an elapsed
// limit by r - p; `extend` grows the running clock once; after either, the region is set
// from the new instants at level 0 and instants at or before that moment emit nothing.
//
// The handling clock of a normal case accepted on Monday 1 September 2025 10:00 has its
// deadline at 24:00 of W15 = Mon 22 Sep, its warning at 24:00 of W13 = Thu 18 Sep.
// Working days after Mon 1 Sep, counted by hand on the National Day 2025 calendar:
//   W1 Tue 2   W2 Wed 3   W3 Thu 4   W4 Fri 5   W5 Mon 8   W6 Tue 9   W7 Wed 10  W8 Thu 11
//   W9 Fri 12  W10 Mon 15 W11 Tue 16 W12 Wed 17 W13 Thu 18 W14 Fri 19 W15 Mon 22 W16 Tue 23
//   W17 Wed 24 W18 Thu 25 W19 Fri 26 W20 Sun 28 W21 Mon 29 W22 Tue 30 Sep
//   W23 Thu 9 Oct  W24 Fri 10 W25 Sat 11 W26 Mon 13 W27 Tue 14 W28 Wed 15 W29 Thu 16
//   W30 Fri 17 W31 Mon 20 W32 Tue 21 W33 Wed 22 Oct
#include <doctest/doctest.h>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

// A normal case in handling since Mon 1 Sep 10:00.
struct HandlingRig : Rig {
  HandlingRig() : Rig("2025-09-01T10:00:00+08:00") { drive_to(*this, "C-1", State::handling); }
};

void check_instants(const Case& c, const char* warning, const char* deadline) {
  REQUIRE(c.clock.has_value());
  CHECK(c.clock->warning_at() == at(warning));
  CHECK(c.deadline() == at(deadline));
}

std::vector<EventType> types(const std::vector<Event>& events) {
  std::vector<EventType> out;
  for (const Event& e : events) out.push_back(e.type);
  return out;
}

// An engine whose urgent handling clock is elapsed time: 8 hours, a warning 2 hours
// before (limit/4), escalation every 2 hours.
DeadlineRules hourly_handling() {
  return DeadlineRules::from_json(json::parse(
                                      R"({"stages":{"handling":{"urgent":{"limit":{"hours":8},
                                          "escalate_every":{"hours":2}}}}})"))
      .value();
}

}  // namespace

TEST_SUITE("stopped clocks") {

TEST_CASE("suspension: the clock stops, keeps its deadline, and grows by the working days that started meanwhile") {
  HandlingRig rig;
  check_instants(rig.get("C-1"), "2025-09-19T00:00:00+08:00", "2025-09-23T00:00:00+08:00");

  rig.set("2025-09-03T15:00:00+08:00");  // Wednesday
  Case c = rig.act("C-1", Action::suspend);
  CHECK(c.deadline() == at("2025-09-23T00:00:00+08:00"));  // the stopped clock's
  CHECK_FALSE(c.next_due().has_value());
  CHECK_FALSE(rig->next_due().has_value());

  // Resumed on Monday 10:00: 00:00 of Thu 4, Fri 5 and Mon 8 fell in between (Sat, Sun are off).
  rig.set("2025-09-08T10:00:00+08:00");
  c = rig.act("C-1", Action::resume);
  CHECK(c.state == State::handling);
  CHECK(c.clock->limit == Span::working_days(18));
  // W18 = Thu 25 Sep; the warning stays k = 2 working days before it (the configured N is 15).
  check_instants(c, "2025-09-24T00:00:00+08:00", "2025-09-26T00:00:00+08:00");
  CHECK(c.supervision == Supervision::on_track);
  const auto up = c.upcoming();
  REQUIRE(up.size() == 5);
  CHECK(up[2].at == at("2025-09-30T00:00:00+08:00"));  // W21
  CHECK(up[3].at == at("2025-10-11T00:00:00+08:00"));  // W24
  CHECK(up[4].at == at("2025-10-15T00:00:00+08:00"));  // W27
}

TEST_CASE("a stopped clock fires nothing, however long it stays stopped") {
  HandlingRig rig;
  rig.set("2025-09-18T12:00:00+08:00");  // before the warning at 2025-09-19T00:00
  rig.act("C-1", Action::suspend);
  const std::size_t before = rig->history("C-1").size();
  // Past the warning, the deadline and every escalation step of the stopped clock.
  CHECK(rig->advance_to(at("2025-10-20T09:00:00+08:00")).fired == 0);
  CHECK(rig->history("C-1").size() == before);
  Case c = rig.get("C-1");
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.deadline() == at("2025-09-23T00:00:00+08:00"));

  // Resumed Mon 20 Oct 10:00: the 18 working days from Fri 19 Sep to Mon 20 Oct are added.
  rig.set("2025-10-20T10:00:00+08:00");
  c = rig.act("C-1", Action::resume);
  CHECK(c.clock->limit == Span::working_days(33));
  check_instants(c, "2025-10-21T00:00:00+08:00", "2025-10-23T00:00:00+08:00");  // W31, W33
  CHECK(c.supervision == Supervision::on_track);
  CHECK(rig->history("C-1").size() == before + 1);  // just the resume
}

TEST_CASE("suspension keeps the region and level the case had; resume re-evaluates at level 0") {
  HandlingRig rig;
  // Warning (19 Sep), overdue (23 Sep) and escalation 1 (24:00 of W18 = 26 Sep 00:00) fire.
  rig->advance_to(at("2025-09-26T00:00:00+08:00"));
  REQUIRE(rig.get("C-1").level == 1);

  rig.set("2025-09-26T10:00:00+08:00");  // Friday
  Case c = rig.act("C-1", Action::suspend);
  CHECK(c.supervision == Supervision::escalated);
  CHECK(c.level == 1);
  c = rig.act("C-1", Action::supervise);  // allowed while suspended
  CHECK(c.level == 2);
  const std::size_t engine_events = rig.engine_events("C-1").size();

  // Resumed Mon 29 Sep 10:00: 00:00 of Sun 28 (make-up) and Mon 29 fell in between: N = 17.
  rig.set("2025-09-29T10:00:00+08:00");
  c = rig.act("C-1", Action::resume);
  // Deadline 24:00 of W17 = 25 Sep, already passed: overdue, level 0, nothing emitted.
  check_instants(c, "2025-09-23T00:00:00+08:00", "2025-09-25T00:00:00+08:00");
  CHECK(c.supervision == Supervision::overdue);
  CHECK(c.level == 0);
  CHECK(rig.engine_events("C-1").size() == engine_events);
  // Escalation 1 (W20 = Sun 28 -> 29 Sep 00:00) has passed too; the next step is level 2 at
  // W23 = Thu 9 Oct, then level 3 at W26 = Mon 13 Oct.
  const auto up = c.upcoming();
  REQUIRE(up.size() == 2);
  CHECK(up[0].type == EventType::escalated);
  CHECK(up[0].level == 2);
  CHECK(up[0].at == at("2025-10-10T00:00:00+08:00"));
  CHECK(up[1].level == 3);
  CHECK(up[1].at == at("2025-10-14T00:00:00+08:00"));

  rig->advance_to(at("2025-10-10T00:00:00+08:00"));
  c = rig.get("C-1");
  CHECK(c.supervision == Supervision::escalated);
  CHECK(c.level == 2);
  const auto events = rig.engine_events("C-1");
  REQUIRE(events.size() == engine_events + 1);
  CHECK(events.back().type == EventType::escalated);
  CHECK(events.back().level == 2);
  CHECK(events.back().at == at("2025-10-10T00:00:00+08:00"));
}

TEST_CASE("resume re-evaluates into warning when the new warning instant has passed, emitting nothing") {
  HandlingRig rig;
  rig->advance_to(at("2025-09-19T00:00:00+08:00"));  // the warning fires
  rig.set("2025-09-19T10:00:00+08:00");
  rig.act("C-1", Action::suspend);
  rig.set("2025-09-22T10:00:00+08:00");  // + Mon 22 only
  Case c = rig.act("C-1", Action::resume);
  check_instants(c, "2025-09-20T00:00:00+08:00", "2025-09-24T00:00:00+08:00");  // W14, W16
  CHECK(c.supervision == Supervision::warning);
  CHECK(rig.engine_events("C-1").size() == 1);
  REQUIRE(c.next_due().has_value());
  CHECK(c.next_due()->type == EventType::deadline_overdue);
  CHECK(c.next_due()->at == at("2025-09-24T00:00:00+08:00"));
}

TEST_CASE("resume into on_track resets a level reached by supervise while suspended") {
  HandlingRig rig;
  rig.set("2025-09-02T10:00:00+08:00");
  rig.act("C-1", Action::suspend);
  rig.act("C-1", Action::supervise);
  CHECK(rig.get("C-1").level == 1);
  rig.set("2025-09-03T10:00:00+08:00");
  Case c = rig.act("C-1", Action::resume);  // + Wed 3 Sep: N = 16
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.level == 0);
  check_instants(c, "2025-09-20T00:00:00+08:00", "2025-09-24T00:00:00+08:00");
}

TEST_CASE("a stop within one day adds nothing; a stop across midnight adds that day") {
  HandlingRig rig;
  SUBCASE("Monday 11:00 to 15:00") {
    rig.set("2025-09-01T11:00:00+08:00");
    rig.act("C-1", Action::suspend);
    rig.set("2025-09-01T15:00:00+08:00");
    check_instants(rig.act("C-1", Action::resume), "2025-09-19T00:00:00+08:00", "2025-09-23T00:00:00+08:00");
  }
  SUBCASE("Tuesday 23:00 to Wednesday 01:00") {
    rig.set("2025-09-02T23:00:00+08:00");
    rig.act("C-1", Action::suspend);
    rig.set("2025-09-03T01:00:00+08:00");
    check_instants(rig.act("C-1", Action::resume), "2025-09-20T00:00:00+08:00", "2025-09-24T00:00:00+08:00");
  }
  SUBCASE("from exactly 00:00 of a working day") {
    rig.set("2025-09-03T00:00:00+08:00");
    rig.act("C-1", Action::suspend);
    rig.set("2025-09-03T00:00:01+08:00");
    check_instants(rig.act("C-1", Action::resume), "2025-09-20T00:00:00+08:00", "2025-09-24T00:00:00+08:00");
  }
  SUBCASE("over a weekend only: Friday 18:00 to Monday 00:00") {
    rig.set("2025-09-05T18:00:00+08:00");
    rig.act("C-1", Action::suspend);
    rig.set("2025-09-08T00:00:00+08:00");  // 00:00 of Mon 8 is not before r
    check_instants(rig.act("C-1", Action::resume), "2025-09-19T00:00:00+08:00", "2025-09-23T00:00:00+08:00");
  }
}

TEST_CASE("an elapsed clock grows by the time it was stopped") {
  Rig rig("2025-09-01T09:00:00+08:00", hourly_handling());
  drive_to(rig, "C-1", State::handling, registration("urgent"));
  Case c = rig.get("C-1");
  check_instants(c, "2025-09-01T15:00:00+08:00", "2025-09-01T17:00:00+08:00");

  SUBCASE("stopped 1 h 30 before the warning: every instant moves by 1 h 30") {
    rig.set("2025-09-01T11:00:00+08:00");
    rig.act("C-1", Action::suspend);
    rig.set("2025-09-01T12:30:00+08:00");
    c = rig.act("C-1", Action::resume);
    CHECK(c.clock->limit == Span::seconds(8 * 3600 + 5400));
    check_instants(c, "2025-09-01T16:30:00+08:00", "2025-09-01T18:30:00+08:00");
    const auto up = c.upcoming();
    REQUIRE(up.size() == 5);
    CHECK(up[2].at == at("2025-09-01T20:30:00+08:00"));
    CHECK(up[3].at == at("2025-09-01T22:30:00+08:00"));
    CHECK(up[4].at == at("2025-09-02T00:30:00+08:00"));
    CHECK(c.supervision == Supervision::on_track);
  }
  SUBCASE("stopped 10 minutes after the warning: back in warning, overdue 10 minutes later than before") {
    rig->advance_to(at("2025-09-01T15:00:00+08:00"));
    rig.set("2025-09-01T16:00:00+08:00");
    rig.act("C-1", Action::suspend);
    rig.set("2025-09-01T16:10:00+08:00");
    c = rig.act("C-1", Action::resume);
    check_instants(c, "2025-09-01T15:10:00+08:00", "2025-09-01T17:10:00+08:00");
    CHECK(c.supervision == Supervision::warning);
    rig->advance_to(at("2025-09-01T17:10:00+08:00"));
    CHECK(types(rig.engine_events("C-1")) ==
          std::vector<EventType>{EventType::deadline_warning, EventType::deadline_overdue});
    CHECK(rig.engine_events("C-1").back().at == at("2025-09-01T17:10:00+08:00"));
  }
}

TEST_CASE("consultation stops the handling clock; end_consultation runs it again, grown") {
  HandlingRig rig;
  rig.set("2025-09-02T11:00:00+08:00");
  Case c = rig.act("C-1", Action::start_consultation);
  // The consulting clock from Tue 2 Sep: 10 working days -> 24:00 of Tue 16 Sep, warning Fri 12.
  CHECK(c.clock->stage == Stage::consulting);
  check_instants(c, "2025-09-13T00:00:00+08:00", "2025-09-17T00:00:00+08:00");
  REQUIRE(c.held_clock.has_value());
  CHECK(c.held_clock->stage == Stage::handling);
  CHECK_FALSE(c.held_clock->running());

  rig.set("2025-09-05T16:00:00+08:00");  // Friday: + Wed 3, Thu 4, Fri 5
  c = rig.act("C-1", Action::end_consultation);
  CHECK(c.clock->stage == Stage::handling);
  CHECK(c.clock->limit == Span::working_days(18));
  check_instants(c, "2025-09-24T00:00:00+08:00", "2025-09-26T00:00:00+08:00");
  CHECK_FALSE(c.held_clock.has_value());
  CHECK(c.supervision == Supervision::on_track);
}

TEST_CASE("while consulting only the consulting clock fires; its region does not outlive it") {
  HandlingRig rig;
  rig.set("2025-09-02T11:00:00+08:00");
  rig.act("C-1", Action::start_consultation);
  // Past the handling clock's own warning (19 Sep) and deadline (23 Sep).
  rig->advance_to(at("2025-09-24T00:00:00+08:00"));
  const auto events = rig.engine_events("C-1");
  // Consulting, from Tue 2 Sep: warning 24:00 of W8 = Fri 12, deadline W10 = Tue 16,
  // escalation 1 at W13 = Fri 19; escalation 2 at W16 = Wed 24 is not yet due.
  REQUIRE(events.size() == 3);
  for (const Event& e : events) CHECK(e.stage == Stage::consulting);
  CHECK(events[0].at == at("2025-09-13T00:00:00+08:00"));
  CHECK(events[1].at == at("2025-09-17T00:00:00+08:00"));
  CHECK(events[2].at == at("2025-09-20T00:00:00+08:00"));
  CHECK(rig.get("C-1").level == 1);

  rig.set("2025-09-24T10:00:00+08:00");
  Case c = rig.act("C-1", Action::end_consultation);
  // The handling clock grows by the 16 working days Wed 3 ... Wed 24 Sep: N = 31.
  CHECK(c.clock->limit == Span::working_days(31));
  check_instants(c, "2025-10-17T00:00:00+08:00", "2025-10-21T00:00:00+08:00");  // W29, W31
  CHECK(c.supervision == Supervision::on_track);
  CHECK(c.level == 0);
}

TEST_CASE("suspended while consulting: resume runs the consulting clock; end_consultation adds the whole consultation") {
  HandlingRig rig;
  rig.set("2025-09-02T11:00:00+08:00");
  rig.act("C-1", Action::start_consultation);
  rig.set("2025-09-03T11:00:00+08:00");
  Case c = rig.act("C-1", Action::suspend);
  CHECK(c.suspended_from == State::consulting);
  CHECK(c.deadline() == at("2025-09-17T00:00:00+08:00"));  // the stopped consulting clock's

  rig.set("2025-09-08T09:00:00+08:00");  // + Thu 4, Fri 5, Mon 8
  c = rig.act("C-1", Action::resume);
  CHECK(c.state == State::consulting);
  CHECK(c.clock->stage == Stage::consulting);
  CHECK(c.clock->limit == Span::working_days(13));
  // From Tue 2 Sep: W11 = Wed 17, W13 = Fri 19.
  check_instants(c, "2025-09-18T00:00:00+08:00", "2025-09-20T00:00:00+08:00");

  rig.set("2025-09-10T10:00:00+08:00");
  c = rig.act("C-1", Action::end_consultation);
  // The handling clock stopped at start_consultation: + Wed 3 ... Wed 10 Sep = 6 days, N = 21.
  CHECK(c.clock->limit == Span::working_days(21));
  check_instants(c, "2025-09-27T00:00:00+08:00", "2025-09-30T00:00:00+08:00");  // W19, W21
}

TEST_CASE("extend: a day clock grows by `days`, once; the warning keeps the configured k") {
  HandlingRig rig;
  rig.set("2025-09-10T10:00:00+08:00");
  Case c = rig.act("C-1", Action::extend, supervisor, {{"days", 5}, {"reason", "Expert survey."}});
  CHECK(c.clock->limit == Span::working_days(20));
  check_instants(c, "2025-09-26T00:00:00+08:00", "2025-09-29T00:00:00+08:00");  // W18, W20 (Sun 28)
  const auto up = c.upcoming();
  REQUIRE(up.size() == 5);
  CHECK(up[2].at == at("2025-10-10T00:00:00+08:00"));  // W23
  CHECK(up[3].at == at("2025-10-14T00:00:00+08:00"));  // W26
  CHECK(up[4].at == at("2025-10-17T00:00:00+08:00"));  // W29
  CHECK(c.supervision == Supervision::on_track);

  Error e = expect_refused(rig, "C-1", canonical(Action::extend), ErrorCode::invalid_transition);
  CHECK(e.message.find("extension") != std::string::npos);
}

TEST_CASE("extend re-evaluates: an overdue case back in warning, the deadline fires again") {
  HandlingRig rig;
  rig->advance_to(at("2025-09-23T00:00:00+08:00"));  // warning, overdue
  rig.set("2025-09-23T10:00:00+08:00");
  Case c = rig.act("C-1", Action::extend, supervisor, {{"days", 1}, {"reason", "One more day."}});
  // N = 16: deadline 24:00 of Tue 23 Sep; the warning (W14 = 19 Sep) has passed.
  check_instants(c, "2025-09-20T00:00:00+08:00", "2025-09-24T00:00:00+08:00");
  CHECK(c.supervision == Supervision::warning);
  CHECK(c.level == 0);
  CHECK(rig.engine_events("C-1").size() == 2);  // nothing emitted by the extension
  rig->advance_to(at("2025-09-24T00:00:00+08:00"));
  const auto events = rig.engine_events("C-1");
  REQUIRE(events.size() == 3);
  CHECK(events[2].type == EventType::deadline_overdue);
  CHECK(events[2].at == at("2025-09-24T00:00:00+08:00"));
  CHECK(rig.get("C-1").record.overdues == 2);
}

TEST_CASE("extend re-evaluates: still past the new deadline means overdue at level 0, the next step sets its level") {
  HandlingRig rig;
  rig->advance_to(at("2025-09-26T00:00:00+08:00"));  // escalation 1
  rig.set("2025-09-26T10:00:00+08:00");
  Case c = rig.act("C-1", Action::extend, supervisor, {{"days", 3}, {"reason", "x"}});
  // N = 18: deadline 24:00 of W18 = Thu 25 Sep, already passed.
  CHECK(c.deadline() == at("2025-09-26T00:00:00+08:00"));
  CHECK(c.supervision == Supervision::overdue);
  CHECK(c.level == 0);
  // Escalation 1 now at W21 = Mon 29 Sep: it fires again, as level 1.
  REQUIRE(c.next_due().has_value());
  CHECK(c.next_due()->type == EventType::escalated);
  CHECK(c.next_due()->level == 1);
  CHECK(c.next_due()->at == at("2025-09-30T00:00:00+08:00"));
  rig->advance_to(at("2025-09-30T00:00:00+08:00"));
  CHECK(rig.get("C-1").level == 1);
}

TEST_CASE("extend: one per clock; consulting and handling are different clocks, a fresh clock can be extended again") {
  HandlingRig rig;
  SUBCASE("the consulting clock has its own allowance") {
    rig.act("C-1", Action::extend);
    rig.act("C-1", Action::start_consultation);
    Case c = rig.act("C-1", Action::extend);
    CHECK(c.clock->stage == Stage::consulting);
    CHECK(c.clock->extended);
    expect_refused(rig, "C-1", canonical(Action::extend), ErrorCode::invalid_transition);
    // Back to the handling clock, which was extended already.
    rig.act("C-1", Action::end_consultation);
    expect_refused(rig, "C-1", canonical(Action::extend), ErrorCode::invalid_transition);
  }
  SUBCASE("a handling clock extended before a consultation is still extended after it, and vice versa") {
    rig.act("C-1", Action::start_consultation);
    rig.act("C-1", Action::end_consultation);
    rig.act("C-1", Action::extend);
    expect_refused(rig, "C-1", canonical(Action::extend), ErrorCode::invalid_transition);
  }
  SUBCASE("suspension does not renew the allowance") {
    rig.act("C-1", Action::extend);
    rig.act("C-1", Action::suspend);
    rig.act("C-1", Action::resume);
    expect_refused(rig, "C-1", canonical(Action::extend), ErrorCode::invalid_transition);
  }
  SUBCASE("a reopened case has a fresh handling clock") {
    rig.act("C-1", Action::extend);
    rig.act("C-1", Action::resolve);
    rig.act("C-1", Action::give_feedback);
    rig.set("2025-09-10T10:00:00+08:00");
    rig.act("C-1", Action::follow_up, dispatcher, {{"satisfaction", "unsatisfied"}});
    Case c = rig.act("C-1", Action::extend);
    // From Wed 10 Sep, 15 + 2 working days: 11, 12, 15-19, 22-26, 28, 29, 30 Sep (W15),
    // then 9, 10 Oct -> W17 = Fri 10 Oct.
    CHECK(c.deadline() == at("2025-10-11T00:00:00+08:00"));
  }
  SUBCASE("a transfer starts a fresh handling clock at the next accept") {
    rig.act("C-1", Action::extend);
    rig.act("C-1", Action::transfer);
    rig.act("C-1", Action::accept, new_lead_handler, json::object());
    CHECK(rig.act("C-1", Action::extend).clock->extended);
  }
}

TEST_CASE("extend on an elapsed clock takes hours, up to 120") {
  Rig rig("2025-09-01T09:00:00+08:00", hourly_handling());
  drive_to(rig, "C-1", State::handling, registration("urgent"));
  expect_refused(rig, "C-1", Action::extend, supervisor, {{"days", 1}, {"reason", "x"}}, ErrorCode::invalid_data);
  expect_refused(rig, "C-1", Action::extend, supervisor, {{"hours", 121}, {"reason", "x"}}, ErrorCode::invalid_data);
  expect_refused(rig, "C-1", Action::extend, supervisor, {{"hours", 0}, {"reason", "x"}}, ErrorCode::invalid_data);
  Case c = rig.act("C-1", Action::extend, supervisor, {{"hours", 4}, {"reason", "Night shift."}});
  // Deadline 17:00 + 4 h; the warning stays limit/4 = 2 h of the configured limit before it.
  check_instants(c, "2025-09-01T19:00:00+08:00", "2025-09-01T21:00:00+08:00");
  CHECK(c.upcoming()[2].at == at("2025-09-01T23:00:00+08:00"));

  Rig other("2025-09-01T09:00:00+08:00", hourly_handling());
  drive_to(other, "C-2", State::handling, registration("urgent"));
  CHECK(other.act("C-2", Action::extend, supervisor, {{"hours", 120}, {"reason", "x"}}).deadline() ==
        at("2025-09-06T17:00:00+08:00"));
}

TEST_CASE("extend respects a configured max_extension") {
  auto rules = DeadlineRules::from_json(
      json::parse(R"({"stages":{"handling":{"normal":{"max_extension":{"working_days":3}}}}})"));
  REQUIRE(rules.ok());
  Rig rig("2025-09-01T10:00:00+08:00", rules.value());
  drive_to(rig, "C-1", State::handling);
  Error e = expect_refused(rig, "C-1", Action::extend, supervisor, {{"days", 4}, {"reason", "x"}},
                           ErrorCode::invalid_data);
  CHECK(e.message.find("days") != std::string::npos);
  CHECK(rig.act("C-1", Action::extend, supervisor, {{"days", 3}, {"reason", "x"}}).clock->limit ==
        Span::working_days(18));
}

}  // TEST_SUITE
