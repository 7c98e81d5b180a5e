// The lifecycle as a Boost.MSM state machine with two orthogonal regions (lifecycle,
// supervision). Boost.MSM is used in machine.cpp only; this is its whole interface.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fengqiao/case.hpp"
#include "fengqiao/error.hpp"
#include "lifecycle/transition.hpp"

namespace fengqiao::detail {

// Runs t.action on t.draft. Returns the refusal (and t.draft must then be discarded), or
// nothing: t.draft is the new snapshot (state, supervision, level, clocks, records).
// For Action::register_case the draft must be a blank Case carrying only its id.
std::optional<Error> run_action(Transition& t);

// Fires one due step of the draft's running clock: moves the supervision region and
// advances the clock past the step. Returns false if the region could not move (the step
// is then only consumed). `notified` receives the jurisdiction an escalation notifies.
bool run_clock_step(Case& draft, const ClockStep& step, std::vector<std::string>& notified);

// Restores the two regions of a machine to (state, supervision), the way every action
// starts, and reads them back (for the test that restores every pair).
std::pair<State, Supervision> restored(State state, Supervision supervision);

}  // namespace fengqiao::detail
