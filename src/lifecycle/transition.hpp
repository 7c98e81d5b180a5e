// One action being applied to one case: the input the lifecycle machine's guards read
// and the draft its effects write. Internal to the library.
//
// What an action may do is data (fengqiao/action_table.hpp); the functions below read
// that table. Only the effects on the case's own records are code, one per action.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/action_table.hpp"
#include "fengqiao/authorization.hpp"
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
  const AuthorizationPolicy& policy;

  std::optional<Error> refusal;    // set by the first check that fails
  std::vector<std::string> notified;  // jurisdictions this action notifies
  bool checked = false;            // the checks below ran (once per action, whatever the rows)

  const ActionSpec& spec() const noexcept { return spec_of(action); }
};

// The checks of LIFECYCLE.md "Precise points", after the state check, in this order.
// Each returns the refusal or nothing.
std::optional<Error> check_rules(const Transition& t);   // spec().rule
std::optional<Error> check_actor(const Transition& t);   // the policy (default: spec().who)
// not_permitted from a refusal, its message "<rule>: <reason>"; nothing when allowed.
std::optional<Error> refusal_of(const AuthorizationDecision& d);
std::optional<Error> check_data(const Transition& t);    // spec().fields, then spec().data_check

// Runs the three checks once per transition and keeps the first refusal.
bool passes_checks(Transition& t);

// Whether `row` is the one that applies to this case and data (its Branch).
bool branch_holds(Branch when, const Transition& t);

// What the action records on the draft besides state, supervision and clocks (those are
// the machine's), for the row that applies. Data was validated before any effect runs.
void record(Transition& t, const ActionRow& row);

// The jurisdiction `levels` above the case's own (the path's last element), clamped at
// the region (the path's first element).
std::string jurisdiction_above(const Case& c, int levels);

}  // namespace fengqiao::detail
