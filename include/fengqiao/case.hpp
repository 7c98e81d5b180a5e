// The case snapshot: everything the engine knows about one dispute now.
//
// A snapshot is a plain value. The engine produces it; storage adapters persist it
// (nlohmann/json `to_json`/`from_json` below give a complete, lossless form) and index
// the few fields queries need. Its history (the events that produced it) is separate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/rules.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/vocabulary.hpp"

namespace fengqiao {

// Who performs an action: a person with one role, working for one org
// (handlers are scoped to theirs; citizens use "public").
struct Actor {
  std::string id;
  Role role = Role::citizen;
  std::string org;
};

// A party to the dispute, as registered.
struct Party {
  std::string name;
  std::string id_number;  // empty when not given
  std::string phone;      // empty when not given
  std::string account;    // the party's citizen account id (may withdraw the case); empty when not given
};

// One step of a clock's schedule: step 0 is the warning, 1 the deadline (overdue),
// 1 + L the escalation to level L.
struct ClockStep {
  EventType type;
  int level;  // escalation level; 0 otherwise
  Instant at;
};

// A stage clock (LIFECYCLE.md "Deadline rules"). It captures its rule when it starts.
struct StageClock {
  Stage stage = Stage::dispatch;
  Instant started_at{};
  StageRule rule;                      // as resolved at start; never changes afterwards
  Span limit;                          // rule.limit, grown by stops and the extension
  bool extended = false;               // one `extend` per clock
  std::optional<Instant> stopped_at;   // set while the clock is stopped
  Instant armed_after{};               // instants at or before this emit nothing
  std::vector<Instant> schedule;       // schedule[step]: warning, deadline, escalation 1..max_level
  std::uint8_t next_step = 0;          // the first step not yet fired or passed

  // Not stopped; the deadline (schedule step 1) and the warning instant (step 0).
  bool running() const { return !stopped_at.has_value(); }
  Instant deadline() const { return schedule.at(1); }
  Instant warning_at() const { return schedule.at(0); }
};

// Counts kept for the statistics, whatever happens to the supervision region later.
struct SupervisionRecord {
  std::uint32_t warnings = 0;
  std::uint32_t overdues = 0;
  std::uint32_t escalations = 0;       // automatic escalation steps
  std::uint32_t supervision_orders = 0; // `supervise` actions
  int highest_level = 0;
};

// A case snapshot: everything the engine knows about one dispute after its latest event
// (the storage keeps it with the events; Engine::get returns it).
struct Case {
  std::string id;

  // Registration (综合登记).
  Channel channel = Channel::walk_in;
  std::string category;
  Urgency urgency = Urgency::normal;
  std::vector<std::string> jurisdiction;  // region first, e.g. {"daxinganling","mohe","xilinji"}
  std::vector<Party> parties;
  std::string summary;
  std::string first_responder;            // actor id of `register` (首问负责)
  std::vector<std::string> notice;        // the one-time notice (一次性告知) given at registration
  Instant registered_at{};

  // Routing (分流转办).
  std::optional<Route> route;
  std::optional<std::string> lead;        // lead org (主办); cleared by `return`
  std::vector<std::string> co_handlers;   // co-handler orgs (协办)
  std::vector<std::string> consultation_orgs;

  // Accountability and progress (contract version 2).
  std::optional<std::string> assignee;    // the named person of the lead org (承办人); cleared by return, transfer
  std::vector<std::string> involved_orgs; // every org ever named as lead, co-handler or consultation participant
  std::uint32_t notes = 0;                // accepted `note` actions

  // Lifecycle region.
  State state = State::registered;
  std::optional<State> suspended_from;    // while suspended: handling or consulting
  std::optional<Outcome> outcome;
  std::string resolution_method;          // how it was resolved ("on_spot", a route, ...); "" otherwise
  std::optional<Satisfaction> satisfaction;  // of the last follow-up
  std::uint32_t reopened = 0;
  std::optional<Instant> closed_at;
  // Until when `reopen` is allowed: closed_at + the reopen window of the rules in force
  // when the case closed (a later rules update does not move it). Absent on a case stored
  // before fengqiao kept it: then the rules in force decide.
  std::optional<Instant> reopen_until;

  // Supervision region.
  Supervision supervision = Supervision::on_track;
  int level = 0;                          // 0 unless escalated
  SupervisionRecord record;
  std::optional<StageClock> clock;        // the current stage's clock (stopped while suspended)
  std::optional<StageClock> held_clock;   // the handling clock, stopped while consulting

  std::uint64_t version = 0;              // number of events in the case's history
  Instant updated_at{};
  // The hash of the case's last event (fengqiao/chain.hpp): the head of its hash chain,
  // kept with the snapshot so that a verifier can tell a history that was cut short or
  // rechained from the one the engine wrote. Empty only for a case stored before fengqiao
  // kept the chain (and never migrated).
  std::string chain_head;

  // The current stage clock's deadline (the stopped clock's while suspended); none when
  // closed or withdrawn.
  std::optional<Instant> deadline() const;
  // The next engine event this case will emit if nothing else happens: its instant and
  // kind. None when no clock runs or every step has fired.
  std::optional<ClockStep> next_due() const;
  // The steps still to come, in firing order (what next_due() would return one by one).
  std::vector<ClockStep> upcoming() const;
};

// JSON for the value types. Every from_json below throws fengqiao::Exception with
// ErrorCode::invalid_data on bad input: a missing key, a value of the wrong JSON type, an
// unknown enum spelling, an instant that does not parse (the message names its field), a
// clock whose schedule does not fit its rule. The message names the type being read and
// the problem. A clock's rule or limit that is itself malformed gives invalid_config
// (rules.hpp); their amounts may be any the clock reached, beyond the rules' 100000 bound.
// None throws one of nlohmann's exception types.
void to_json(nlohmann::json& j, const Actor& a);
void from_json(const nlohmann::json& j, Actor& a);
void to_json(nlohmann::json& j, const Party& p);
void from_json(const nlohmann::json& j, Party& p);
void to_json(nlohmann::json& j, const StageClock& c);
void from_json(const nlohmann::json& j, StageClock& c);
void to_json(nlohmann::json& j, const SupervisionRecord& r);
void from_json(const nlohmann::json& j, SupervisionRecord& r);
// Complete and lossless: instants as ISO-8601 text in UTC, plus a human-readable "deadline".
void to_json(nlohmann::json& j, const Case& c);
void from_json(const nlohmann::json& j, Case& c);

}  // namespace fengqiao
