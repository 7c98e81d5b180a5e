// How deadline events fire (LIFECYCLE.md "Firing"): each instant of a running clock fires
// once when the engine's clock reaches it; the supervision region only moves up (a warning
// or overdue still fires as an event in a region already above it, an escalation step
// already reached by `supervise` is skipped and emits nothing); events due at one instant
// fire ordered by case id (byte-wise), then warning, overdue, escalation; an action at
// exactly a due instant comes after what fires at that instant. Also what is still to come
// (Case::next_due, Case::upcoming, Engine::next_due) and advance_to never firing twice.
//
// The normal dispatch clock of a case registered Monday 1 September 2025 09:00 (+08:00):
//   warning 2025-09-02T00:00 (W0), overdue 2025-09-03T00:00 (W1),
//   escalation 1 2025-09-06T00:00 (W4 = Fri 5), 2 2025-09-11T00:00 (W7 = Wed 10),
//   3 2025-09-16T00:00 (W10 = Mon 15).
#include <doctest/doctest.h>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

const char* const kWarning = "2025-09-02T00:00:00+08:00";
const char* const kOverdue = "2025-09-03T00:00:00+08:00";
const char* const kLevel1 = "2025-09-06T00:00:00+08:00";
const char* const kLevel2 = "2025-09-11T00:00:00+08:00";
const char* const kLevel3 = "2025-09-16T00:00:00+08:00";

// "case:event[level]" for each listener call, e.g. "C-1:deadline_warning", "C-1:escalated2",
// "C-1:dispatch" for an action.
std::vector<std::string> heard(const Rig& rig) {
  std::vector<std::string> out;
  for (const Heard& h : rig.heard) {
    const Event& e = h.event;
    std::string what = e.type == EventType::action ? std::string(to_string(*e.action)) : std::string(to_string(e.type));
    if (e.type == EventType::escalated) what += std::to_string(e.level);
    out.push_back(e.case_id + ":" + what);
  }
  return out;
}

}  // namespace

TEST_SUITE("deadline firing") {

TEST_CASE("supervise mixed with the ladder: warning and overdue still fire, a level already reached is skipped") {
  Rig rig;
  rig.register_case("C-1");
  rig.set("2025-09-01T10:00:00+08:00");
  Case c = rig.act("C-1", Action::supervise);
  CHECK(c.supervision == Supervision::escalated);
  CHECK(c.level == 1);
  // Still to come: the warning, the deadline, and levels 2 and 3 (level 1 is reached).
  auto up = c.upcoming();
  REQUIRE(up.size() == 4);
  CHECK(up[0].type == EventType::deadline_warning);
  CHECK(up[1].type == EventType::deadline_overdue);
  CHECK(up[2].level == 2);
  CHECK(up[3].level == 3);

  rig.heard.clear();
  CHECK(rig->advance_to(at(kWarning)).fired == 1);
  c = rig.get("C-1");
  CHECK(c.supervision == Supervision::escalated);  // the region only moves up
  CHECK(c.level == 1);
  CHECK(rig->advance_to(at(kOverdue)).fired == 1);
  CHECK(rig.get("C-1").supervision == Supervision::escalated);
  CHECK(rig->advance_to(at(kLevel1)).fired == 0);  // level 1 already reached: nothing emitted
  CHECK(rig->advance_to(at(kLevel2)).fired == 1);
  CHECK(rig.get("C-1").level == 2);
  CHECK(heard(rig) == std::vector<std::string>{"C-1:deadline_warning", "C-1:deadline_overdue", "C-1:escalated2"});
  CHECK(rig.heard[0].event.at == at(kWarning));
  CHECK(rig.heard[1].event.at == at(kOverdue));
  CHECK(rig.heard[2].event.at == at(kLevel2));

  rig.set("2025-09-12T10:00:00+08:00");
  c = rig.act("C-1", Action::supervise);
  CHECK(c.level == 3);
  CHECK_FALSE(c.next_due().has_value());  // level 3 reached: the last step emits nothing
  CHECK(rig->advance_to(at(kLevel3)).fired == 0);
  expect_refused(rig, "C-1", canonical(Action::supervise), ErrorCode::invalid_transition);

  c = rig.get("C-1");
  CHECK(c.record.warnings == 1);
  CHECK(c.record.overdues == 1);
  CHECK(c.record.escalations == 1);
  CHECK(c.record.supervision_orders == 2);
  CHECK(c.record.highest_level == 3);
}

TEST_CASE("supervise from warning or from overdue gives escalated level 1; the ladder goes on above it") {
  for (const char* when : {kWarning, kOverdue}) {
    CAPTURE(when);
    Rig rig;
    rig.register_case("C-1");
    rig->advance_to(at(when));
    rig.set(std::string(when).replace(11, 2, "08"));  // 08:00 that day
    Case c = rig.act("C-1", Action::supervise);
    CHECK(c.supervision == Supervision::escalated);
    CHECK(c.level == 1);
    rig->advance_to(at("2025-12-01T00:00:00+08:00"));
    std::vector<std::string> expected = {"C-1:register", "C-1:deadline_warning"};
    if (std::string(when) == kOverdue) expected.push_back("C-1:deadline_overdue");
    expected.push_back("C-1:supervise");
    if (std::string(when) == kWarning) expected.push_back("C-1:deadline_overdue");
    expected.push_back("C-1:escalated2");
    expected.push_back("C-1:escalated3");
    CHECK(heard(rig) == expected);
  }
}

TEST_CASE("supervise twice before the deadline: levels 1 and 2 are skipped, level 3 fires") {
  Rig rig;
  rig.register_case("C-1");
  rig.act("C-1", Action::supervise);
  rig.act("C-1", Action::supervise);
  rig->advance_to(at("2025-12-01T00:00:00+08:00"));
  const auto events = rig.engine_events("C-1");
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == EventType::deadline_warning);
  CHECK(events[1].type == EventType::deadline_overdue);
  CHECK(events[2].type == EventType::escalated);
  CHECK(events[2].level == 3);
  CHECK(events[2].at == at(kLevel3));
  CHECK(events[2].notified == std::vector<std::string>{"daxinganling"});
}

