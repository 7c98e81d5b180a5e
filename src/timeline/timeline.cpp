// build_timeline: bars and marks straight from the events; the clocks by running the
// events through the lifecycle machine again (the snapshot keeps only the current clocks).
#include "fengqiao/timeline.hpp"

#include <algorithm>
#include <utility>

#include "deadline/stage_clock.hpp"
#include "lifecycle/machine.hpp"
#include "lifecycle/transition.hpp"

namespace fengqiao {

Instant TimelineClock::deadline() const {
  const DeadlineStep* step = explanation.step(EventType::deadline_overdue);
  return step ? step->at : first_deadline;
}

namespace {

// The events were accepted by whatever policy was in force when they happened; the
// picture must not judge them again.
class AcceptedAlready final : public AuthorizationPolicy {
 public:
  AuthorizationDecision decide(const AuthorizationRequest&) const override {
    return AuthorizationDecision::allow("timeline: recorded events were accepted");
  }
};

std::string text_of(const nlohmann::json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string joined(const nlohmann::json& data, const char* key) {
  std::string s;
  auto it = data.find(key);
  if (it == data.end() || !it->is_array()) return s;
  for (const auto& item : *it)
    if (item.is_string()) s += (s.empty() ? "" : ", ") + item.get<std::string>();
  return s;
}

std::string amount_of(const nlohmann::json& data) {
  for (const char* unit : {"days", "hours"}) {
    auto it = data.find(unit);
    if (it != data.end() && it->is_number_integer())
      return std::to_string(it->get<long long>()) + (std::string(unit) == "days" ? " working days" : " hours");
  }
  return {};
}

// What an action names that a picture may show: orgs, amounts, routes, satisfaction.
// Reasons, agreements, notes and parties are left out (free text may carry personal data).
std::string detail_of(const Event& e) {
  const nlohmann::json& d = e.data.is_object() ? e.data : nlohmann::json::object();
  auto labelled = [](const std::string& label, const std::string& value) {
    return value.empty() ? std::string() : label + " " + value;
  };
  switch (*e.action) {
    case Action::register_case: {
      std::string s = text_of(d, "channel");
      for (const char* key : {"category", "urgency"})
        if (!text_of(d, key).empty()) s += (s.empty() ? "" : ", ") + text_of(d, key);
      return s;
    }
    case Action::dispatch: {
      std::string s = labelled("lead", text_of(d, "lead"));
      if (!joined(d, "co").empty()) s += "; co " + joined(d, "co");
      return labelled("route", text_of(d, "route")) + (s.empty() ? "" : "; " + s);
    }
    case Action::transfer: return labelled("lead", text_of(d, "lead"));
    case Action::start_consultation: return labelled("orgs", joined(d, "orgs"));
    case Action::extend: return amount_of(d);
    case Action::resolve: return labelled("method", text_of(d, "method"));
    case Action::refer: return labelled("channel", text_of(d, "channel"));
    case Action::give_feedback: return labelled("medium", text_of(d, "medium"));
    case Action::follow_up: return text_of(d, "satisfaction");
    case Action::assign: return labelled("assignee", text_of(d, "assignee"));
    default: return {};
  }
}

TimelineMark mark_of(const Event& e) {
  TimelineMark m;
  m.seq = e.seq;
  m.at = e.at;
  m.type = e.type;
  m.state_after = e.state_after;
  if (e.type == EventType::action && e.action) {
    m.action = e.action;
    m.actor = e.actor;
    m.what = std::string(to_string(*e.action));
    m.detail = detail_of(e);
    return m;
  }
  m.stage = e.stage;
  m.level = e.level;
  m.what = std::string(to_string(e.type));
  if (e.stage) m.what += " " + std::string(to_string(*e.stage));
  if (e.type == EventType::escalated) m.what += " level " + std::to_string(e.level);
  if (!e.notified.empty()) {
    m.detail = "notified";
    for (std::size_t i = 0; i < e.notified.size(); ++i) m.detail += (i ? ", " : " ") + e.notified[i];
  }
  return m;
}

// A clock being followed through the fold, and the calendar its instants were last
// computed with (explain_deadlines needs the same one).
struct Followed {
  TimelineClock clock;
  StageClock last;
  BusinessCalendar calendar;
  std::optional<std::size_t> pause;  // index of its open pause
  bool active = true;
};

// Runs the events through the lifecycle machine, noting every clock the draft holds after
// each one: when it appears, how its schedule moves, when it stops and runs again, and when
// it is gone.
class ClockFold {
 public:
  ClockFold(const std::vector<ConfigRecord>& configuration, Timeline& t) : configuration_(configuration), t_(t) {
    if (!configuration_.empty()) {
      calendar_ = configuration_.front().calendar;
      rules_ = configuration_.front().rules;
    }
    draft_.id = t.case_id;
  }

  // Applies `e`; false once the machine could not follow (the caveat says why). A picture
  // of a damaged history is still drawn: whatever the machine throws stops the clocks only.
  bool apply(const Event& e) {
    if (stopped_) return false;
    try {
      return apply_unchecked(e);
    } catch (const std::exception& x) {
      return stop(e, x.what());
    }
  }

  const Case& draft() const { return draft_; }

  // The clocks still held at `until` stay open there.
  void finish(Instant until) {
    for (Followed& f : followed_) {
      if (!f.active) continue;
      f.clock.ended_at = std::max(until, f.clock.started_at);
      f.clock.open = true;
      if (f.pause) {
        t_.pauses[*f.pause].to = std::max(until, t_.pauses[*f.pause].from);
        t_.pauses[*f.pause].open = true;
      }
    }
    for (Followed& f : followed_) {
      f.clock.explanation = explain_deadlines(f.last, f.calendar);
      t_.clocks.push_back(std::move(f.clock));
    }
  }

 private:
  bool apply_unchecked(const Event& e) {
    apply_configuration_before(e);
    if (e.type == EventType::action) {
      if (!e.action || !e.actor) return stop(e, "it has no action or actor");
      static const nlohmann::json empty = nlohmann::json::object();
      detail::Transition tr{draft_, *e.action, *e.actor, e.data.is_object() ? e.data : empty, e.at,
                            calendar_, rules_, policy_, std::nullopt, {}};
      if (auto refusal = detail::run_action(tr)) return stop(e, "the machine refuses it: " + refusal->message);
    } else {
      if (!draft_.clock) return stop(e, "no clock runs");
      const ClockStep step{e.type, e.level, e.at};
      const std::size_t index = e.type == EventType::deadline_warning ? 0
                                : e.type == EventType::deadline_overdue ? 1
                                                                        : static_cast<std::size_t>(1 + e.level);
      const auto& schedule = draft_.clock->schedule;
      if (index >= schedule.size()) return stop(e, "its clock has no such step");
      if (schedule[index] != e.at && t_.caveat.empty())
        t_.caveat = "event #" + std::to_string(e.seq) + " fired at " + format_instant(e.at, t_.offset) +
                    "; the configuration given puts it at " + format_instant(schedule[index], t_.offset);
      std::vector<std::string> notified;
      detail::run_clock_step(draft_, step, notified);
    }
    follow(e.at);
    return true;
  }

  // A configuration line at t comes after the events due at t and before actions at t
  // (HISTORY-FORMAT.md); the first record is in force from the start.
  void apply_configuration_before(const Event& e) {
    while (next_config_ < configuration_.size()) {
      const ConfigRecord& r = configuration_[next_config_];
      if (r.at > e.at || (r.at == e.at && e.type != EventType::action)) break;
      ++next_config_;
      if (r.calendar_changed) {
        calendar_ = r.calendar;
        for (auto* c : {&draft_.clock, &draft_.held_clock})
          if (*c) detail::recompute_instants(**c, calendar_);
      }
      if (r.rules_changed) rules_ = r.rules;
    }
  }

  bool stop(const Event& e, const std::string& why) {
    stopped_ = true;
    t_.caveat = "the clocks after event #" + std::to_string(e.seq) + " (" + format_instant(e.at, t_.offset) +
                ") are not drawn: " + why;
    return false;
  }

  void follow(Instant at) {
    std::vector<bool> seen(followed_.size(), false);
    for (const auto* held : {&draft_.clock, &draft_.held_clock}) {
      if (!*held) continue;
      const StageClock& c = **held;
      auto it = std::find_if(followed_.begin(), followed_.end(), [&](const Followed& f) {
        return f.active && f.clock.stage == c.stage && f.clock.started_at == c.started_at;
      });
      if (it == followed_.end()) {
        Followed f;
        f.clock.stage = c.stage;
        f.clock.started_at = c.started_at;
        f.clock.first_deadline = c.schedule.size() > 1 ? c.deadline() : c.started_at;
        followed_.push_back(std::move(f));
        seen.push_back(false);
        it = followed_.end() - 1;
      }
      seen[static_cast<std::size_t>(it - followed_.begin())] = true;
      it->last = c;
      it->calendar = calendar_;
      if (c.stopped_at && !it->pause) {
        it->pause = t_.pauses.size();
        t_.pauses.push_back({c.stage, draft_.state, *c.stopped_at, *c.stopped_at, false});
      } else if (!c.stopped_at && it->pause) {
        t_.pauses[*it->pause].to = at;
        it->pause.reset();
      }
    }
    for (std::size_t i = 0; i < followed_.size(); ++i) {
      Followed& f = followed_[i];
      if (!f.active || seen[i]) continue;
      f.active = false;
      f.clock.ended_at = at;
      if (f.pause) t_.pauses[*f.pause].to = at;
      f.pause.reset();
    }
  }

  const std::vector<ConfigRecord>& configuration_;
  Timeline& t_;
  std::size_t next_config_ = 1;
  BusinessCalendar calendar_;
  DeadlineRules rules_;
  AcceptedAlready policy_;
  Case draft_;
  std::vector<Followed> followed_;
  bool stopped_ = false;
};

// Bars from the events' own states; the supervision region from the event where it
// carries it, else from the machine while it follows.
using Region = std::pair<Supervision, int>;

void add_bars(Timeline& t, const std::vector<Event>& events, const std::vector<std::optional<Region>>& after) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    TimelineBar bar{e.state_after, Supervision::on_track, 0, e.at, e.at, false};
    if (!t.bars.empty()) bar.supervision = t.bars.back().supervision, bar.level = t.bars.back().level;
    if (after[i]) bar.supervision = after[i]->first, bar.level = after[i]->second;
    if (e.supervision_after) bar.supervision = *e.supervision_after;
    if (e.type == EventType::escalated) bar.level = e.level;
    if (bar.supervision != Supervision::escalated) bar.level = 0;
    if (!t.bars.empty()) {
      TimelineBar& last = t.bars.back();
      last.to = e.at;
      if (last.state == bar.state && last.supervision == bar.supervision && last.level == bar.level) continue;
      if (last.from == last.to) t.bars.pop_back();  // left at the instant it was entered
    }
    t.bars.push_back(bar);
  }
  TimelineBar& last = t.bars.back();
  last.to = std::max(t.until, last.from);
  last.open = last.state != State::closed && last.state != State::withdrawn;
}

}  // namespace

