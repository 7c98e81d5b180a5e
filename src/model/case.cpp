#include "fengqiao/case.hpp"

namespace fengqiao {
namespace {

// LIFECYCLE.md "Firing": an armed warning or deadline instant always fires (the region
// moves only if it is below); an escalation step to level L fires only if the case is
// below L (a level reached by `supervise` is skipped and emits nothing).
bool emits(std::size_t step, int level) { return step < 2 || level < static_cast<int>(step) - 1; }

ClockStep step_at(const StageClock& c, std::size_t step) {
  if (step == 0) return {EventType::deadline_warning, 0, c.schedule[0]};
  if (step == 1) return {EventType::deadline_overdue, 0, c.schedule[1]};
  return {EventType::escalated, static_cast<int>(step) - 1, c.schedule[step]};
}

}  // namespace

std::optional<Instant> Case::deadline() const {
  if (!clock) return std::nullopt;
  return clock->deadline();
}

std::optional<ClockStep> Case::next_due() const {
  if (!clock || !clock->running()) return std::nullopt;
  const StageClock& c = *clock;
  for (std::size_t step = c.next_step; step < c.schedule.size(); ++step)
    if (c.schedule[step] > c.armed_after && emits(step, level)) return step_at(c, step);
  return std::nullopt;
}

std::vector<ClockStep> Case::upcoming() const {
  std::vector<ClockStep> out;
  if (!clock || !clock->running()) return out;
  const StageClock& c = *clock;
  int lvl = level;
  for (std::size_t step = c.next_step; step < c.schedule.size(); ++step) {
    if (c.schedule[step] <= c.armed_after || !emits(step, lvl)) continue;
    ClockStep s = step_at(c, step);
    out.push_back(s);
    if (s.type == EventType::escalated) lvl = s.level;
  }
  return out;
}

}  // namespace fengqiao