TEST_CASE("ties: events due at the same instant fire ordered by case id, byte-wise") {
  Rig rig;
  // Registered in another order; byte-wise "B-2" < "C-10" < "C-9" < "a-3" < "b-1".
  for (const char* id : {"b-1", "C-9", "a-3", "C-10", "B-2"}) rig.register_case(id);
  rig.heard.clear();
  rig->advance_to(at(kOverdue));
  CHECK(heard(rig) == std::vector<std::string>{
                          "B-2:deadline_warning", "C-10:deadline_warning", "C-9:deadline_warning",
                          "a-3:deadline_warning", "b-1:deadline_warning", "B-2:deadline_overdue",
                          "C-10:deadline_overdue", "C-9:deadline_overdue", "a-3:deadline_overdue",
                          "b-1:deadline_overdue"});
}

TEST_CASE("ties: byte-wise means UTF-8 bytes compared unsigned, so Chinese ids come after ASCII ones") {
  Rig rig;
  // "案" is E6 A1 88 in UTF-8, "Z" is 5A, "z" is 7A.
  for (const char* id : {"\xE6\xA1\x88-2025-1", "z-1", "Z-1"}) rig.register_case(id);
  rig.heard.clear();
  rig->advance_to(at(kWarning));
  CHECK(heard(rig) == std::vector<std::string>{"Z-1:deadline_warning", "z-1:deadline_warning",
                                               "\xE6\xA1\x88-2025-1:deadline_warning"});
}

TEST_CASE("ties: at one instant the case id comes first, then warning before overdue within a case") {
  // Category "tight" warns at the deadline itself (warn_before 0): its warning and its
  // overdue share one instant.
  auto rules = DeadlineRules::from_json(
      json::parse(R"({"categories":{"tight":{"stages":{"dispatch":{"normal":{"warn_before":{"working_days":0}}}}}}})"));
  REQUIRE(rules.ok());
  Rig rig("2025-08-31T10:00:00+08:00", rules.value());  // Sunday
  // Z-1 from Sunday: W0 = Sun 31 Aug, W1 = Mon 1 Sep -> overdue 2025-09-02T00:00.
  rig.register_case("Z-1");
  rig->advance_to(at("2025-09-01T09:00:00+08:00"));  // its warning (2025-09-01T00:00)
  rig.set("2025-09-01T09:00:00+08:00");
  rig.register_case("M-1", registration("normal", "tight"));  // warning = overdue = 2025-09-03T00:00
  rig.register_case("A-1");                                   // warning 2025-09-02T00:00
  rig.heard.clear();
  rig->advance_to(at(kOverdue));
  CHECK(heard(rig) == std::vector<std::string>{
                          // 2025-09-02T00:00: A-1's warning before Z-1's overdue (case id first)
                          "A-1:deadline_warning", "Z-1:deadline_overdue",
                          // 2025-09-03T00:00: A-1, then M-1's warning and overdue
                          "A-1:deadline_overdue", "M-1:deadline_warning", "M-1:deadline_overdue"});
  CHECK(rig.heard[3].event.at == rig.heard[4].event.at);
  CHECK(rig.get("M-1").supervision == Supervision::overdue);
}

