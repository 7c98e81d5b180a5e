// The deadline rules document (rules.hpp; LIFECYCLE.md "every number is configurable per
// category and urgency"): overrides per stage and urgency, "all" urgencies, per category,
// max_level and reopen_window, and how each shows in the cases' clocks; malformed or
// contradictory documents are invalid_config with a message naming the key.
//
// Instants are counted by hand from Monday 1 September 2025 (W1 Tue 2, W2 Wed 3, W3 Thu 4,
// W4 Fri 5, W5 Mon 8, W6 Tue 9, W7 Wed 10, W8 Thu 11, W9 Fri 12, W10 Mon 15 ...).
#include <doctest/doctest.h>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

DeadlineRules rules_of(const char* text) {
  auto r = DeadlineRules::from_json(json::parse(text));
  if (!r) FAIL(r.error().describe());
  return r.value();
}

Error rules_error(const char* text) {
  auto r = DeadlineRules::from_json(json::parse(text));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::invalid_config);
  return r.error();
}

bool names(const Error& e, const std::string& key) { return e.message.find(key) != std::string::npos; }

}  // namespace

TEST_SUITE("rules config") {

TEST_CASE("absent or empty rules are the spec's defaults") {
  for (const json& doc : {json(), json::object()}) {
    auto r = DeadlineRules::from_json(doc);
    REQUIRE(r.ok());
    CHECK(r->rule(Stage::handling, Urgency::normal, "x").limit == Span::working_days(15));
    CHECK(r->rule(Stage::dispatch, Urgency::emergency, "x").limit == Span::minutes(30));
  }
}

TEST_CASE("an override for one stage and urgency changes that cell only") {
  const DeadlineRules rules = rules_of(R"({"stages":{"handling":{"urgent":{"limit":{"working_days":3}}}}})");
  CHECK(rules.rule(Stage::handling, Urgency::urgent, "any").limit == Span::working_days(3));
  CHECK(rules.rule(Stage::handling, Urgency::urgent, "any").warn_before == Span::working_days(1));  // N < 5
  CHECK(rules.rule(Stage::handling, Urgency::normal, "any").limit == Span::working_days(15));
  CHECK(rules.rule(Stage::consulting, Urgency::urgent, "any").limit == Span::working_days(3));

  Rig rig("2025-09-01T09:00:00+08:00", rules);
  Case c = drive_to(rig, "C-1", State::handling, registration("urgent"));
  CHECK(c.deadline() == at("2025-09-05T00:00:00+08:00"));        // W3
  CHECK(c.clock->warning_at() == at("2025-09-04T00:00:00+08:00"));  // W2
  CHECK(c.upcoming()[2].at == at("2025-09-06T00:00:00+08:00"));     // urgent: every working day, W4
  c = drive_to(rig, "C-2", State::handling);
  CHECK(c.deadline() == at("2025-09-23T00:00:00+08:00"));
}

TEST_CASE("\"all\" applies to every urgency; a specific urgency beside it wins whatever the order") {
  const DeadlineRules rules =
      rules_of(R"({"stages":{"dispatch":{"emergency":{"limit":{"minutes":20}},"all":{"limit":{"hours":2}}}}})");
  CHECK(rules.rule(Stage::dispatch, Urgency::normal, "x").limit == Span::hours(2));
  CHECK(rules.rule(Stage::dispatch, Urgency::urgent, "x").limit == Span::hours(2));
  CHECK(rules.rule(Stage::dispatch, Urgency::emergency, "x").limit == Span::minutes(20));
  // The derived warning follows the new limit: a quarter of it.
  CHECK(rules.rule(Stage::dispatch, Urgency::normal, "x").warn_before == Span::minutes(30));
  CHECK(rules.rule(Stage::dispatch, Urgency::emergency, "x").warn_before == Span::minutes(5));
  CHECK(rules.rule(Stage::accept, Urgency::normal, "x").limit == Span::working_days(1));

  Rig rig("2025-09-01T09:00:00+08:00", rules);
  Case c = rig.register_case("C-1");
  // Normal: 2 hours, escalation still every 3 working days counted from D = Mon 1 Sep.
  CHECK(c.deadline() == at("2025-09-01T11:00:00+08:00"));
  CHECK(c.clock->warning_at() == at("2025-09-01T10:30:00+08:00"));
  const auto up = c.upcoming();
  REQUIRE(up.size() == 5);
  CHECK(up[2].at == at("2025-09-05T00:00:00+08:00"));  // W3 after D
  CHECK(up[3].at == at("2025-09-10T00:00:00+08:00"));  // W6
  CHECK(up[4].at == at("2025-09-13T00:00:00+08:00"));  // W9
  c = rig.register_case("C-2", registration("emergency"));
  CHECK(c.deadline() == at("2025-09-01T09:20:00+08:00"));
  CHECK(c.clock->warning_at() == at("2025-09-01T09:15:00+08:00"));
  CHECK(c.upcoming()[2].at == at("2025-09-01T11:20:00+08:00"));  // + 2 hours
}

TEST_CASE("warn_before and escalate_every overrides") {
  const DeadlineRules rules = rules_of(R"({"stages":{
      "handling":{"normal":{"warn_before":{"working_days":3},"escalate_every":{"working_days":1}}},
      "consulting":{"normal":{"limit":{"working_days":2},"warn_before":{"working_days":2}}},
      "feedback":{"normal":{"escalate_every":{"hours":6}}}}})");
  Rig rig("2025-09-01T09:00:00+08:00", rules);
  Case c = drive_to(rig, "C-1", State::handling);
  CHECK(c.clock->warning_at() == at("2025-09-18T00:00:00+08:00"));  // W12 = Wed 17
  CHECK(c.upcoming()[2].at == at("2025-09-24T00:00:00+08:00"));    // W16 = Tue 23
  CHECK(c.upcoming()[4].at == at("2025-09-26T00:00:00+08:00"));    // W18 = Thu 25
  c = rig.act("C-1", Action::start_consultation);
  // N = k = 2: the warning is 24:00 of the starting day.
  CHECK(c.clock->warning_at() == at("2025-09-02T00:00:00+08:00"));
  CHECK(c.deadline() == at("2025-09-04T00:00:00+08:00"));
  c = rig.act("C-1", Action::resolve);
  // Feedback: 3 working days, then every 6 hours.
  CHECK(c.deadline() == at("2025-09-05T00:00:00+08:00"));
  CHECK(c.upcoming()[2].at == at("2025-09-05T06:00:00+08:00"));
  CHECK(c.upcoming()[4].at == at("2025-09-05T18:00:00+08:00"));
}

