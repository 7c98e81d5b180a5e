// Stage clocks' instants (warning, deadline, escalation levels) and the supervision region
// against LIFECYCLE.md's definitions ("Day limits", "Hour and minute limits", "Stopped
// clocks", "Extension", "Re-evaluation", "Firing") computed by a plain walk over a model
// calendar, for random rules (limit, warn_before and escalate_every in working days, hours
// or minutes, or left to their defaults; max_level) on random calendars.
//
// The oracle knows only the spec and docs/RULES.md: the default table, the derived
// defaults, and "W_n = the n-th working day after the start day".
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>

#include "civil_oracle.hpp"
#include "random_calendar.hpp"
#include "random_values.hpp"
#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

// A span as the oracle counts it: working days, or seconds.
struct OSpan {
  bool days = true;
  long long amount = 0;
};

struct ORule {
  OSpan limit, warn, escalate;
  int max_level = 3;
};

// What a random rules document says about one stage (absent = the default applies).
struct RuleDoc {
  std::optional<OSpan> limit, warn, escalate;
  std::optional<int> max_level;
  bool max_level_at_top = false;
  bool under_all = true;  // "all" rather than the case's urgency
};

json span_json(const OSpan& s) {
  if (s.days) return {{"working_days", s.amount}};
  if (s.amount % 3600 == 0) return {{"hours", s.amount / 3600}};
  return {{"minutes", s.amount / 60}};
}

OSpan random_elapsed(RandomValues& gen, long long max_hours) {
  if (gen.chance(0.5)) return OSpan{false, 3600 * gen.between(1, max_hours)};
  return OSpan{false, 60 * gen.between(1, std::min(60 * max_hours, 100000LL))};  // RULES.md: n <= 100000
}

RuleDoc random_rule_doc(RandomValues& gen) {
  RuleDoc d;
  if (gen.chance(0.75)) {
    d.limit = gen.chance(0.6) ? OSpan{true, gen.chance(0.3) ? gen.between(1, 6) : gen.between(1, 400)}
                              : random_elapsed(gen, gen.chance(0.5) ? 12 : 3000);
  }
  if (d.limit && gen.chance(0.5)) {
    if (d.limit->days) {
      // Working days up to the limit (equal allowed), or elapsed time before a day deadline.
      d.warn = gen.chance(0.8) ? OSpan{true, gen.chance(0.2) ? d.limit->amount : gen.between(0, d.limit->amount)}
                               : random_elapsed(gen, 100);
    } else {
      // Shorter than the limit, whole minutes (at most 100000 of them).
      d.warn = OSpan{false, 60 * gen.between(0, std::min(d.limit->amount / 60 - 1, 100000LL))};
    }
  }
  if (gen.chance(0.5)) d.escalate = gen.chance(0.5) ? OSpan{true, gen.between(1, 30)} : random_elapsed(gen, 100);
  if (gen.chance(0.5)) {
    d.max_level = static_cast<int>(gen.between(0, 20));
    d.max_level_at_top = gen.chance(0.3);
  }
  d.under_all = gen.chance(0.5);
  return d;
}

json rules_json(const RuleDoc& d, const char* stage, Urgency urgency) {
  json rule = json::object();
  if (d.limit) rule["limit"] = span_json(*d.limit);
  if (d.warn) rule["warn_before"] = span_json(*d.warn);
  if (d.escalate) rule["escalate_every"] = span_json(*d.escalate);
  if (d.max_level && !d.max_level_at_top) rule["max_level"] = *d.max_level;
  json doc = {{"stages", {{stage, {{d.under_all ? std::string("all") : std::string(to_string(urgency)), rule}}}}}};
  if (d.max_level && d.max_level_at_top) doc["max_level"] = *d.max_level;
  return doc;
}

// LIFECYCLE.md's table and defaults, applied to the document.
ORule resolve(const RuleDoc& d, Stage stage, Urgency u) {
  const int ui = static_cast<int>(u);
  const OSpan dispatch_defaults[3] = {{true, 1}, {false, 4 * 3600}, {false, 30 * 60}};
  const OSpan handling_defaults[3] = {{true, 15}, {true, 5}, {true, 1}};
  const OSpan escalate_defaults[3] = {{true, 3}, {true, 1}, {false, 2 * 3600}};
  ORule r;
  r.limit = d.limit ? *d.limit : (stage == Stage::dispatch ? dispatch_defaults[ui] : handling_defaults[ui]);
  if (d.warn) r.warn = *d.warn;
  else if (r.limit.days) r.warn = OSpan{true, r.limit.amount >= 5 ? 2 : 1};
  else r.warn = OSpan{false, r.limit.amount / 4};
  r.escalate = d.escalate ? *d.escalate : escalate_defaults[ui];
  r.max_level = d.max_level ? *d.max_level : 3;
  return r;
}

