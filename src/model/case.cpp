#include "fengqiao/case.hpp"

namespace fengqiao {
namespace {

// The region only moves up (LIFECYCLE.md "Firing"): would step `step` of a clock move a
// case that is at (region, level)?
bool moves_region(std::size_t step, Supervision region, int level) {
  if (step == 0) return region == Supervision::on_track;
  if (step == 1) return region == Supervision::on_track || region == Supervision::warning;
  return level < static_cast<int>(step) - 1;
}

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
    if (c.schedule[step] > c.armed_after && moves_region(step, supervision, level)) return step_at(c, step);
  return std::nullopt;
}

std::vector<ClockStep> Case::upcoming() const {
  std::vector<ClockStep> out;
  if (!clock || !clock->running()) return out;
  const StageClock& c = *clock;
  Supervision region = supervision;
  int lvl = level;
  for (std::size_t step = c.next_step; step < c.schedule.size(); ++step) {
    if (c.schedule[step] <= c.armed_after || !moves_region(step, region, lvl)) continue;
    ClockStep s = step_at(c, step);
    out.push_back(s);
    region = s.type == EventType::deadline_warning   ? Supervision::warning
             : s.type == EventType::deadline_overdue ? Supervision::overdue
                                                     : Supervision::escalated;
    if (s.type == EventType::escalated) lvl = s.level;
  }
  return out;
}

}  // namespace fengqiao
