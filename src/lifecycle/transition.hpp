// One action being applied to one case: the input the lifecycle machine's guards read
// and the draft its effects write. Internal to the library.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/calendar.hpp"
#include "fengqiao/case.hpp"
#include "fengqiao/error.hpp"
#include "fengqiao/rules.hpp"

namespace fengqiao::detail {

struct Transition {
  Case& draft;                     // a copy of the stored snapshot; discarded on refusal
  Action action;
  const Actor& actor;
  const nlohmann::json& data;      // an object (null is normalised to {} before)
  Instant now;
  const BusinessCalendar& calendar;
  const DeadlineRules& rules;

  std::optional<Error> refusal;    // set by the first guard that fails
  std::vector<std::string> notified;  // jurisdictions this action notifies
};

// The checks of LIFECYCLE.md "Precise points", after the state check, in order. Each
// returns the refusal or nothing.
std::optional<Error> check_rules(const Transition& t);   // extension allowance, reopen window, max_level
std::optional<Error> check_actor(const Transition& t);   // the "who" column
std::optional<Error> check_data(const Transition& t);    // the "required data" column

// Effects: what each action records on the draft besides state, supervision and clocks
// (those are the machine's).
void record_registration(Transition& t);
void record_dispatch(Transition& t);
void record_transfer(Transition& t);
void record_return(Transition& t);
void record_consultation(Transition& t);
void record_conclusion(Transition& t, Outcome outcome);
void record_follow_up(Transition& t);
void record_reopening(Transition& t);
void record_closing(Transition& t);

// The jurisdiction `levels` above the case's own (the path's last element), clamped at
// the region (the path's first element).
std::string jurisdiction_above(const Case& c, int levels);

}  // namespace fengqiao::detail