// [warning, deadline, escalation 1 .. max_level] of a clock started at s whose limit is now
// `limit` (the rule's, grown by stops and the extension), by the spec's definitions.
std::vector<long long> oracle_schedule(const oracle::CalendarModel& m, long long s, const ORule& r, long long limit) {
  std::vector<long long> out(static_cast<std::size_t>(2 + r.max_level));
  const long long w0 = m.day_of(s);
  auto end_of_w = [&](long long from_day, long long n) { return m.start_of(m.nth_working_day_after(from_day, n) + 1); };
  long long deadline;
  if (r.limit.days) {
    deadline = end_of_w(w0, limit);  // 24:00 of W_N
    if (r.warn.days) {
      const long long k = r.warn.amount;
      out[0] = end_of_w(w0, limit - k >= 0 ? limit - k : 0);  // never below W_0
    } else {
      out[0] = deadline - r.warn.amount;
    }
    for (int level = 1; level <= r.max_level; ++level)
      out[static_cast<std::size_t>(1 + level)] =
          r.escalate.days ? end_of_w(w0, limit + level * r.escalate.amount) : deadline + level * r.escalate.amount;
  } else {
    deadline = s + limit;
    out[0] = deadline - r.warn.amount;
    // D: the day holding the last second before the deadline if worked, else the next
    // working day after it.
    const long long last_day = m.day_of(deadline - 1);
    const long long d = m.worked(last_day) ? last_day : m.nth_working_day_after(last_day, 1);
    for (int level = 1; level <= r.max_level; ++level)
      out[static_cast<std::size_t>(1 + level)] =
          r.escalate.days ? end_of_w(d, level * r.escalate.amount) : deadline + level * r.escalate.amount;
  }
  out[1] = deadline;
  return out;
}

std::vector<long long> seconds_of(const std::vector<Instant>& v) {
  std::vector<long long> out;
  for (Instant t : v) out.push_back(t.time_since_epoch().count());
  return out;
}

// The steps still to come after `armed` at level 0, in firing order.
std::vector<ClockStep> oracle_upcoming(const std::vector<long long>& schedule, long long armed) {
  std::vector<ClockStep> out;
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    if (schedule[i] <= armed) continue;
    const EventType type = i == 0 ? EventType::deadline_warning : i == 1 ? EventType::deadline_overdue : EventType::escalated;
    out.push_back(ClockStep{type, i < 2 ? 0 : static_cast<int>(i) - 1, Instant(Seconds(schedule[i]))});
  }
  return out;
}

void check_upcoming(const Case& c, const std::vector<ClockStep>& expected) {
  const std::vector<ClockStep> got = c.upcoming();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].type == expected[i].type);
    CHECK(got[i].level == expected[i].level);
    CHECK(got[i].at == expected[i].at);
  }
  const auto next = c.next_due();
  CHECK(next.has_value() == !expected.empty());
  if (next && !expected.empty()) CHECK(next->at == expected[0].at);
}

// "Re-evaluation": overdue if the deadline <= t, else warning if the warning <= t.
Supervision status_at(const std::vector<long long>& schedule, long long t) {
  if (schedule[1] <= t) return Supervision::overdue;
  if (schedule[0] <= t) return Supervision::warning;
  return Supervision::on_track;
}

// An instant at or after t: a second either side of a coming midnight, or up to 40 days on.
long long later(RandomValues& gen, const oracle::CalendarModel& m, long long t) {
  if (gen.chance(0.25)) {
    const long long at = m.start_of(m.day_of(t) + gen.between(1, 12)) + gen.between(-1, 1);
    if (at >= t) return at;
  }
  return t + (gen.chance(0.1) ? 0 : gen.between(1, 40 * 86400));
}

long long random_start(RandomValues& gen, const RandomCalendar& rc) {
  const long long day = random_start_day(gen, rc);
  const long long midnight = rc.model.start_of(day);
  switch (gen.between(0, 3)) {
    case 0: return midnight;
    case 1: return midnight + 86399;
    default: return midnight + gen.between(0, 86399);
  }
}

std::string at_text(long long t) { return format_instant(Instant(Seconds(t)), UtcOffset::from_seconds(0)); }

}  // namespace

