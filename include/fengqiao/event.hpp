// Events: the append-only history of a case. A user's action and an engine-generated
// deadline event are both events; replaying a case's events reproduces its snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/case.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/vocabulary.hpp"

namespace fengqiao {

// One entry of a case's append-only history: an actor's action, or a deadline event the
// engine fired (warning, overdue, escalation). Never changed once stored.
struct Event {
  std::string case_id;
  std::uint64_t seq = 0;        // 1-based position in the case's history (= case version after it)
  Instant at{};
  EventType type = EventType::action;

  // type == action:
  std::optional<Action> action;
  std::optional<Actor> actor;
  nlohmann::json data = nlohmann::json::object();  // the action's data, as given

  // type != action:
  std::optional<Stage> stage;
  int level = 0;                // escalated: the level reached

  // Jurisdictions notified by this event, nearest first: the escalation target, or the
  // whole path for an emergency's registration.
  std::vector<std::string> notified;

  State state_after = State::registered;  // lifecycle state once the event applied

  // `register`: the one-time notice given to the party (the rules' notice of its category).
  std::vector<std::string> notice;

  // The supervision region once the event applied. It is how a reader of the history learns
  // that an action ran a clock again (`resume`, `end_consultation`) or extended it with
  // its deadline already passed: re-evaluation then puts the case in `overdue` and emits no
  // deadline_overdue (LIFECYCLE.md "Re-evaluation"). None in events stored before the
  // field existed. Not part of a history file's lines (HISTORY-FORMAT.md): replay derives it.
  std::optional<Supervision> supervision_after;

  // The event's link in its case's hash chain (fengqiao/chain.hpp, docs/CHAIN.md): SHA-256
  // over every field above and the previous event's hash, as 64 lowercase hex digits. Set
  // by the engine when it stores the event; storage adapters keep it as given. Not part of
  // what it hashes.
  std::string hash;
};

// from_json throws fengqiao::Exception on bad input, as for the value types of case.hpp.
void to_json(nlohmann::json& j, const Event& e);
void from_json(const nlohmann::json& j, Event& e);

}  // namespace fengqiao