TEST_CASE("k is 2 from a configured N of 5 working days, 1 below") {
  const DeadlineRules rules = rules_of(R"({"categories":{
      "four":{"stages":{"handling":{"normal":{"limit":{"working_days":4}}}}},
      "five":{"stages":{"handling":{"normal":{"limit":{"working_days":5}}}}}}})");
  Rig rig("2025-09-01T09:00:00+08:00", rules);
  Case four = drive_to(rig, "C-4", State::handling, registration("normal", "four"));
  Case five = drive_to(rig, "C-5", State::handling, registration("normal", "five"));
  CHECK(four.deadline() == at("2025-09-06T00:00:00+08:00"));           // W4
  CHECK(four.clock->warning_at() == at("2025-09-05T00:00:00+08:00"));  // W3
  CHECK(five.deadline() == at("2025-09-09T00:00:00+08:00"));           // W5
  CHECK(five.clock->warning_at() == at("2025-09-05T00:00:00+08:00"));  // W3
  // An extension does not change the configured N: a 4-day clock grown to 5 keeps k = 1.
  Case grown = rig.act("C-4", Action::extend, supervisor, {{"days", 1}, {"reason", "x"}});
  CHECK(grown.deadline() == at("2025-09-09T00:00:00+08:00"));           // W5
  CHECK(grown.clock->warning_at() == at("2025-09-06T00:00:00+08:00"));  // W4
}