TEST_CASE("an action at exactly a due instant comes after what fires at that instant") {
  SUBCASE("its own case's overdue fires first; the dispatch then starts a fresh clock") {
    Rig rig;
    rig.register_case("C-1");
    rig.set(kOverdue);
    Case c = rig.act("C-1", Action::dispatch);
    CHECK(heard(rig) == std::vector<std::string>{"C-1:register", "C-1:deadline_warning", "C-1:deadline_overdue",
                                                 "C-1:dispatch"});
    const auto history = rig->history("C-1");
    CHECK(history[2].at == at(kOverdue));
    CHECK(history[3].at == at(kOverdue));
    CHECK(c.supervision == Supervision::on_track);
    CHECK(c.record.overdues == 1);
  }
  SUBCASE("a supervise at the warning instant sees the warning already fired") {
    Rig rig;
    rig.register_case("C-1");
    rig.set(kWarning);
    rig.act("C-1", Action::supervise);
    CHECK(heard(rig) == std::vector<std::string>{"C-1:register", "C-1:deadline_warning", "C-1:supervise"});
  }
  SUBCASE("other cases' events due at that instant fire first too") {
    Rig rig;
    rig.register_case("C-2");
    rig.set("2025-09-01T10:00:00+08:00");
    rig.register_case("C-1");
    rig.set(kWarning);
    rig.act("C-2", Action::dispatch);
    CHECK(heard(rig) == std::vector<std::string>{"C-2:register", "C-1:register", "C-1:deadline_warning",
                                                 "C-2:deadline_warning", "C-2:dispatch"});
  }
  SUBCASE("a refused action still lets what was due fire, and changes nothing itself") {
    Rig rig;
    rig.register_case("C-1");
    rig.set(kWarning);
    auto r = rig.try_act("C-1", Action::accept);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::invalid_transition);
    CHECK(heard(rig) == std::vector<std::string>{"C-1:register", "C-1:deadline_warning"});
    CHECK(rig.get("C-1").supervision == Supervision::warning);
  }
  SUBCASE("one second before the instant, the action comes first") {
    Rig rig;
    rig.register_case("C-1");
    rig.set("2025-09-02T23:59:59+08:00");
    rig.act("C-1", Action::dispatch);
    CHECK(heard(rig) == std::vector<std::string>{"C-1:register", "C-1:deadline_warning", "C-1:dispatch"});
    CHECK(rig.get("C-1").record.overdues == 0);
  }
}

TEST_CASE("nothing fires twice across advance_to calls: the same t, an earlier t, a later t") {
  Rig rig;
  rig.register_case("C-1");
  CHECK(rig->advance_to(at(kOverdue)).fired == 2);
  CHECK(rig->advance_to(at(kOverdue)).fired == 0);
  CHECK(rig->advance_to(at("2025-09-01T12:00:00+08:00")).fired == 0);
  CHECK(rig->advance_to(at("2025-09-02T12:00:00+08:00")).fired == 0);
  CHECK(rig->history("C-1").size() == 3);
  CHECK(rig->advance_to(at(kLevel1)).fired == 1);
  CHECK(rig->advance_to(at(kLevel1)).fired == 0);
  CHECK(rig->advance_to(at("2025-12-01T00:00:00+08:00")).fired == 2);
  CHECK(rig->advance_to(at("2026-12-01T00:00:00+08:00")).fired == 0);
  CHECK(rig->history("C-1").size() == 6);
  // The engine's clock stepping back and an action then fire nothing again either.
  rig.set("2025-09-01T12:00:00+08:00");
  CHECK(rig->poll().fired == 0);
  CHECK(rig.act("C-1", Action::dispatch).version == 7);
  CHECK(rig.engine_events("C-1").size() == 5);
}

