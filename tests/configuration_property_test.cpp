// A calendar update at t changes only days after t's day, so an engine that receives it at
// t must from then on behave exactly like one that had the new calendar from the start:
// the same events at the same instants, the same snapshots. The second engine is the
// oracle; it computes every clock with the new calendar directly, so any pending instant
// the update failed to move, or a due index left pointing at an old instant, shows as a
// difference. Checked on random histories of many interleaved cases.
#include <doctest/doctest.h>

#include <random>
#include <sstream>

#include <fengqiao/engine.hpp>
#include <fengqiao/history.hpp>
#include <fengqiao/memory_storage.hpp>
#include <fengqiao/testing/random_history.hpp>

#include "fields.hpp"
#include "fixtures.hpp"

using namespace fengqiao;

namespace {

struct Rig {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<MemoryStorage> storage = std::make_shared<MemoryStorage>();
  std::unique_ptr<Engine> engine;
  explicit Rig(const BusinessCalendar& cal) {
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    o.calendar = cal;
    engine = std::make_unique<Engine>(std::move(o));
  }
  // Applies an action or visit line as the history has it; returns the outcome's code.
  std::string apply(const history::Line& line) {
    clock->set(line.at);
    if (line.kind == history::Line::Kind::visit) {
      auto r = engine->try_record_visit(line.visit_id, line.actor, line.data);
      return r ? "ok" : std::string(to_string(r.error().code));
    }
    auto r = engine->try_act(line.case_id, line.action, line.actor, line.data);
    return r ? "ok" : std::string(to_string(r.error().code));
  }
};

// Next year's schedule after `t`'s day: random holidays on weekdays and make-up weekend
// days, all strictly after the day of t, none before it.
BusinessCalendar published_after(const BusinessCalendar& base, Instant t, std::mt19937_64& rng) {
  BusinessCalendar next = base;
  const DayNumber today = base.day_of(t);
  std::uniform_int_distribution<int> offset(1, 60);
  for (int i = 0; i < 8; ++i) {
    const DayNumber d = today + offset(rng);
    const Date date = BusinessCalendar::to_date(d);
    const bool weekend = base.is_weekend(BusinessCalendar::weekday_of(d));
    // Listing a day on the other side is refused; skip those the base lists already.
    (void)(weekend ? next.add_workday(date) : next.add_holiday(date));
  }
  return next;
}

}  // namespace

TEST_CASE("a calendar update at t gives the same events and snapshots as having had the new calendar from the start") {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    testing::RandomHistoryOptions options;
    options.seed = seed;
    options.cases = seed % 3 == 0 ? 120 : 20;
    options.steps = seed % 3 == 0 ? 900 : 200;
    options.wrong_rate = 0.05;
    const testing::RandomHistoryRun run = testing::drive_random_history(options);
    std::ostringstream exported;
    REQUIRE(history::export_cases(*run.storage, {}, exported));

    std::vector<history::Line> lines;
    std::istringstream in(exported.str());
    history::Reader reader(in);
    REQUIRE(reader.header());
    for (;;) {
      auto line = reader.next();
      REQUIRE(line);
      if (!*line) break;
      if ((*line)->kind == history::Line::Kind::action || (*line)->kind == history::Line::Kind::visit)
        lines.push_back(std::move(**line));
    }
    REQUIRE(lines.size() > 10);

    std::mt19937_64 rng(seed);
    const Instant t = lines[lines.size() / 3].at;
    const BusinessCalendar old_calendar = run.header.calendar;
    const BusinessCalendar new_calendar = published_after(old_calendar, t, rng);
    REQUIRE_FALSE(describe_difference(old_calendar, new_calendar).empty());

    Rig updated(old_calendar), oracle(new_calendar);
    bool published = false;
    for (const history::Line& line : lines) {
      if (!published && line.at >= t) {
        updated.clock->set(t);
        REQUIRE(updated.engine->try_update_configuration(new_calendar, std::nullopt));
        published = true;
      }
      CAPTURE(line.number);
      REQUIRE(updated.apply(line) == oracle.apply(line));
    }
    // Far past every deadline and escalation, so every pending instant fires.
    const Instant end = lines.back().at + Seconds(120 * 86400);
    updated.clock->set(end);
    oracle.clock->set(end);
    const AdvanceReport fired = updated.engine->advance_to(end);
    CHECK(fired.fired == oracle.engine->advance_to(end).fired);

    const std::vector<Case> a = updated.engine->find(CaseQuery{}), b = oracle.engine->find(CaseQuery{});
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CAPTURE(a[i].id);
      const std::string diff = testing::fields::differences(a[i], b[i]);
      CHECK_MESSAGE(diff.empty(), diff);
      const auto ha = updated.engine->history(a[i].id), hb = oracle.engine->history(b[i].id);
      REQUIRE(ha.size() == hb.size());
      for (std::size_t k = 0; k < ha.size(); ++k) {
        const std::string event_diff = testing::fields::differences(ha[k], hb[k]);
        CHECK_MESSAGE(event_diff.empty(), "event " << k + 1 << ":\n" << event_diff);
      }
    }
  }
}
