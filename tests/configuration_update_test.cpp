// The configuration as part of the record (LIFECYCLE.md "Calendar updates"): what a store
// keeps, what an engine opened on it uses, and how a calendar or rules update reaches the
// clocks.
#include <doctest/doctest.h>

#include <fengqiao/engine.hpp>
#include <fengqiao/memory_storage.hpp>

#include "fixtures.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

namespace {

// The 2026 New Year schedule as the State Council published it in December 2025: 01-01 to
// 01-03 off, Sunday 01-04 worked.
BusinessCalendar with_new_year_2026() {
  BusinessCalendar cal = national_day_2025();
  for (const char* d : {"2026-01-01", "2026-01-02", "2026-01-03"}) REQUIRE(cal.add_holiday(parse_date(d).value()));
  REQUIRE(cal.add_workday(parse_date("2026-01-04").value()));
  return cal;
}

std::string fmt(std::optional<Instant> t) { return t ? format_instant(*t) : "none"; }

// A case in handling, accepted at `when`.
void in_handling(Bench& b, const std::string& id, const std::string& when, const std::string& urgency = "normal") {
  b.set(when);
  b->register_case(id, intake, registration(urgency));
  b->act(id, Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  b->act(id, Action::accept, lead_handler);
}

}  // namespace

TEST_CASE("a new store keeps the configuration the engine was given; an engine opened on it later uses it") {
  auto storage = std::make_shared<MemoryStorage>();
  auto clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  {
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    o.calendar = national_day_2025();
    Engine engine(std::move(o));
    CHECK(engine.configuration().seq == 1);
  }
  const auto kept = storage->configuration().value();
  REQUIRE(kept);
  CHECK(kept->seq == 1);
  CHECK(kept->at == at("2025-09-01T09:00:00+08:00"));
  CHECK(describe_difference(kept->calendar, national_day_2025()).empty());

  SUBCASE("given nothing: the store's") {
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    Engine engine(std::move(o));
    CHECK_FALSE(engine.calendar().is_working_day(parse_date("2025-10-08").value()));
    CHECK(engine.configuration().seq == 1);
  }
  SUBCASE("given another calendar: refused, naming the day that differs") {
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    o.calendar = BusinessCalendar();
    try {
      Engine engine(std::move(o));
      FAIL("an engine opened with another calendar than the store's");
    } catch (const Exception& e) {
      CHECK(e.error().code == ErrorCode::invalid_config);
      CHECK(std::string(e.what()).find("2025-09-28 (a working day against a weekend day)") != std::string::npos);
    }
    CHECK(storage->configuration().value()->seq == 1);
  }
  SUBCASE("given other rules: refused, naming the key") {
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    o.rules = DeadlineRules::from_json({{"reopen_window", {{"hours", 24}}}}).value();
    CHECK_THROWS_WITH_AS(Engine(std::move(o)), doctest::Contains("rules.reopen_window"), Exception);
  }
  SUBCASE("given another calendar and asked to adopt the store's: the store's") {
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    o.calendar = BusinessCalendar();
    o.adopt_stored_configuration = true;
    Engine engine(std::move(o));
    CHECK(describe_difference(engine.calendar(), national_day_2025()).empty());
  }
}

TEST_CASE("a calendar update may not change today, the past, the weekend or the offset; a refusal changes nothing") {
  Bench b("2025-12-22T09:00:00+08:00");
  in_handling(b, "C-1", "2025-12-22T09:00:00+08:00");
  const Case before = b->get("C-1");
  b.set("2025-12-24T09:00:00+08:00");

  BusinessCalendar today_off = with_new_year_2026();
  REQUIRE(today_off.add_holiday(parse_date("2025-12-24").value()));
  auto r = b->try_update_configuration(today_off, std::nullopt);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::invalid_config);
  CHECK(r.error().message.find("2025-12-24") != std::string::npos);

  BusinessCalendar past = with_new_year_2026();
  REQUIRE(past.add_workday(parse_date("2025-12-21").value()));
  r = b->try_update_configuration(past, std::nullopt);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("2025-12-21 is on or before the update's day (2025-12-24)") != std::string::npos);

  BusinessCalendar six_day_week = with_new_year_2026();
  REQUIRE(six_day_week.set_weekend({Weekday::sun}));
  CHECK(b->try_update_configuration(six_day_week, std::nullopt).error().message.find("weekend") != std::string::npos);

  BusinessCalendar elsewhere = with_new_year_2026();
  elsewhere.set_utc_offset(UtcOffset::from_seconds(0));
  CHECK(b->try_update_configuration(elsewhere, std::nullopt).error().message.find("UTC offset") != std::string::npos);
  CHECK(b->try_update_configuration(std::nullopt, std::nullopt).error().code == ErrorCode::invalid_config);

  CHECK(b->configuration().seq == 1);
  CHECK(b->configuration_history().size() == 1);
  CHECK(b->get("C-1").deadline() == before.deadline());

  // A listed day that changes nothing (a holiday on a Sunday in the past) is no change.
  BusinessCalendar harmless = with_new_year_2026();
  REQUIRE(harmless.add_holiday(parse_date("2025-12-21").value()));
  CHECK(b->try_update_configuration(harmless, std::nullopt));
}

