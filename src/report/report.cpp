#include "fengqiao/report.hpp"

#include "fengqiao/action_table.hpp"

// fmt pads by display width: an East Asian wide character (a Chinese department name)
// counts two columns, so columns stay aligned where printf's %-28s counted bytes. It is
// compiled in header-only (src/CMakeLists.txt), so the core's users do not link fmt.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

namespace fengqiao {
namespace {

void add_case(Tally& t, const Case& c) {
  ++t.received;
  if (c.outcome != Outcome::declined) ++t.accepted;
  if (c.outcome) {
    ++t.concluded;
    if (*c.outcome == Outcome::resolved) ++t.resolved;
    if (*c.outcome == Outcome::referred) ++t.referred;
    if (*c.outcome == Outcome::declined) ++t.declined;
  }
  if (c.state == State::withdrawn) ++t.withdrawn;
  if (c.state == State::closed) ++t.closed;
  if (is_open(c.state)) ++t.open;
  t.warnings += c.record.warnings;
  t.overdues += c.record.overdues;
  t.escalations += c.record.escalations;
  t.supervision_orders += c.record.supervision_orders;
  t.reopened += c.reopened;
}

// The month ("2025-09") and the half month of 半月通报 ("2025-09 H1": the 1st to the 15th,
// "2025-09 H2": the 16th to the month's end) of an instant, from one formatting of it.
std::pair<std::string, std::string> month_and_half_of(Instant t, UtcOffset offset) {
  const std::string day = format_instant(t, offset);  // "YYYY-MM-DDThh:mm:ss..."
  std::string month = day.substr(0, 7);
  std::string half = month + (day.compare(8, 2, "15") <= 0 ? " H1" : " H2");
  return {std::move(month), std::move(half)};
}

// What a case adds beyond its snapshot: its scored stages and its follow-ups.
void add_history(Tally& t, const std::array<StageTimeliness, enum_count<Stage>>& stages, std::uint64_t follow_ups,
                 std::uint64_t satisfied) {
  for (const StageTimeliness& s : stages) {
    t.stages_ended += s.ended;
    t.stages_on_time += s.on_time;
  }
  t.follow_ups += follow_ups;
  t.satisfied += satisfied;
}

// Walks a case's events and scores each stage clock that an action ended: late if its
// deadline came while it ran. Usually deadline_overdue shows that; but a clock whose
// deadline passed while it was stopped runs again already overdue, and its re-evaluation
// emits nothing (LIFECYCLE.md "Re-evaluation": instants <= t emit nothing). The event of
// the action that ran it again then carries supervision_after == overdue, and only a
// passed deadline leads there: a fresh clock starts on_track, `supervise` leads to
// escalated. Events stored without supervision_after fall back to deadline_overdue
// alone (docs/DESIGN.md "Report"). What an action does to the clock is the
// action table's (ClockEffect of the row taken), so a reopened case's new handling clock
// is scored on its own and a withdrawn case's stage, which did not end, is not scored.
class StageScorer {
 public:
  explicit StageScorer(std::array<StageTimeliness, enum_count<Stage>>& out) : out_(out) {}

  void on(const Event& e, std::optional<Stage> stage_before) {
    if (e.type == EventType::action && e.action) apply_clock_effect(e, stage_before);
    // After the clock effect: the region is the clock's that runs once the event applied
    // (the handling clock again after end_consultation, a fresh one after a start).
    if (e.type == EventType::deadline_overdue || e.supervision_after == Supervision::overdue) late_ = true;
  }

 private:
  void apply_clock_effect(const Event& e, std::optional<Stage> stage_before) {
    const ActionSpec& spec = spec_of(*e.action);
    const int row = spec.row_index(state_, e.state_after);
    state_ = e.state_after;
    switch (row < 0 ? ClockEffect::none : spec.rows[static_cast<std::size_t>(row)].clock) {
      case ClockEffect::none:
      case ClockEffect::stop:
      case ClockEffect::resume:
      case ClockEffect::extend: return;  // the same clock goes on being scored
      case ClockEffect::discard: late_ = false; return;
      case ClockEffect::hold_and_start:  // the handling clock waits, with its lateness
        held_late_ = late_;
        late_ = false;
        return;
      case ClockEffect::resume_held:  // the consulting clock ends; the handling clock goes on
        score(stage_before);
        late_ = held_late_;
        return;
      case ClockEffect::start:
      case ClockEffect::end:
        score(stage_before);
        late_ = false;
        return;
    }
  }

