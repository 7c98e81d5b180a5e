// Deadline rules: the limits, warnings and escalation ladder of every stage clock,
// overridable per stage, urgency and category (LIFECYCLE.md "Deadline rules").
//
// The JSON schema (all keys optional; absent means the spec's default) is documented in
// docs/RULES.md. A clock captures its resolved rule when it starts, so changing the
// rules affects clocks started afterwards, never a running one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fengqiao/error.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/vocabulary.hpp"

namespace fengqiao {

// A length of time as the rules count it: working days, or elapsed seconds
// (written in JSON as {"working_days":n}, {"hours":n} or {"minutes":n}).
struct Span {
  // Working days on the calendar, or elapsed seconds.
  enum class Unit : std::uint8_t { working_days, seconds };
  Unit unit = Unit::working_days;
  std::int64_t amount = 0;

  // A span of n working days, hours, minutes or seconds; whether it counts working days;
  // the same unit and amount.
  static constexpr Span working_days(std::int64_t n) { return Span{Unit::working_days, n}; }
  static constexpr Span hours(std::int64_t n) { return Span{Unit::seconds, n * 3600}; }
  static constexpr Span minutes(std::int64_t n) { return Span{Unit::seconds, n * 60}; }
  static constexpr Span seconds(std::int64_t n) { return Span{Unit::seconds, n}; }
  constexpr bool in_days() const { return unit == Unit::working_days; }
  friend constexpr bool operator==(const Span& a, const Span& b) { return a.unit == b.unit && a.amount == b.amount; }
  friend constexpr bool operator!=(const Span& a, const Span& b) { return !(a == b); }
};

// The resolved rule of one stage clock for one urgency (and maybe one category).
struct StageRule {
  Span limit;                // deadline distance from the clock's start
  Span warn_before;          // default: 2 working days when limit >= 5 working days, else 1; limit/4 when elapsed
  Span escalate_every;       // default: 3 working days; urgent 1 working day; emergency 2 hours
  int max_level = 3;         // highest escalation level, automatic or by `supervise`
  Span max_extension;        // what one `extend` may add; default 15 working days, or 120 hours for elapsed limits
};

// The stage clocks' rules (LIFECYCLE.md "Deadline rules"): limits, warnings and the
// escalation ladder per stage and urgency, overrides per category, the reopen window and the
// one-time notices. The defaults are the contract's table.
class DeadlineRules {
 public:
  // The defaults of LIFECYCLE.md's table.
  DeadlineRules();

  // Overrides on top of the defaults, e.g.
  //   {"stages":{"handling":{"urgent":{"limit":{"working_days":3}}}},
  //    "categories":{"labour_wage":{"stages":{"handling":{"normal":{"limit":{"working_days":10}}}}}}}
  // A malformed or contradictory document is invalid_config; the message names the key
  // path and the reason (unknown stage, negative limit, warn_before > limit, ...).
  static Result<DeadlineRules> from_json(const nlohmann::json& overrides);
  // The overrides given (not the resolved table); from_json(to_json()) is the same rules.
  nlohmann::json to_json() const;

  // The rule a clock of `stage` uses for a case of this urgency and category.
  const StageRule& rule(Stage stage, Urgency urgency, std::string_view category) const;
  // How long after `closed` a `reopen` is allowed. Default 30 days of 24 hours.
  Seconds reopen_window(std::string_view category) const;
  // The one-time notice (一次性告知) for a category: what the party must bring or do
  // (LIFECYCLE.md "Contract version 2"). The category's own entry, else the "*" entry,
  // else nothing. Default: {"*": [identity document, written account, evidence held]}.
  const std::vector<std::string>& notice(std::string_view category) const;

  struct Table;  // opaque: the resolved rules of one category (or the base)

 private:
  std::shared_ptr<const Table> base_;
  std::map<std::string, std::shared_ptr<const Table>, std::less<>> by_category_;
  std::shared_ptr<const std::map<std::string, std::vector<std::string>, std::less<>>> notices_;
  std::shared_ptr<const nlohmann::json> source_;
};

// {"working_days":n} | {"hours":n} | {"minutes":n} | {"seconds":n}. from_json throws
// fengqiao::Exception with ErrorCode::invalid_config on anything else (a missing key, a
// value of the wrong JSON type included), its message naming the field; never one of
// nlohmann's exception types. These from_json read configuration, so they also refuse an
// amount above 100000 of its unit, as DeadlineRules does (docs/RULES.md). A clock in a
// case snapshot is read without that bound (case.hpp): its limit grows by every stop.
void to_json(nlohmann::json& j, const Span& s);
void from_json(const nlohmann::json& j, Span& s);
void to_json(nlohmann::json& j, const StageRule& r);
void from_json(const nlohmann::json& j, StageRule& r);

}  // namespace fengqiao
