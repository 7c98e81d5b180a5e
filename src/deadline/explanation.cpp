#include "fengqiao/deadline_explanation.hpp"

#include <algorithm>
#include <sstream>

namespace fengqiao {
namespace {

// A list of working days longer than this is left out of the explanation (a clock stopped
// for years); the steps still say which W_n each instant is.
constexpr std::size_t kMaxListedDays = 1000;

// "15 working days", "4 hours", "30 minutes", "90 seconds".
std::string describe_span(const Span& s) {
  if (s.in_days()) return std::to_string(s.amount) + (s.amount == 1 ? " working day" : " working days");
  if (s.amount % 3600 == 0) return std::to_string(s.amount / 3600) + (s.amount == 3600 ? " hour" : " hours");
  if (s.amount % 60 == 0) return std::to_string(s.amount / 60) + (s.amount == 60 ? " minute" : " minutes");
  return std::to_string(s.amount) + " seconds";
}

std::string w(std::int64_t n) { return "W" + std::to_string(n); }

// Fills steps for a clock whose limit counts working days: every instant is 24:00 of some
// W_n after the start day (escalations too when they count days).
void day_steps(const StageClock& c, DeadlineExplanation& x) {
  const StageRule& r = c.rule;
  const std::int64_t n = c.limit.amount;
  DeadlineStep warning{EventType::deadline_warning, 0, c.schedule.at(0), std::nullopt, false, ""};
  if (r.warn_before.in_days()) {
    const std::int64_t at = n > r.warn_before.amount ? n - r.warn_before.amount : 0;
    warning.working_day = at;
    warning.why = "24:00 of " + w(at) + " (" + std::to_string(n) + " − " + describe_span(r.warn_before) + ")";
  } else {
    warning.why = "the deadline − " + describe_span(r.warn_before);
  }
  x.steps.push_back(warning);
  x.steps.push_back({EventType::deadline_overdue, 0, c.schedule.at(1), n,
                     false, "24:00 of " + w(n) + ": " + describe_span(c.limit) + " after the start day"});
  for (int level = 1; level <= r.max_level; ++level) {
    DeadlineStep s{EventType::escalated, level, c.schedule.at(static_cast<std::size_t>(1 + level)), std::nullopt,
                   false, ""};
    if (r.escalate_every.in_days()) {
      s.working_day = n + level * r.escalate_every.amount;
      s.why = "24:00 of " + w(*s.working_day) + " (the deadline + " + std::to_string(level) + " × " +
              describe_span(r.escalate_every) + ")";
    } else {
      s.why = "the deadline + " + std::to_string(level) + " × " + describe_span(r.escalate_every);
    }
    x.steps.push_back(std::move(s));
  }
}

// Fills steps for a clock whose limit is elapsed time (an emergency's dispatch clock).
void elapsed_steps(const StageClock& c, DeadlineExplanation& x) {
  const StageRule& r = c.rule;
  x.steps.push_back({EventType::deadline_warning, 0, c.schedule.at(0), std::nullopt, false,
                     "the deadline − " + describe_span(r.warn_before)});
  x.steps.push_back({EventType::deadline_overdue, 0, c.schedule.at(1), std::nullopt, false,
                     "the start + " + describe_span(c.limit)});
  for (int level = 1; level <= r.max_level; ++level) {
    // Day-counted escalations of an elapsed clock count from the deadline's day (the next
    // working day when that day is not worked), not from the start.
    const std::string why = r.escalate_every.in_days()
                                ? "24:00, " + std::to_string(level * r.escalate_every.amount) +
                                      " working days after the deadline's day (or the next working day)"
                                : "the deadline + " + std::to_string(level) + " × " + describe_span(r.escalate_every);
    x.steps.push_back({EventType::escalated, level, c.schedule.at(static_cast<std::size_t>(1 + level)), std::nullopt,
                       false, why});
  }
}

// The working days, holidays and make-up days from the start day to the last step counted
// in days. Only listed days that change something: a holiday on a weekday, a make-up day
// on a weekend day (LIFECYCLE.md: the others have no effect).
void days_between(const StageClock& c, const BusinessCalendar& cal, DeadlineExplanation& x) {
  const bool days = c.limit.in_days() || c.rule.escalate_every.in_days();
  if (!days || c.schedule.empty()) return;
  const DayNumber first = cal.day_of(c.started_at);
  const DayNumber last = cal.day_of(*std::max_element(c.schedule.begin(), c.schedule.end()) - Seconds(1));
  for (DayNumber d = first + 1; d <= last && x.working_days.size() <= kMaxListedDays; ++d)
    if (cal.is_working_day(d)) x.working_days.push_back(BusinessCalendar::to_date(d));
  if (x.working_days.size() > kMaxListedDays) x.working_days.clear();
  auto in_range = [&](const Date& d) {
    const DayNumber n = BusinessCalendar::to_day_number(d);
    return n >= first && n <= last;
  };
  for (const Date& d : cal.holidays())
    if (in_range(d) && !cal.is_weekend(BusinessCalendar::weekday_of(BusinessCalendar::to_day_number(d))))
      x.holidays.push_back(d);
  for (const Date& d : cal.workdays())
    if (in_range(d) && cal.is_weekend(BusinessCalendar::weekday_of(BusinessCalendar::to_day_number(d))))
      x.makeup_days.push_back(d);
}

void list_dates(std::ostream& out, const std::vector<Date>& days) {
  for (std::size_t i = 0; i < days.size(); ++i) out << (i ? " " : "") << format_date(days[i]);
}

}  // namespace

const DeadlineStep* DeadlineExplanation::step(EventType type, int level) const {
  for (const DeadlineStep& s : steps)
    if (s.type == type && (type != EventType::escalated || s.level == level)) return &s;
  return nullptr;
}

DeadlineExplanation explain_deadlines(const StageClock& clock, const BusinessCalendar& calendar) {
  DeadlineExplanation x;
  x.stage = clock.stage;
  x.started_at = clock.started_at;
  x.rule = clock.rule;
  x.limit = clock.limit;
  x.extended = clock.extended;
  x.stopped_at = clock.stopped_at;
  if (clock.schedule.size() < 2) return x;  // no schedule: nothing to explain
  if (clock.limit.in_days()) day_steps(clock, x);
  else elapsed_steps(clock, x);
  for (std::size_t i = 0; i < x.steps.size(); ++i) x.steps[i].fired = i < clock.next_step;
  days_between(clock, calendar, x);
  return x;
}

std::string DeadlineExplanation::describe(UtcOffset offset) const {
  std::ostringstream out;
  out << to_string(stage) << " clock started " << format_instant(started_at, offset) << ": rule "
      << describe_span(rule.limit) << ", warning " << describe_span(rule.warn_before) << " before, escalation every "
      << describe_span(rule.escalate_every) << " up to level " << rule.max_level;
  // The limit grows by the working days (or time) a clock was stopped and by `extend`.
  if (limit != rule.limit)
    out << "; limit now " << describe_span(limit) << (extended ? " (stops and the extension)" : " (stops)");
  if (stopped_at) out << "; stopped since " << format_instant(*stopped_at, offset);
  out << '\n';
  for (const DeadlineStep& s : steps) {
    std::string name = std::string(to_string(s.type));
    if (s.type == EventType::escalated) name += " " + std::to_string(s.level);
    out << "  " << format_instant(s.at, offset) << "  " << name << " — " << s.why << (s.fired ? " (fired)" : "")
        << '\n';
  }
  if (!working_days.empty()) {
    out << "  working days counted: ";
    list_dates(out, working_days);
    out << '\n';
  }
  if (!holidays.empty()) {
    out << "  holidays in between: ";
    list_dates(out, holidays);
    out << '\n';
  }
  if (!makeup_days.empty()) {
    out << "  make-up working days (调休) in between: ";
    list_dates(out, makeup_days);
    out << '\n';
  }
  std::string s = out.str();
  if (!s.empty()) s.pop_back();
  return s;
}

nlohmann::json to_json(const DeadlineExplanation& x, UtcOffset offset) {
  auto dates = [](const std::vector<Date>& days) {
    nlohmann::json a = nlohmann::json::array();
    for (const Date& d : days) a.push_back(format_date(d));
    return a;
  };
  nlohmann::json steps = nlohmann::json::array();
  for (const DeadlineStep& s : x.steps)
    steps.push_back({{"event", to_string(s.type)},
                     {"level", s.level},
                     {"at", format_instant(s.at, offset)},
                     {"working_day", s.working_day ? nlohmann::json(*s.working_day) : nlohmann::json(nullptr)},
                     {"fired", s.fired},
                     {"why", s.why}});
  return {{"stage", to_string(x.stage)},
          {"started_at", format_instant(x.started_at, offset)},
          {"rule", x.rule},
          {"limit", x.limit},
          {"extended", x.extended},
          {"stopped_at", x.stopped_at ? nlohmann::json(format_instant(*x.stopped_at, offset)) : nlohmann::json(nullptr)},
          {"steps", std::move(steps)},
          {"working_days", dates(x.working_days)},
          {"holidays", dates(x.holidays)},
          {"makeup_days", dates(x.makeup_days)}};
}

}  // namespace fengqiao