  void score(std::optional<Stage> stage) {
    if (!stage) return;
    auto& s = out_[static_cast<std::size_t>(*stage)];
    ++s.ended;
    if (!late_) ++s.on_time;
  }

  std::array<StageTimeliness, enum_count<Stage>>& out_;
  std::optional<State> state_;  // none before `register`
  bool late_ = false;
  bool held_late_ = false;
};

std::string percent(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * r);
  return buf;
}

void breakdown(std::string& out, const char* title, const std::map<std::string, Tally>& m, std::size_t top) {
  std::vector<std::pair<std::string, Tally>> rows(m.begin(), m.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.received > b.second.received; });
  fmt::format_to(std::back_inserter(out),
                 "\n{} (received / resolved / resolution rate / overdue / escalated / on time / satisfied)\n", title);
  for (std::size_t i = 0; i < rows.size() && i < top; ++i) {
    const auto& [name, t] = rows[i];
    fmt::format_to(std::back_inserter(out), "  {:<28} {:>6} {:>6} {:>8} {:>6} {:>6} {:>8} {:>8}\n", name, t.received,
                   t.resolved, percent(t.resolution_rate()), t.overdues, t.escalations, percent(t.on_time_rate()),
                   percent(t.satisfaction_rate()));
  }
  if (rows.size() > top) fmt::format_to(std::back_inserter(out), "  ... {} more\n", rows.size() - top);
}

nlohmann::json tally_json(const Tally& t) {
  return {{"received", t.received},       {"accepted", t.accepted},
          {"concluded", t.concluded},     {"resolved", t.resolved},
          {"referred", t.referred},       {"declined", t.declined},
          {"withdrawn", t.withdrawn},     {"closed", t.closed},
          {"open", t.open},               {"warnings", t.warnings},
          {"overdues", t.overdues},       {"escalations", t.escalations},
          {"supervision_orders", t.supervision_orders}, {"reopened", t.reopened},
          {"follow_ups", t.follow_ups},   {"satisfied", t.satisfied},
          {"stages_ended", t.stages_ended}, {"stages_on_time", t.stages_on_time},
          {"resolution_rate", t.resolution_rate()},
          {"resolution_rate_over_accepted", t.resolution_rate_over_accepted()},
          {"satisfaction_rate", t.satisfaction_rate()},
          {"on_time_rate", t.on_time_rate()}};
}

nlohmann::json map_json(const std::map<std::string, Tally>& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, t] : m) j[k] = tally_json(t);
  return j;
}


// Visits in [from, to), a page at a time: counts by kind and channel, and repeats.
// `kept_cases`: when a case filter is set, only visits linked to one of these count.
Status add_visits(const Storage& storage, const ReportOptions& options, const std::set<std::string>* kept_cases,
                  Report& r) {
  std::vector<Visit> all;
  VisitQuery q;
  q.from = options.from;
  q.to = options.to;
  q.channel = options.channel;
  q.limit = 1000;
  for (;;) {
    auto page = storage.visits(q);
    if (!page) return page.error();
    if (page->empty()) break;
    q.after_id = page->back().id;
    for (const Visit& v : *page)
      if (!kept_cases || (v.case_id && kept_cases->count(*v.case_id))) all.push_back(v);
  }
  // Repeats are judged in the order the visits happened.
  std::sort(all.begin(), all.end(), [](const Visit& a, const Visit& b) { return std::tie(a.at, a.id) < std::tie(b.at, b.id); });
  std::set<std::string> seen;  // "id:<id_number>" or "phone:<phone>"
  for (const Visit& v : all) {
    ++r.visits;
    ++r.visits_by_kind[std::string(to_string(v.kind))];
    ++r.visits_by_channel[std::string(to_string(v.channel))];
    if (v.kind == VisitKind::lead) ++r.field_leads;
    bool repeat = false;
    for (const Party& p : v.parties) {
      const std::string key = !p.id_number.empty() ? "id:" + p.id_number : !p.phone.empty() ? "phone:" + p.phone : "";
      if (key.empty()) continue;
      if (!seen.insert(key).second) repeat = true;
    }
    if (repeat) ++r.repeat_visits;
  }
  return Status::success();
}

}  // namespace

