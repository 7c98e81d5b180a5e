// A case's life as a picture (issue 14): its lifecycle states as bars along a time axis,
// each stage clock drawn against its deadline, the times a clock stood still (the handling
// clock held during a consultation, any clock while suspended) shaded, and every event of
// its history as a mark: warnings, overdue and escalations stand out from the actions.
//
//   auto svg = fengqiao::timeline_svg(fengqiao::build_timeline(engine.get(id), engine.history(id),
//                                                               engine.configuration_history()));
//
// The clocks are not stored with the events (a snapshot keeps only the current one and the
// held one), so build_timeline runs the case's events through the lifecycle machine again,
// with the configuration that was in force at each event, to see every clock the case ran.
// `fengqiao timeline CASE` writes it for a case of a store or a history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fengqiao/calendar.hpp"
#include "fengqiao/case.hpp"
#include "fengqiao/configuration.hpp"
#include "fengqiao/deadline_explanation.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/vocabulary.hpp"

namespace fengqiao {

// A stretch of time the case spent in one lifecycle state with one supervision region.
struct TimelineBar {
  State state = State::registered;
  Supervision supervision = Supervision::on_track;
  int level = 0;     // escalated: the level; 0 otherwise
  Instant from{};
  Instant to{};
  bool open = false;  // the case is still in it where the timeline ends
};

// A time a stage clock stood still (LIFECYCLE.md "Stopped clocks").
struct TimelinePause {
  Stage stage = Stage::handling;   // the clock that stopped
  State because = State::suspended;  // the state that stopped it: consulting or suspended
  Instant from{};
  Instant to{};
  bool open = false;  // still stopped where the timeline ends
};

// One stage clock, from the event that started it to the one that discarded it (its stage
// was left, or the case closed), with its schedule as it last stood: a stop or an
// extension moves the deadline, so the one it started with is kept beside it.
struct TimelineClock {
  Stage stage = Stage::dispatch;
  Instant started_at{};
  Instant ended_at{};       // discarded then, or the timeline's end while it still exists
  bool open = false;        // still the case's clock (running, stopped or held) at the end
  Instant first_deadline{}; // the deadline when it started
  // Its last schedule and why each instant falls where it does: steps[1] is the deadline.
  DeadlineExplanation explanation;

  // The deadline as it last stood (the explanation's deadline_overdue step).
  Instant deadline() const;
};

// One event of the case's history. Only what a picture may show: the action or event kind,
// its actor and, for a few actions, the org or amount it names; never the parties'
// personal data, summaries or free text.
struct TimelineMark {
  std::uint64_t seq = 0;
  Instant at{};
  EventType type = EventType::action;
  std::optional<Action> action;  // type == action
  std::optional<Actor> actor;    // type == action
  std::optional<Stage> stage;    // engine events: the clock that fired
  int level = 0;                 // escalated: the level reached
  State state_after = State::registered;
  std::string what;    // "dispatch", "deadline_overdue handling", "escalated handling level 2"
  std::string detail;  // "lead justice_xilinji", "5 working days", "" (for an action's data)
};

// Everything a timeline picture shows, in instants; timeline_svg draws it.
struct Timeline {
  std::string case_id;
  std::string category;
  Urgency urgency = Urgency::normal;
  State state = State::registered;  // the snapshot's
  UtcOffset offset;                 // the offset instants are written in
  BusinessCalendar calendar;        // the one in force at the end: its days off are shaded
  Instant from{};                   // the first event
  Instant until{};                  // where open bars, pauses and clocks end
  std::vector<TimelineBar> bars;    // in time order
  std::vector<TimelinePause> pauses;
  std::vector<TimelineClock> clocks;  // in the order they started
  std::vector<TimelineMark> marks;    // one per event, in seq order
  // Empty, or why the clocks may not be those the case ran: an event the machine refused
  // or placed elsewhere under the configuration given (bars and marks come from the
  // events themselves and are always complete).
  std::string caveat;
};

// How build_timeline draws the case's present.
struct TimelineOptions {
  // Where the picture of an open case ends: its state, a running clock and a pause last
  // until then (an instant before its last event counts as that event's). Default, and
  // always for a closed or withdrawn case: its last event.
  std::optional<Instant> until;
};

// The timeline of one case from its events (all of them, seq 1 on, as Engine::history or
// Storage::read_events give them) and its snapshot (for its category, urgency and state).
// `configuration` is the configuration history oldest first (Engine::configuration_history,
// Storage::read_configurations): the first record is in force from the case's start, each
// later one from its instant; empty means the defaults (BusinessCalendar(),
// DeadlineRules()). With only the configuration in force, clocks started before a rules
// change are drawn with the newer rules (Timeline::caveat says so when an event falls
// elsewhere than the machine expects).
// Failure (throws Exception, invalid_data): no events, or events of another case than the
// snapshot's.
Timeline build_timeline(const Case& snapshot, const std::vector<Event>& events,
                        const std::vector<ConfigRecord>& configuration, const TimelineOptions& options = {});

// The timeline as a standalone SVG 1.1 document (UTF-8): a row per lifecycle state the case
// was in, bars coloured by the supervision region, each clock's allowance from its start to
// its deadline with a marker at the deadline (class "deadline", and "first-deadline" where
// it started when a stop or an extension moved it), pauses as hatched rects (class
// "pause"), and a mark per event (class "event") whose `title` element names the event, its
// instant and its actor; under the chart, the events as a numbered list. Every text is
// escaped for XML, and bytes that XML cannot carry become U+FFFD.
std::string timeline_svg(const Timeline& timeline);

}  // namespace fengqiao