TEST_SUITE("deadline oracle") {

TEST_CASE("a fresh clock's instants and upcoming steps follow the spec's definitions") {
  RandomValues gen(7);
  std::map<std::string, int> seen;
  for (int k = 0; k < 1500; ++k) {
    const RandomCalendar rc = random_calendar(gen);
    const RuleDoc doc = random_rule_doc(gen);
    const auto urgency = static_cast<Urgency>(gen.between(0, 2));
    const json rules_doc = rules_json(doc, "dispatch", urgency);
    const ORule r = resolve(doc, Stage::dispatch, urgency);
    long long s = random_start(gen, rc);
    // Elapsed deadlines exactly at a midnight, or a second either side: where "the day
    // containing the instant one second before the deadline" matters.
    if (!r.limit.days && gen.chance(0.3)) {
      s = rc.model.start_of(rc.model.day_of(s + r.limit.amount)) - r.limit.amount + gen.between(-1, 1);
      ++seen["elapsed deadline at a midnight"];
    }
    CAPTURE(rc.description);
    CAPTURE(rules_doc.dump());
    CAPTURE(to_string(urgency));
    CAPTURE(at_text(s));

    auto rules = DeadlineRules::from_json(rules_doc);
    REQUIRE_MESSAGE(rules.ok(), rules.error().message);
    Rig rig(at_text(s), *rules, rc.calendar);
    const Case c = rig.register_case("C-1", registration(std::string(to_string(urgency))));

    const std::vector<long long> expected = oracle_schedule(rc.model, s, r, r.limit.amount);
    ++seen[std::string(r.limit.days ? "day" : "elapsed") + " limit, escalation in " + (r.escalate.days ? "days" : "time")];
    if (expected[0] <= s) ++seen["warning not after the start"];
    REQUIRE(c.clock);
    CHECK(c.clock->stage == Stage::dispatch);
    CHECK(seconds_of(c.clock->schedule) == expected);
    CHECK(c.deadline() == Instant(Seconds(expected[1])));
    // Nothing at or before the start fires; a fresh clock is on track at level 0.
    check_upcoming(c, oracle_upcoming(expected, s));
    CHECK(c.supervision == Supervision::on_track);
    CHECK(c.level == 0);
  }
  // Every combination of units was drawn (a weak generator would test less than it claims).
  for (const char* key : {"day limit, escalation in days", "day limit, escalation in time",
                          "elapsed limit, escalation in days", "elapsed limit, escalation in time",
                          "elapsed deadline at a midnight"}) {
    CAPTURE(std::string(key));
    CHECK(seen[key] >= 10);
  }
  CHECK(seen["warning not after the start"] >= 1);  // an elapsed warn_before longer than the day limit's span
}

TEST_CASE("stops, the extension and re-evaluation move a handling clock as the spec says") {
  RandomValues gen(8);
  std::map<std::string, int> seen;
  for (int k = 0; k < 1200; ++k) {
    const RandomCalendar rc = random_calendar(gen);
    const oracle::CalendarModel& m = rc.model;
    const RuleDoc doc = random_rule_doc(gen);
    const auto urgency = static_cast<Urgency>(gen.between(0, 2));
    const json rules_doc = rules_json(doc, "handling", urgency);
    const long long s = random_start(gen, rc);
    CAPTURE(rc.description);
    CAPTURE(rules_doc.dump());
    CAPTURE(to_string(urgency));
    CAPTURE(at_text(s));

    auto rules = DeadlineRules::from_json(rules_doc);
    REQUIRE_MESSAGE(rules.ok(), rules.error().message);
    Rig rig(at_text(s), *rules, rc.calendar);
    drive_to(rig, "C-1", State::handling, registration(std::string(to_string(urgency))));

    const ORule r = resolve(doc, Stage::handling, urgency);
    long long limit = r.limit.amount;
    long long armed = s;           // instants at or before this emit nothing
    bool fresh = true;             // no re-evaluation yet: on track at the start
    std::optional<long long> open_stop;
    bool consulting_open = false;
    bool extended = false;
    long long t = s;
    std::string story;

    for (long long ops = gen.between(0, 3); ops > 0; --ops) {
      if (!extended && gen.chance(0.35)) {
        // Extension: days for a day limit, hours for an elapsed one (within the default
        // allowance of 15 working days or 120 hours).
        t = later(gen, m, t);
        const long long amount = r.limit.days ? gen.between(1, 15) : gen.between(1, 120);
        rig.set(at_text(t));
        rig.act("C-1", Action::extend, supervisor,
                {{r.limit.days ? "days" : "hours", amount}, {"reason", "survey"}});
        limit += r.limit.days ? amount : amount * 3600;
        armed = t;
        fresh = false;
        extended = true;
        story += " extend(" + std::to_string(amount) + ")@" + at_text(t);
        continue;
      }
      // A stop and the clock running again: suspend/resume or a consultation.
      const bool consult = gen.chance(0.5);
      const long long p = later(gen, m, t), q = later(gen, m, p);
      rig.set(at_text(p));
      rig.act("C-1", consult ? Action::start_consultation : Action::suspend);
      rig.set(at_text(q));
      rig.act("C-1", consult ? Action::end_consultation : Action::resume);
      // Day limits grow by the working days D with p <= 00:00 of D < q; elapsed ones by q - p.
      limit += r.limit.days ? m.working_days_starting_in(p, q) : q - p;
      armed = q;
      fresh = false;
      t = q;
      story += std::string(consult ? " consult" : " suspend") + "@" + at_text(p) + ".." + at_text(q);
    }
    if (gen.chance(0.3)) {
      consulting_open = gen.chance(0.5);
      open_stop = later(gen, m, t);
      rig.set(at_text(*open_stop));
      rig.act("C-1", consulting_open ? Action::start_consultation : Action::suspend);
      story += std::string(consulting_open ? " consult" : " suspend") + "@" + at_text(*open_stop) + "..";
    }
    CAPTURE(story);

    const Case c = rig.get("C-1");
    const std::optional<StageClock>& handling = consulting_open ? c.held_clock : c.clock;
    REQUIRE(handling);
    CHECK(handling->stage == Stage::handling);
    CHECK(handling->limit.amount == limit);
    CHECK(handling->stopped_at == (open_stop ? std::optional<Instant>(Instant(Seconds(*open_stop))) : std::nullopt));
    const std::vector<long long> expected = oracle_schedule(m, s, r, limit);
    CHECK(seconds_of(handling->schedule) == expected);

    if (!open_stop) {
      // Running: every instant after the last re-arming is still to come, at level 0, and
      // the region is the re-evaluation's (or on track for a clock never re-evaluated).
      check_upcoming(c, oracle_upcoming(expected, armed));
      CHECK(c.supervision == (fresh ? Supervision::on_track : status_at(expected, armed)));
      if (!fresh) ++seen["re-evaluated " + std::string(to_string(status_at(expected, armed)))];
      CHECK(c.level == 0);
    } else if (!consulting_open) {
      // Suspended: the clock fires nothing, and the case keeps the region it reached at the
      // stop: the re-evaluation (or on track), then what fired after the re-arming.
      CHECK(c.upcoming().empty());
      CHECK_FALSE(c.next_due());
      CHECK(c.deadline() == Instant(Seconds(expected[1])));
      int level = 0;
      for (int l = 1; l <= r.max_level; ++l) {
        const long long at = expected[static_cast<std::size_t>(1 + l)];
        if (at > armed && at <= *open_stop) level = l;
      }
      Supervision region = fresh ? Supervision::on_track : status_at(expected, armed);
      if (expected[0] > armed && expected[0] <= *open_stop && region < Supervision::warning) region = Supervision::warning;
      if (expected[1] > armed && expected[1] <= *open_stop && region < Supervision::overdue) region = Supervision::overdue;
      if (level > 0) region = Supervision::escalated;
      CHECK(c.supervision == region);
      CHECK(c.level == level);
      ++seen["suspended " + std::string(to_string(region))];
    } else {
      // Consulting: a fresh consulting clock runs; the handling clock waits.
      REQUIRE(c.clock);
      CHECK(c.clock->stage == Stage::consulting);
      CHECK(c.clock->started_at == Instant(Seconds(*open_stop)));
      CHECK(c.supervision == Supervision::on_track);
      CHECK(c.level == 0);
      ++seen["consulting"];
    }
    if (extended) ++seen["extended"];
    if (!r.limit.days && limit != r.limit.amount) ++seen["elapsed limit grown"];
    if (r.limit.days && limit != r.limit.amount) ++seen["day limit grown"];
  }
  for (const char* key : {"re-evaluated on_track", "re-evaluated warning", "re-evaluated overdue", "suspended on_track",
                          "suspended warning", "suspended overdue", "suspended escalated", "consulting", "extended",
                          "elapsed limit grown", "day limit grown"}) {
    CAPTURE(std::string(key));
    CHECK(seen[key] >= 5);
  }
}

}  // TEST_SUITE
