#include "deadline/stage_clock.hpp"

namespace fengqiao::detail {
namespace {

// Fills clock.schedule: [warning, deadline, escalation 1 .. max_level].
void compute_schedule(StageClock& c, const BusinessCalendar& cal) {
  const StageRule& r = c.rule;
  const int max_level = r.max_level;
  c.schedule.assign(static_cast<std::size_t>(2 + max_level), Instant{});
  Instant deadline;
  if (c.limit.in_days()) {
    // N working days end at 24:00 of W_N, the N-th working day after the start day.
    const DayNumber w0 = cal.day_of(c.started_at);
    const std::int64_t n = c.limit.amount;
    deadline = cal.end_of(cal.working_day_after(w0, n));
    if (r.warn_before.in_days()) {
      std::int64_t k = r.warn_before.amount;
      c.schedule[0] = cal.end_of(cal.working_day_after(w0, n > k ? n - k : 0));
    } else {
      c.schedule[0] = deadline - Seconds(r.warn_before.amount);
    }
    if (r.escalate_every.in_days()) {
      // W_(N + L*e), walked incrementally from W_N.
      DayNumber day = cal.working_day_after(w0, n);
      for (int level = 1; level <= max_level; ++level) {
        day = cal.working_day_after(day, r.escalate_every.amount);
        c.schedule[static_cast<std::size_t>(1 + level)] = cal.end_of(day);
      }
    }
  } else {
    deadline = c.started_at + Seconds(c.limit.amount);
    c.schedule[0] = deadline - Seconds(r.warn_before.amount);
    if (r.escalate_every.in_days()) {
      // Counted from D: the day holding the last second before the deadline if worked,
      // else the next working day after it.
      DayNumber day = cal.working_day_on_or_after(cal.day_of(deadline - Seconds(1)));
      for (int level = 1; level <= max_level; ++level) {
        day = cal.working_day_after(day, r.escalate_every.amount);
        c.schedule[static_cast<std::size_t>(1 + level)] = cal.end_of(day);
      }
    }
  }
  c.schedule[1] = deadline;
  if (!r.escalate_every.in_days())
    for (int level = 1; level <= max_level; ++level)
      c.schedule[static_cast<std::size_t>(1 + level)] = deadline + Seconds(level * r.escalate_every.amount);
}

}  // namespace

StageClock start_clock(Stage stage, const StageRule& rule, Instant now, const BusinessCalendar& cal) {
  StageClock c;
  c.stage = stage;
  c.started_at = now;
  c.rule = rule;
  c.limit = rule.limit;
  c.armed_after = now;
  compute_schedule(c, cal);
  return c;
}

void stop_clock(StageClock& clock, Instant now) {
  if (!clock.stopped_at) clock.stopped_at = now;
}

void run_again(StageClock& clock, Instant now, const BusinessCalendar& cal) {
  if (!clock.stopped_at) return;
  const Instant p = *clock.stopped_at;
  clock.limit.amount += clock.limit.in_days() ? cal.working_days_starting_in(p, now) : (now - p).count();
  clock.stopped_at.reset();
  clock.armed_after = now;
  clock.next_step = 0;
  compute_schedule(clock, cal);
}

void extend_clock(StageClock& clock, Span extra, Instant now, const BusinessCalendar& cal) {
  clock.limit.amount += extra.amount;
  clock.extended = true;
  clock.armed_after = now;
  clock.next_step = 0;
  compute_schedule(clock, cal);
}

bool recompute_instants(StageClock& clock, const BusinessCalendar& cal) {
  // Only days after the update's day change, so every fired step (at or before now) keeps
  // its instant and every pending one stays after now: next_step still splits them.
  std::vector<Instant> before = clock.schedule;
  compute_schedule(clock, cal);
  return before != clock.schedule;
}

Supervision status_at(const StageClock& clock, Instant t) {
  if (clock.deadline() <= t) return Supervision::overdue;
  if (clock.warning_at() <= t) return Supervision::warning;
  return Supervision::on_track;
}

}  // namespace fengqiao::detail