TEST_CASE("an engine opened on a store fires what fell due while no engine was running") {
  Rig rig;
  rig.register_case("C-1");
  rig.engine.reset();  // the process stops on Monday
  EngineOptions o;
  o.storage = rig.storage;
  o.calendar = national_day_2025();
  o.clock = std::make_shared<ManualClock>(at("2025-09-08T09:00:00+08:00"));  // and restarts a week later
  Engine restarted(std::move(o));
  REQUIRE(restarted.next_due() == at(kWarning));
  CHECK(restarted.poll().fired == 3);  // warning, overdue, escalation 1 (2025-09-06)
  const auto history = restarted.history("C-1");
  REQUIRE(history.size() == 4);
  CHECK(history[1].at == at(kWarning));
  CHECK(history[2].at == at(kOverdue));
  CHECK(history[3].at == at(kLevel1));
  CHECK(restarted.poll().fired == 0);
}

TEST_CASE("poll fires what is due at the engine clock's now") {
  Rig rig;
  rig.register_case("C-1");
  CHECK(rig->poll().fired == 0);
  rig.set("2025-09-02T08:00:00+08:00");
  CHECK(rig->poll().fired == 1);
  CHECK(rig.get("C-1").supervision == Supervision::warning);
  CHECK(rig->poll().fired == 0);
}

TEST_CASE("next_due and upcoming show what is still to come") {
  Rig rig;
  CHECK_FALSE(rig->next_due().has_value());  // no case
  Case c = rig.register_case("C-1");
  REQUIRE(c.next_due().has_value());
  CHECK(c.next_due()->type == EventType::deadline_warning);
  CHECK(c.next_due()->at == at(kWarning));
  const auto up = c.upcoming();
  REQUIRE(up.size() == 5);
  const char* ats[] = {kWarning, kOverdue, kLevel1, kLevel2, kLevel3};
  for (std::size_t i = 0; i < 5; ++i) CHECK(up[i].at == at(ats[i]));
  CHECK(rig->next_due() == at(kWarning));

  // An urgent case registered later is due earlier: 4 hours, warning at 12:00.
  rig.set("2025-09-01T10:00:00+08:00");
  rig.register_case("C-2", registration("urgent"));
  CHECK(rig->next_due() == at("2025-09-01T13:00:00+08:00"));

  rig->advance_to(at("2025-09-01T13:00:00+08:00"));
  CHECK(rig->next_due() == at("2025-09-01T14:00:00+08:00"));  // C-2's deadline
  c = rig.get("C-2");
  REQUIRE(c.next_due().has_value());
  CHECK(c.next_due()->type == EventType::deadline_overdue);
  CHECK(c.upcoming().size() == 4);

  // C-2 withdrawn: the next instant is C-1's warning again.
  rig.set("2025-09-01T13:30:00+08:00");
  rig.act("C-2", Action::withdraw);
  CHECK(rig->next_due() == at(kWarning));

  // After the warning, C-1's next is its deadline; after the last step, nothing.
  rig->advance_to(at(kWarning));
  CHECK(rig.get("C-1").next_due()->at == at(kOverdue));
  CHECK(rig.get("C-1").upcoming().size() == 4);
  rig->advance_to(at(kLevel3));
  CHECK_FALSE(rig.get("C-1").next_due().has_value());
  CHECK(rig.get("C-1").upcoming().empty());
  CHECK_FALSE(rig->next_due().has_value());
}

TEST_CASE("the cases due before an instant can be found") {
  Rig rig;
  rig.register_case("C-1");
  rig.set("2025-09-01T10:00:00+08:00");
  rig.register_case("C-2", registration("urgent"));  // warning 13:00
  CaseQuery q;
  q.due_before = at("2025-09-01T18:00:00+08:00");
  const auto due = rig->find(q);
  REQUIRE(due.size() == 1);
  CHECK(due[0].id == "C-2");
  q.due_before = at(kWarning);
  CHECK(rig->count(q) == 2);
}

TEST_CASE("an action fires everything due before it, across all cases") {
  Rig rig;
  rig.register_case("C-1");
  rig.register_case("C-2");
  rig.set("2025-09-04T09:00:00+08:00");
  rig.act("C-2", Action::dispatch);
  // Both cases' warnings and overdues fired before C-2's dispatch.
  CHECK(rig.engine_events("C-1").size() == 2);
  CHECK(heard(rig) == std::vector<std::string>{"C-1:register", "C-2:register", "C-1:deadline_warning",
                                               "C-2:deadline_warning", "C-1:deadline_overdue",
                                               "C-2:deadline_overdue", "C-2:dispatch"});
}

}  // TEST_SUITE