Timeline build_timeline(const Case& snapshot, const std::vector<Event>& events,
                        const std::vector<ConfigRecord>& configuration, const TimelineOptions& options) {
  if (events.empty()) throw Exception(make_error(ErrorCode::invalid_data, "timeline: the case has no events"));
  for (const Event& e : events)
    if (e.case_id != snapshot.id)
      throw Exception(make_error(ErrorCode::invalid_data, "timeline: event #" + std::to_string(e.seq) + " is of case \"" +
                                                              e.case_id + "\", not \"" + snapshot.id + "\""));
  Timeline t;
  t.case_id = snapshot.id;
  t.category = snapshot.category;
  t.urgency = snapshot.urgency;
  t.state = snapshot.state;
  if (!configuration.empty()) t.calendar = configuration.back().calendar;
  t.offset = t.calendar.utc_offset();
  t.from = events.front().at;
  // A closed or withdrawn case has nothing running: months of `closed` would only squeeze
  // its story into a corner.
  const bool ended = snapshot.state == State::closed || snapshot.state == State::withdrawn;
  t.until = ended ? events.back().at : std::max(options.until.value_or(events.back().at), events.back().at);

  ClockFold fold(configuration, t);
  std::vector<std::optional<Region>> after;
  for (const Event& e : events) {
    t.marks.push_back(mark_of(e));
    if (fold.apply(e)) after.emplace_back(Region{fold.draft().supervision, fold.draft().level});
    else after.emplace_back();
  }
  fold.finish(t.until);
  add_bars(t, events, after);
  return t;
}

}  // namespace fengqiao