TEST_CASE("next year's calendar moves the pending instants of running, stopped and held clocks, not fired ones") {
  Bench b("2025-12-01T09:00:00+08:00");
  // C-1 running, already warned (its warning fired before the update); C-2 running; C-3
  // suspended; C-4 in consultation (handling clock held, consulting clock running); C-5
  // withdrawn (no clock: untouched).
  in_handling(b, "C-1", "2025-12-01T09:00:00+08:00", "urgent");
  in_handling(b, "C-2", "2025-12-22T09:00:00+08:00");
  in_handling(b, "C-3", "2025-12-22T09:30:00+08:00");
  b->act("C-3", Action::suspend, lead_handler, {{"reason", "party in hospital"}});
  in_handling(b, "C-4", "2025-12-22T10:00:00+08:00");
  b->act("C-4", Action::start_consultation, lead_handler, {{"orgs", {"police_xilinji"}}});
  b.set("2025-12-22T11:00:00+08:00");
  b->register_case("C-5", intake, registration());
  b->act("C-5", Action::withdraw, intake, {{"reason", "settled between themselves"}});

  b.set("2025-12-24T09:00:00+08:00");
  b->poll();
  const Case c1 = b->get("C-1");
  REQUIRE(c1.supervision != Supervision::on_track);  // its instants so far have fired
  const Case c2 = b->get("C-2"), c3 = b->get("C-3"), c4 = b->get("C-4"), c5 = b->get("C-5");
  CHECK(fmt(c2.deadline()) == "2026-01-13T00:00:00+08:00");  // 15 working days from 12-22, old calendar

  std::vector<ConfigRecord> heard;
  b->subscribe_configuration([&](const ConfigRecord& r) { heard.push_back(r); });
  const ConfigurationChange change = b->update_calendar(with_new_year_2026());
  CHECK(change.record.seq == 2);
  CHECK(change.record.at == at("2025-12-24T09:00:00+08:00"));
  CHECK(change.record.calendar_changed);
  CHECK_FALSE(change.record.rules_changed);
  REQUIRE(heard.size() == 1);
  CHECK(heard[0].seq == 2);

  // Two working days off (01-01, 01-02; 01-03 is a Saturday anyway), one worked (01-04).
  CHECK(fmt(b->get("C-2").deadline()) == "2026-01-14T00:00:00+08:00");
  CHECK(fmt(b->get("C-3").deadline()) == "2026-01-14T00:00:00+08:00");  // stopped, recomputed too
  const Case c4_after = b->get("C-4");
  REQUIRE(c4_after.held_clock);
  CHECK(c4_after.held_clock->deadline() > c4.held_clock->deadline());  // the held handling clock moved
  CHECK(c4_after.clock->deadline() > c4.clock->deadline());            // and the consulting clock
  // C-1's fired steps keep their instants and stay fired; its region is unchanged.
  const Case c1_after = b->get("C-1");
  CHECK(c1_after.supervision == c1.supervision);
  CHECK(c1_after.clock->next_step == c1.clock->next_step);
  for (std::size_t i = 0; i < c1.clock->next_step; ++i) CHECK(c1_after.clock->schedule[i] == c1.clock->schedule[i]);
  // Nothing is appended to a case's history, and a closed case is untouched.
  CHECK(b->get("C-2").version == c2.version);
  CHECK(b->history("C-2").size() == c2.version);
  CHECK(nlohmann::json(b->get("C-5")) == nlohmann::json(c5));
  CHECK(change.clocks_recomputed >= 3);
  // The due index follows the recomputed snapshots.
  std::optional<Instant> first_due;
  for (const Case& c : b->find(CaseQuery{}))
    if (auto next = c.next_due(); next && (!first_due || next->at < *first_due)) first_due = next->at;
  CHECK(b->next_due() == first_due);

  // The store keeps both, in order.
  const auto kept = b->configuration_history();
  REQUIRE(kept.size() == 2);
  CHECK(kept[1].calendar.is_working_day(parse_date("2026-01-04").value()));
  CHECK_FALSE(kept[0].calendar.is_working_day(parse_date("2026-01-04").value()));

  // Resuming the suspended case at 2026-01-05 09:00 counts the stopped days (those whose
  // 00:00 falls between the stop and the resumption) with the new calendar: 12-23..12-26
  // (4), 12-29..12-31 (3), 01-04 (worked, 1), 01-05 (1); 01-01..01-03 are off.
  b.set("2026-01-05T09:00:00+08:00");
  b->act("C-3", Action::resume, lead_handler);
  CHECK(b->get("C-3").clock->limit.amount == 15 + 9);
}