Result<Report> compute_report(const Storage& storage, const ReportOptions& options) {
  Report r;
  r.from = options.from;
  r.to = options.to;
  Status failure;
  const bool case_filter = options.department || !options.jurisdiction.empty() || options.category;
  std::set<std::string> kept_cases;  // for the visits, when a case filter is set
  Status walked = for_each_case(storage, CaseQuery{}, [&](const Case& c) {
    if (!options.keeps(c)) return true;
    if (case_filter) kept_cases.insert(c.id);
    const auto [month, half_month] = month_and_half_of(c.registered_at, options.offset);
    const std::array<Tally*, 9> tallies = {&r.total,
                                   &r.by_department[c.lead.value_or("(none)")],
                                   &r.by_channel[std::string(to_string(c.channel))],
                                   &r.by_category[c.category],
                                   &r.by_route[c.route ? std::string(to_string(*c.route)) : "(none)"],
                                   &r.by_jurisdiction[c.jurisdiction.empty() ? "(none)" : c.jurisdiction.back()],
                                   &r.by_month[month],
                                   &r.by_half_month[half_month],
                                   &r.by_assignee[c.assignee.value_or("(none)")]};
    for (Tally* t : tallies) add_case(*t, c);
    if (c.channel == Channel::online) ++r.online;
    if (c.channel == Channel::grid || c.channel == Channel::station) ++r.field;
    if (c.urgency == Urgency::emergency) ++r.emergencies;

    std::array<StageTimeliness, enum_count<Stage>> stages{};
    std::uint64_t follow_ups = 0, satisfied = 0;
    StageScorer scorer(stages);
    std::optional<Stage> stage;  // the stage clock running before each event
    failure = storage.read_events(c.id, 1, [&](const Event& e) {
      if (e.action == Action::resolve_on_spot) ++r.resolved_on_spot;
      if (e.action == Action::follow_up) {
        ++follow_ups;
        const std::string sat = e.data.value("satisfaction", std::string());
        if (sat == "satisfied" || sat == "basic") ++satisfied;
      }
      // While suspended the stage is the one suspended from.
      scorer.on(e, stage);
      if (e.type == EventType::action && e.state_after != State::suspended) stage = stage_of(e.state_after);
      return true;
    });
    for (std::size_t i = 0; i < stages.size(); ++i) {
      r.stages[i].ended += stages[i].ended;
      r.stages[i].on_time += stages[i].on_time;
    }
    r.follow_ups += follow_ups;
    r.satisfied += satisfied;
    for (Tally* t : tallies) add_history(*t, stages, follow_ups, satisfied);
    return failure.ok();
  });
  if (!walked) return walked.error();
  if (!failure) return failure.error();
  if (Status s = add_visits(storage, options, case_filter ? &kept_cases : nullptr, r); !s) return s.error();
  return r;
}

bool ReportOptions::keeps(const Case& c) const {
  if (from && c.registered_at < *from) return false;
  if (to && !(c.registered_at < *to)) return false;
  if (department && c.lead.value_or("(none)") != *department) return false;
  if (jurisdiction.size() > c.jurisdiction.size() ||
      !std::equal(jurisdiction.begin(), jurisdiction.end(), c.jurisdiction.begin()))
    return false;
  if (channel && c.channel != *channel) return false;
  if (category && c.category != *category) return false;
  return true;
}

namespace {
std::uint64_t count_of(const std::map<std::string, std::uint64_t>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}
}  // namespace

