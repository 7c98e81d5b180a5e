// Statistics of a county center (LIFECYCLE.md "What users measure"), computed from the
// cases and their histories in any Storage.
//
// Definitions (the article's figures; written down because they are choices):
//   received        every registered case (接待, visits that became a record)
//   accepted        received minus declined (受理)
//   resolution rate resolved / concluded, over cases that reached a conclusion (化解率);
//                   a case counts with its latest outcome
//   online, field   registrations by channel `online`, and by `grid` + `station` (field leads)
//   on-time rate    per stage: stage clocks that ended (by an action) before their deadline
//                   / all stage clocks that ended; a clock is late if its deadline came while
//                   it ran: it fired deadline_overdue, or an action ran it again already
//                   overdue (that event's supervision_after; events stored without it count
//                   by deadline_overdue alone)
//   satisfaction    satisfied + basic follow-ups / all follow-ups
//   resolution rate over accepted   resolved / accepted (the article's "625 of 629")
//   per department, per assignee    a case counts for its lead org and its assignee as they
//                   are now ("(none)" when it has none); its stages and follow-ups with it
//   visits          every visit recorded in the period (接待群众), by kind and by channel;
//                   field leads = visits of kind `lead` (苗头性线索)
//   repeat visits   visits whose party came before in the period: a party is known by its
//                   id_number, else by its phone (parties with neither are never repeats);
//                   a visit counts once however many of its parties came before
//   half month      半月通报: "2025-09 H1" is the 1st to the 15th, "2025-09 H2" the 16th to
//                   the month's end, of registration in the report's offset
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/storage.hpp"

namespace fengqiao {

// The counts of one group of cases (all of them, one department, one month, ...).
struct Tally {
  std::uint64_t received = 0;
  std::uint64_t accepted = 0;
  std::uint64_t concluded = 0;   // cases whose latest outcome is set
  std::uint64_t resolved = 0;
  std::uint64_t referred = 0;
  std::uint64_t declined = 0;
  std::uint64_t withdrawn = 0;
  std::uint64_t closed = 0;
  std::uint64_t open = 0;
  std::uint64_t warnings = 0;
  std::uint64_t overdues = 0;
  std::uint64_t escalations = 0;
  std::uint64_t supervision_orders = 0;
  std::uint64_t reopened = 0;    // reopenings (a case reopened twice counts twice)
  std::uint64_t follow_ups = 0;
  std::uint64_t satisfied = 0;   // satisfied + basic follow-ups
  std::uint64_t stages_ended = 0;    // stage clocks ended by an action, all stages
  std::uint64_t stages_on_time = 0;  // of those, ended before their deadline

  // The rates (0 when the denominator is 0): resolved of concluded (化解率), resolved of
  // accepted, satisfied of followed up, stage clocks ended on time of ended.
  double resolution_rate() const { return concluded ? double(resolved) / double(concluded) : 0.0; }
  double resolution_rate_over_accepted() const { return accepted ? double(resolved) / double(accepted) : 0.0; }
  double satisfaction_rate() const { return follow_ups ? double(satisfied) / double(follow_ups) : 0.0; }
  double on_time_rate() const { return stages_ended ? double(stages_on_time) / double(stages_ended) : 0.0; }
};

// How many clocks of one stage ended, and how many of them before their deadline.
struct StageTimeliness {
  std::uint64_t ended = 0;
  std::uint64_t on_time = 0;
  // on_time of ended (0 when none ended).
  double rate() const { return ended ? double(on_time) / double(ended) : 0.0; }
};

// The center's statistics over a period (compute_report), in every breakdown the
// tool prints.
struct Report {
  std::optional<Instant> from, to;   // registration period covered; none = all
  Tally total;
  std::uint64_t online = 0;
  std::uint64_t field = 0;
  std::uint64_t resolved_on_spot = 0;
  std::uint64_t emergencies = 0;
  std::uint64_t follow_ups = 0;
  std::uint64_t satisfied = 0;       // satisfied + basic
  std::array<StageTimeliness, enum_count<Stage>> stages{};  // indexed by Stage

  std::map<std::string, Tally> by_department;    // lead org ("(none)" when never dispatched)
  std::map<std::string, Tally> by_channel;
  std::map<std::string, Tally> by_category;
  std::map<std::string, Tally> by_route;         // "(none)" when never dispatched
  std::map<std::string, Tally> by_jurisdiction;  // the case's own (last) path element
  std::map<std::string, Tally> by_month;         // "2025-09", month of registration in the offset
  std::map<std::string, Tally> by_half_month;    // "2025-09 H1" / "2025-09 H2"
  std::map<std::string, Tally> by_assignee;      // the case's assignee, "(none)" when it has none

  // Visits recorded in the period (by their own instant).
  std::uint64_t visits = 0;
  std::uint64_t field_leads = 0;                 // visits of kind `lead`
  std::uint64_t repeat_visits = 0;
  std::map<std::string, std::uint64_t> visits_by_kind;
  std::map<std::string, std::uint64_t> visits_by_channel;

  // satisfied of followed up (0 when none was).
  double satisfaction_rate() const { return follow_ups ? double(satisfied) / double(follow_ups) : 0.0; }
  // A plain-text report, rates as percentages with two decimals.
  std::string to_text(std::size_t top = 10) const;
  nlohmann::json to_json() const;
};

// Which cases and visits a report covers.
struct ReportOptions {
  std::optional<Instant> from;  // cases registered at or after; Default: none
  std::optional<Instant> to;    // cases registered before; Default: none
                                // (visits: recorded in [from, to), by their own instant)
  UtcOffset offset;             // for month buckets; Default: +08:00
  // Only the cases of one department (lead org; "(none)" = never dispatched), under a
  // jurisdiction (the case's path starts with these elements), of one channel, of one
  // category. Default: all. Visits: a channel filter keeps those of the channel; a
  // department, jurisdiction or category filter keeps only visits linked to a case it keeps.
  std::optional<std::string> department;
  std::vector<std::string> jurisdiction;
  std::optional<Channel> channel;
  std::optional<std::string> category;

  // Whether the case passes the filters above (the period included).
  bool keeps(const Case& c) const;
};

// Reads every case and its events (O(total events)).
Result<Report> compute_report(const Storage& storage, const ReportOptions& options = {});

}  // namespace fengqiao
