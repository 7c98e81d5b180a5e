// The configuration in force — the business calendar and the deadline rules — as part of
// the record (LIFECYCLE.md "Calendar updates"): a store keeps the one in force and every
// change of it, so that an engine opened on the store computes the deadlines the store's
// cases were given, and an export can say which calendar each instant was judged by.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/calendar.hpp"
#include "fengqiao/error.hpp"
#include "fengqiao/rules.hpp"
#include "fengqiao/time.hpp"

namespace fengqiao {

// One configuration the store kept: the whole calendar and rules in force from `at` on
// (not a difference), and which of them this change replaced.
struct ConfigRecord {
  std::uint64_t seq = 0;         // 1 for the first the store kept, then +1 per change; 0 = none kept
  Instant at{};                  // from when it is in force (seq 1: when the store first kept one)
  BusinessCalendar calendar;     // its offset is the store's, and never changes
  DeadlineRules rules;
  bool calendar_changed = true;  // this record replaced the calendar (always true for seq 1)
  bool rules_changed = true;     // this record replaced the rules (always true for seq 1)
};

// {"seq":2,"at":"...Z","utc_offset":"+08:00","calendar":{...},"rules":{...},
//  "changed":["calendar"]}. from_json throws fengqiao::Exception: invalid_data for a missing
// key or a wrong type (naming it), invalid_config for a calendar or rules that do not read.
void to_json(nlohmann::json& j, const ConfigRecord& r);
void from_json(const nlohmann::json& j, ConfigRecord& r);

// Whether `next` may replace `in_force` at instant `at` (LIFECYCLE.md "Calendar updates"):
// the same UTC offset, the same weekend days, and every day up to and including the day of
// `at` (in the calendar's offset) worked or not as it was. A listed date that changes
// nothing (a workday on a weekday, a holiday on a weekend day) is no change.
// Success: `next` may replace it. Failure: invalid_config naming the first day (or the
// weekend, or the offset) that would change.
Status check_calendar_update(const BusinessCalendar& in_force, const BusinessCalendar& next, Instant at);

// What differs between two calendars, for a message: "" when they count every day alike
// with the same offset and weekend, else e.g. "the weekend (sat, sun against sun)",
// "2026-01-02 (a holiday against a working day)"; the first few differences, then "…".
std::string describe_difference(const BusinessCalendar& a, const BusinessCalendar& b);
// The same for rules: "" when their documents (DeadlineRules::to_json) are equal, else the
// top-level keys that differ, e.g. "rules.stages, rules.notices".
std::string describe_difference(const DeadlineRules& a, const DeadlineRules& b);

}  // namespace fengqiao