TEST_CASE("a rules update governs clocks started and cases registered afterwards; a closed case keeps its reopen window") {
  Bench b("2025-09-01T09:00:00+08:00");
  in_handling(b, "C-old", "2025-09-01T09:00:00+08:00");
  b->act("C-old", Action::resolve, lead_handler, {{"method", "mediation"}, {"agreement", "paid"}});
  b->act("C-old", Action::give_feedback, lead_handler, {{"medium", "phone"}, {"content", "told"}});
  b->act("C-old", Action::follow_up, dispatcher, {{"satisfaction", "satisfied"}});
  in_handling(b, "C-run", "2025-09-01T10:00:00+08:00");
  const Case running = b->get("C-run");

  b.set("2025-09-02T09:00:00+08:00");
  const auto change = b->update_rules(DeadlineRules::from_json(nlohmann::json::parse(R"({
      "stages":{"handling":{"normal":{"limit":{"working_days":3}}}},
      "reopen_window":{"hours":1},
      "notices":{"*":["bring your contract"]}})"))
                                          .value());
  CHECK(change.clocks_recomputed == 0);
  CHECK(change.record.rules_changed);
  CHECK_FALSE(change.record.calendar_changed);

  // The running clock keeps its captured 15 days; a new one gets 3.
  CHECK(nlohmann::json(b->get("C-run")) == nlohmann::json(running));
  in_handling(b, "C-new", "2025-09-02T09:00:00+08:00");
  CHECK(b->get("C-new").clock->limit.amount == 3);
  CHECK(b->get("C-new").notice == std::vector<std::string>{"bring your contract"});

  // C-old closed under the 30-day window: two days later, reopening is still allowed.
  b.set("2025-09-03T09:00:00+08:00");
  const auto reopened = b->try_act("C-old", Action::reopen, supervisor, {{"reason", "the payment bounced"}});
  CHECK_MESSAGE(reopened, (reopened ? "" : reopened.error().describe()));
}

TEST_CASE("the outbox and listeners see a configuration change; a batch holds them until it commits") {
  auto clock = std::make_shared<ManualClock>(at("2025-12-24T09:00:00+08:00"));
  auto storage = std::make_shared<MemoryStorage>();
  EngineOptions o;
  o.storage = storage;
  o.clock = clock;
  o.calendar = national_day_2025();
  o.configuration_outbox = [](const ConfigRecord& r) {
    return std::vector<OutboxMessage>{OutboxMessage{0, "calendar_published", "", 0, {{"seq", r.seq}}}};
  };
  Engine engine(std::move(o));
  std::vector<std::uint64_t> heard;
  engine.subscribe_configuration([&](const ConfigRecord& r) { heard.push_back(r.seq); });

  {
    auto batch = engine.batch();
    engine.update_calendar(with_new_year_2026());
    CHECK(heard.empty());
    CHECK(engine.configuration().seq == 2);  // in force inside the batch
    batch.rollback();
  }
  CHECK(heard.empty());
  CHECK(engine.configuration().seq == 1);  // the rollback took it back
  CHECK(storage->outbox_depth().value() == 0);

  {
    auto batch = engine.batch();
    engine.update_calendar(with_new_year_2026());
    batch.commit();
  }
  CHECK(heard == std::vector<std::uint64_t>{2});
  const auto messages = storage->outbox_fetch(10).value();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].topic == "calendar_published");
  CHECK(messages[0].case_id.empty());
  CHECK(messages[0].event_seq == 2);
}

TEST_CASE("another engine on the store: its action computed with the old calendar is refused with conflict, then judged anew") {
  auto storage = std::make_shared<MemoryStorage>();
  auto clock = std::make_shared<ManualClock>(at("2025-12-22T09:00:00+08:00"));
  auto open = [&] {
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    o.calendar = national_day_2025();
    return std::make_unique<Engine>(std::move(o));
  };
  auto first = open();
  auto second = open();
  first->register_case("C-1", intake, registration());
  first->act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  clock->set(at("2025-12-24T09:00:00+08:00"));
  first->update_calendar(with_new_year_2026());

  auto refused = second->try_act("C-1", Action::accept, lead_handler);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::conflict);
  const Case accepted = second->act("C-1", Action::accept, lead_handler);  // the retry
  CHECK(second->configuration().seq == 2);
  CHECK(fmt(accepted.deadline()) == "2026-01-16T00:00:00+08:00");  // 15 working days of the new calendar
}
