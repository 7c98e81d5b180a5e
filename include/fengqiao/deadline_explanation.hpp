// Why a stage clock's instants fall where they do (LIFECYCLE.md "Deadline rules"): the rule
// the clock captured, the working days W_1, W_2, … it counted on the business calendar, and
// the holidays and make-up working days (调休) in between. `fengqiao show` prints it for a
// case's clock, and replay attaches it to a deadline divergence, where a calendar that
// differs from the recorder's is the usual cause.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/calendar.hpp"
#include "fengqiao/case.hpp"

namespace fengqiao {

// One instant of the clock's schedule and how it was reached.
struct DeadlineStep {
  EventType type = EventType::deadline_warning;  // deadline_warning, deadline_overdue or escalated
  int level = 0;                                 // escalated: the level; 0 otherwise
  Instant at{};
  // For an instant at 24:00 of W_n: n, counted from the clock's start day. None for an
  // elapsed-time instant (start + hours or minutes).
  std::optional<std::int64_t> working_day;
  bool fired = false;  // already fired or passed (before next_step)
  std::string why;     // e.g. "24:00 of W13 (15 − 2 warning days)", "deadline + 2 h"
};

// A stage clock's schedule explained: its rule, its limit as grown by stops and an extension,
// each instant it fires at and why, and the calendar days that placed them.
struct DeadlineExplanation {
  Stage stage = Stage::dispatch;
  Instant started_at{};
  StageRule rule;                    // as captured when the clock started
  Span limit;                        // the rule's limit grown by stops and the extension
  bool extended = false;
  std::optional<Instant> stopped_at;  // while the clock is stopped (consulting, suspended)
  std::vector<DeadlineStep> steps;    // warning, deadline, escalation 1 .. max_level
  // Day-counted clocks: W_1 .. W_last, the working days after the start day up to the day of
  // the last day-counted step, in order; and the calendar's listed holidays and make-up
  // working days from the start day to that day. Empty for elapsed-time clocks whose
  // escalations are elapsed too.
  std::vector<Date> working_days;
  std::vector<Date> holidays;
  std::vector<Date> makeup_days;

  // The step of this type and level, if the schedule has it.
  const DeadlineStep* step(EventType type, int level = 0) const;
  // A few lines: the rule, each step with its reason, the working days counted and the
  // holidays and make-up days between them; instants in `offset`.
  std::string describe(UtcOffset offset) const;
};

// The explanation of `clock` on `calendar` (the one its instants were computed with: the
// calendar in force, since a calendar update recomputes every open clock).
DeadlineExplanation explain_deadlines(const StageClock& clock, const BusinessCalendar& calendar);

// {"stage":"handling","started_at":"...","rule":{...},"limit":{"working_days":15},
//  "extended":false,"stopped_at":null,"steps":[{"event":"deadline_warning","level":0,
//  "at":"...","working_day":13,"fired":true,"why":"..."}],"working_days":["2025-09-28",..],
//  "holidays":[..],"makeup_days":[..]}; instants in the calendar's offset.
nlohmann::json to_json(const DeadlineExplanation& e, UtcOffset offset);

}  // namespace fengqiao