TEST_CASE("categories override the document's rules for their cases only, inheriting the rest") {
  const DeadlineRules rules = rules_of(R"({
      "stages":{"dispatch":{"normal":{"limit":{"working_days":2}}}},
      "categories":{"labour_wage":{"stages":{"handling":{"normal":{"limit":{"working_days":10}}}}}}})");
  CHECK(rules.rule(Stage::handling, Urgency::normal, "labour_wage").limit == Span::working_days(10));
  CHECK(rules.rule(Stage::handling, Urgency::normal, "neighbour").limit == Span::working_days(15));
  CHECK(rules.rule(Stage::dispatch, Urgency::normal, "labour_wage").limit == Span::working_days(2));
  CHECK(rules.rule(Stage::dispatch, Urgency::normal, "neighbour").limit == Span::working_days(2));

  Rig rig("2025-09-01T09:00:00+08:00", rules);
  Case wage = rig.register_case("C-W", registration("normal", "labour_wage"));
  CHECK(wage.deadline() == at("2025-09-04T00:00:00+08:00"));  // W2
  wage = rig.act("C-W", Action::dispatch);
  wage = rig.act("C-W", Action::accept);
  CHECK(wage.deadline() == at("2025-09-16T00:00:00+08:00"));  // W10
  Case fence = drive_to(rig, "C-F", State::handling);
  CHECK(fence.deadline() == at("2025-09-23T00:00:00+08:00"));  // W15
}

TEST_CASE("max_level: the ladder and supervise stop at the configured level") {
  SUBCASE("5 levels for every clock") {
    const DeadlineRules rules = rules_of(R"({"max_level":5})");
    CHECK(rules.rule(Stage::follow_up, Urgency::emergency, "x").max_level == 5);
    Rig rig("2025-09-01T09:00:00+08:00", rules);
    rig.register_case("C-1");
    rig->advance_to(at("2026-01-01T00:00:00+08:00"));
    const auto events = rig.engine_events("C-1");
    REQUIRE(events.size() == 7);
    CHECK(events[5].level == 4);
    CHECK(events[5].at == at("2025-09-19T00:00:00+08:00"));  // W13 = Thu 18
    CHECK(events[6].level == 5);
    CHECK(events[6].at == at("2025-09-24T00:00:00+08:00"));  // W16 = Tue 23
  }
  SUBCASE("1 level for normal dispatch: one escalation, and supervise refused above it") {
    Rig rig("2025-09-01T09:00:00+08:00", rules_of(R"({"stages":{"dispatch":{"normal":{"max_level":1}}}})"));
    rig.register_case("C-1");
    rig.act("C-1", Action::supervise);
    Error e = expect_refused(rig, "C-1", canonical(Action::supervise), ErrorCode::invalid_transition);
    CHECK(names(e, "max_level"));
    rig->advance_to(at("2026-01-01T00:00:00+08:00"));
    CHECK(rig.engine_events("C-1").size() == 2);  // warning, overdue; level 1 already reached
    // The next clock has the default ladder again.
    rig.act("C-1", Action::dispatch);
    CHECK(rig.act("C-1", Action::supervise).level == 1);
    CHECK(rig.act("C-1", Action::supervise).level == 2);
  }
  SUBCASE("0 levels: no escalation at all, no supervision order") {
    Rig rig("2025-09-01T09:00:00+08:00", rules_of(R"({"max_level":0})"));
    rig.register_case("C-1");
    CHECK(rig.get("C-1").upcoming().size() == 2);
    expect_refused(rig, "C-1", canonical(Action::supervise), ErrorCode::invalid_transition);
    rig->advance_to(at("2026-01-01T00:00:00+08:00"));
    CHECK(rig.get("C-1").supervision == Supervision::overdue);
  }
}

TEST_CASE("reopen_window: how long after closing a reopen is allowed, per document and per category") {
  const DeadlineRules rules =
      rules_of(R"({"reopen_window":{"hours":48},"categories":{"quick":{"reopen_window":{"minutes":90}}}})");
  CHECK(rules.reopen_window("neighbour") == Seconds(48 * 3600));
  CHECK(rules.reopen_window("quick") == Seconds(90 * 60));

  Rig rig("2025-09-01T09:00:00+08:00", rules);
  drive_to(rig, "C-1", State::closed);
  drive_to(rig, "C-2", State::closed);
  drive_to(rig, "C-Q", State::closed, registration("normal", "quick"));
  rig.set("2025-09-01T10:30:00+08:00");
  CHECK(rig.act("C-Q", Action::reopen).state == State::handling);
  rig.set("2025-09-03T09:00:00+08:00");
  CHECK(rig.act("C-1", Action::reopen).state == State::handling);
  rig.set("2025-09-03T09:00:01+08:00");
  expect_refused(rig, "C-2", canonical(Action::reopen), ErrorCode::invalid_transition);
}