std::string Report::to_text(std::size_t top) const {
  std::string out;
  // A figure: its label in a column of 33 display columns, then its values.
  auto figure = [&](std::string_view label, const std::string& values) {
    fmt::format_to(std::back_inserter(out), "{:<33}{}\n", label, values);
  };
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  auto ratio = [&](std::uint64_t a, std::uint64_t b, double r) { return n(a) + " / " + n(b) + " = " + percent(r); };
  figure("Visits received (接待群众)", n(visits) + " (claims " + n(count_of(visits_by_kind, "claim")) + ", inquiries " +
                                          n(count_of(visits_by_kind, "inquiry")) + ", field leads " + n(field_leads) +
                                          "; repeat visits " + n(repeat_visits) + ")");
  figure("Cases registered", n(total.received));
  figure("Disputes accepted (受理)", n(total.accepted));
  figure("Resolved / concluded (化解率)", ratio(total.resolved, total.concluded, total.resolution_rate()));
  figure("Resolved / accepted", ratio(total.resolved, total.accepted, total.resolution_rate_over_accepted()));
  figure("  of which resolved on the spot", n(resolved_on_spot));
  figure("Referred / declined / withdrawn", n(total.referred) + " / " + n(total.declined) + " / " + n(total.withdrawn));
  figure("Closed / still open", n(total.closed) + " / " + n(total.open));
  figure("Online claims", n(online));
  figure("Cases from the field (grid, stn)", n(field));
  figure("Emergencies", n(emergencies));
  figure("Warnings / overdue / escalations",
         n(total.warnings) + " / " + n(total.overdues) + " / " + n(total.escalations));
  figure("Supervision orders (督办)", n(total.supervision_orders));
  figure("Reopenings", n(total.reopened));
  figure("Satisfaction (satisfied+basic)", ratio(satisfied, follow_ups, satisfaction_rate()));
  out += "On-time rate per stage:\n";
  for (std::size_t s = 0; s < stages.size(); ++s)
    fmt::format_to(std::back_inserter(out), "  {:<12} {:>6} of {:>6}  {:>8}\n", to_string(static_cast<Stage>(s)),
                   stages[s].on_time, stages[s].ended, percent(stages[s].rate()));
  breakdown(out, "By department (lead org)", by_department, top);
  breakdown(out, "By channel", by_channel, top);
  breakdown(out, "By category", by_category, top);
  breakdown(out, "By route", by_route, top);
  breakdown(out, "By jurisdiction", by_jurisdiction, top);
  breakdown(out, "By month", by_month, top);
  breakdown(out, "By half month (半月通报)", by_half_month, top);
  breakdown(out, "By assignee", by_assignee, top);
  return out;
}

nlohmann::json Report::to_json() const {
  nlohmann::json visit_json = {{"received", visits},
                               {"field_leads", field_leads},
                               {"repeat", repeat_visits},
                               {"by_kind", visits_by_kind},
                               {"by_channel", visits_by_channel}};
  nlohmann::json stages_json = nlohmann::json::object();
  for (std::size_t s = 0; s < stages.size(); ++s)
    stages_json[std::string(to_string(static_cast<Stage>(s)))] = {
        {"ended", stages[s].ended}, {"on_time", stages[s].on_time}, {"rate", stages[s].rate()}};
  return {{"total", tally_json(total)},
          {"online", online},
          {"field", field},
          {"resolved_on_spot", resolved_on_spot},
          {"emergencies", emergencies},
          {"follow_ups", follow_ups},
          {"satisfied", satisfied},
          {"satisfaction_rate", satisfaction_rate()},
          {"on_time", stages_json},
          {"by_department", map_json(by_department)},
          {"by_channel", map_json(by_channel)},
          {"by_category", map_json(by_category)},
          {"by_route", map_json(by_route)},
          {"by_jurisdiction", map_json(by_jurisdiction)},
          {"by_month", map_json(by_month)},
          {"by_half_month", map_json(by_half_month)},
          {"by_assignee", map_json(by_assignee)},
          {"visits", std::move(visit_json)}};
}

}  // namespace fengqiao
