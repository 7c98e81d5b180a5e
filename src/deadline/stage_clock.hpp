// Stage-clock arithmetic (LIFECYCLE.md "Deadline rules"): when a clock's instants fall,
// how stops and extensions move them. Pure functions over StageClock; the lifecycle
// machine decides when to call them.
#pragma once

#include "fengqiao/calendar.hpp"
#include "fengqiao/case.hpp"
#include "fengqiao/rules.hpp"

namespace fengqiao::detail {

// A fresh clock started at `now`.
StageClock start_clock(Stage stage, const StageRule& rule, Instant now, const BusinessCalendar& cal);

// Stops a running clock at `now` (consulting, suspended). Its schedule stays as it was.
void stop_clock(StageClock& clock, Instant now);

// Runs a stopped clock again at `now`: its limit grows by the working days starting
// between the stop and now (day limits) or by the time stopped (elapsed limits); the
// schedule is recomputed and only instants after `now` will fire.
void run_again(StageClock& clock, Instant now, const BusinessCalendar& cal);

// Adds `extra` to the limit of a running clock (one `extend`); only instants after `now` fire.
void extend_clock(StageClock& clock, Span extra, Instant now, const BusinessCalendar& cal);

// Recomputes the instants of a clock, running or stopped, with another calendar (a
// calendar update, LIFECYCLE.md "Calendar updates"): its start, limit and extension stay,
// and so does which steps have fired. Returns whether any instant moved.
bool recompute_instants(StageClock& clock, const BusinessCalendar& cal);

// The region a clock puts a case in at `t` after a re-evaluation (LIFECYCLE.md
// "Re-evaluation"): overdue, warning or on_track.
Supervision status_at(const StageClock& clock, Instant t);

}  // namespace fengqiao::detail