TEST_CASE("to_json gives back the overrides; from_json of it is the same rules") {
  const json doc = json::parse(R"({"max_level":4,"reopen_window":{"hours":72},
      "stages":{"handling":{"all":{"limit":{"working_days":12}}}},
      "categories":{"forestry":{"stages":{"dispatch":{"urgent":{"limit":{"hours":2}}}}}}})");
  const DeadlineRules rules = DeadlineRules::from_json(doc).value();
  CHECK(rules.to_json() == doc);
  const DeadlineRules again = DeadlineRules::from_json(rules.to_json()).value();
  for (Stage s : {Stage::dispatch, Stage::accept, Stage::handling, Stage::consulting, Stage::feedback, Stage::follow_up})
    for (Urgency u : {Urgency::normal, Urgency::urgent, Urgency::emergency})
      for (const char* cat : {"forestry", "neighbour"}) {
        CAPTURE(s);
        CAPTURE(u);
        CAPTURE(cat);
        CHECK(json(again.rule(s, u, cat)) == json(rules.rule(s, u, cat)));
      }
  CHECK(again.reopen_window("forestry") == Seconds(72 * 3600));
  CHECK(rules.rule(Stage::dispatch, Urgency::urgent, "forestry").limit == Span::hours(2));
  CHECK(rules.rule(Stage::handling, Urgency::emergency, "forestry").limit == Span::working_days(12));
  CHECK(rules.rule(Stage::handling, Urgency::emergency, "forestry").max_level == 4);
}

TEST_CASE("malformed or contradictory rules are invalid_config, naming the key") {
  struct Bad {
    const char* what;
    const char* doc;
    std::vector<std::string> named;  // each must appear in the message
  };
  const Bad bad[] = {
      {"negative limit", R"({"stages":{"handling":{"normal":{"limit":{"working_days":-1}}}}})",
       {"stages.handling.normal.limit"}},
      {"zero limit", R"({"stages":{"handling":{"normal":{"limit":{"working_days":0}}}}})",
       {"stages.handling.normal.limit"}},
      {"zero elapsed limit via all", R"({"stages":{"dispatch":{"all":{"limit":{"minutes":0}}}}})",
       {"stages.dispatch", "limit"}},
      {"unknown stage", R"({"stages":{"hearing":{"normal":{"limit":{"working_days":3}}}}})", {"hearing"}},
      {"unknown urgency", R"({"stages":{"handling":{"critical":{"limit":{"working_days":3}}}}})", {"critical"}},
      {"unknown top-level key", R"({"deadlines":{}})", {"deadlines"}},
      {"unknown key in a rule", R"({"stages":{"handling":{"normal":{"deadline":{"working_days":3}}}}})",
       {"stages.handling.normal.deadline"}},
      {"unknown key in a category", R"({"categories":{"forestry":{"limits":{}}}})", {"categories.forestry.limits"}},
      {"categories inside a category", R"({"categories":{"a":{"categories":{}}}})", {"categories.a.categories"}},
      {"warn_before more working days than the limit",
       R"({"stages":{"feedback":{"normal":{"warn_before":{"working_days":4}}}}})",
       {"stages.feedback.normal.warn_before"}},
      {"warn_before equal to an elapsed limit", R"({"stages":{"dispatch":{"urgent":{"warn_before":{"hours":4}}}}})",
       {"stages.dispatch.urgent.warn_before"}},
      {"warn_before longer than an elapsed limit",
       R"({"stages":{"accept":{"emergency":{"warn_before":{"hours":1}}}}})", {"stages.accept.emergency.warn_before"}},
      {"warn_before in working days for an elapsed limit",
       R"({"stages":{"dispatch":{"urgent":{"warn_before":{"working_days":1}}}}})",
       {"stages.dispatch.urgent.warn_before"}},
      {"a limit change leaving an explicit warn_before in working days",
       R"({"stages":{"handling":{"normal":{"warn_before":{"working_days":2}}}},
           "categories":{"fast":{"stages":{"handling":{"normal":{"limit":{"hours":8}}}}}}})",
       {"categories.fast", "warn_before"}},
      {"max_extension in hours for a day limit", R"({"stages":{"handling":{"normal":{"max_extension":{"hours":10}}}}})",
       {"stages.handling.normal.max_extension"}},
      {"max_extension in days for an elapsed limit",
       R"({"stages":{"dispatch":{"urgent":{"max_extension":{"working_days":1}}}}})",
       {"stages.dispatch.urgent.max_extension"}},
      {"max_level below 0", R"({"max_level":-1})", {"max_level"}},
      {"max_level above the cap", R"({"max_level":21})", {"max_level"}},
      {"max_level not a number", R"({"max_level":"3"})", {"max_level"}},
      {"max_level out of range in a stage", R"({"stages":{"handling":{"urgent":{"max_level":99}}}})",
       {"stages.handling.urgent.max_level"}},
      {"zero escalate_every", R"({"stages":{"handling":{"normal":{"escalate_every":{"hours":0}}}}})",
       {"stages.handling.normal.escalate_every"}},
      {"unknown unit", R"({"stages":{"handling":{"normal":{"limit":{"days":3}}}}})", {"limit"}},
      {"a bare number for a span", R"({"stages":{"handling":{"normal":{"limit":3}}}})", {"limit"}},
      {"a fractional span", R"({"stages":{"dispatch":{"urgent":{"limit":{"hours":1.5}}}}})", {"limit"}},
      {"two units in one span", R"({"stages":{"dispatch":{"urgent":{"limit":{"hours":1,"minutes":30}}}}})",
       {"limit"}},
      {"reopen_window in working days", R"({"reopen_window":{"working_days":30}})", {"reopen_window"}},
      {"stages not an object", R"({"stages":[]})", {"stages"}},
      {"the document not an object", R"([1,2])", {"rules"}},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.what);
    Error e = rules_error(b.doc);
    CAPTURE(e.message);
    for (const std::string& key : b.named) CHECK(names(e, key));
  }
}

// Issue 12: parse_span once bound a structured binding to `*j.items().begin()`, a reference
// into a temporary gone by the next statement. Every override and every stored clock read
// through it: AddressSanitizer's stack-use-after-scope, or a wrong unit or amount without
// it. Each path is read here, and the test runs in the ASan tree of ./dev test.
TEST_CASE("every unit of a span is read from its own document: overrides, stored clocks (issue 12)") {
  const DeadlineRules rules = rules_of(R"({"reopen_window":{"hours":200},
      "stages":{"handling":{"urgent":{"limit":{"working_days":4},"warn_before":{"hours":30},
                                      "escalate_every":{"minutes":90},"max_extension":{"working_days":10}}}}})");
  const StageRule& r = rules.rule(Stage::handling, Urgency::urgent, "neighbour");
  CHECK(r.limit == Span::working_days(4));
  CHECK(r.warn_before == Span::hours(30));
  CHECK(r.escalate_every == Span::minutes(90));
  CHECK(r.max_extension == Span::working_days(10));
  CHECK(rules.reopen_window("neighbour") == std::chrono::hours(200));

  // A clock in a snapshot reads its rule's spans the same way (model/json.cpp), as every
  // load from SQLite does.
  Bench b("2025-09-01T09:00:00+08:00", rules);
  b->register_case("C-1", intake, registration("urgent"));
  b->act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  const Case handling = b->act("C-1", Action::accept, lead_handler);
  REQUIRE(handling.clock);
  const json stored = *handling.clock;
  const StageClock back = stored.get<StageClock>();
  CHECK(back.rule.limit == Span::working_days(4));
  CHECK(back.rule.escalate_every == Span::minutes(90));
  CHECK(json(back) == stored);
  const json snapshot = handling;
  CHECK(json(snapshot.get<Case>()) == snapshot);
}

}  // TEST_SUITE
