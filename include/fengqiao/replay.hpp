// Replay: run a recorded history on a fresh engine with a manual clock and check that the
// engine still does what the history says (HISTORY-FORMAT.md "Replay result").
//
//   std::ifstream in("tests/data/histories/01-closed-loop.jsonl");
//   auto result = fengqiao::replay(in);
//   CHECK_MESSAGE(result.clean(), result.describe());
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/deadline_explanation.hpp"
#include "fengqiao/storage.hpp"

namespace fengqiao {

// Where a replay keeps its cases, what it calls its input, how strict it is on hashes.
struct ReplayOptions {
  // Storage for the replayed cases. Default: a fresh MemoryStorage that keeps snapshots
  // but no events, so memory grows with the number of cases, not of lines. A store that
  // already keeps a configuration other than the header's is unexpected_error at line 1.
  std::shared_ptr<Storage> storage;
  // Label used in reports. Default: "<stream>".
  std::string source = "<stream>";
  // Every line that records an event (an action that succeeds, an engine event) must carry
  // its "hash" (docs/CHAIN.md): one without is a divergence. Off for replay, where hashes
  // are checked when present; on for verify.
  bool require_hashes = false;
  // Go on after a failure and report every one (ReplayResult::failures), as a test tool
  // wants; a malformed line (invalid_history) still ends the replay. A failure's line is
  // applied as far as it can be (a refused action stays refused), so later lines of the
  // same case may fail because of it. Default: stop at the first, as HISTORY-FORMAT.md says.
  bool keep_going = false;
  // Called with the number of lines read so far every `progress_every` lines (a long
  // replay's progress; the tool shows it on a terminal). Default: none.
  std::function<void(std::size_t lines)> on_progress;
  std::size_t progress_every = 10000;
};

// What went wrong, at which line.
struct ReplayFailure {
  // Which way the engine and the history disagree.
  enum class Kind {
    invalid_history,    // the input is unusable (exit code 2 in the tool)
    divergence,         // an engine event recorded but not regenerated, or the reverse, or different
    expectation,        // an `expect` key differs
    unexpected_error,   // an action was refused that the history says succeeds
    missing_error,      // an action succeeded, or failed with another code, than `expect_error` says
  };
  Kind kind = Kind::invalid_history;
  std::size_t line = 0;
  std::string case_id;
  std::string expected;  // what the history says
  std::string actual;    // what the engine did
  std::string message;   // one sentence joining the above

  // The same as structured values, for tools (null where there is nothing: no event
  // generated, none recorded, an invalid_history):
  //   an engine event   {"event":"escalated","stage":"handling","level":1,"at":"..."}
  //   an expectation    {"state":"handling"} (the key checked and its value; null = none)
  //   an action, visit or configuration line
  //                     {"action":"dispatch","by":"u7","result":"accepted"} or
  //                     {..,"result":"refused","error":{"code":"not_permitted","message":".."}}
  //   a hash            {"event_seq":3,"hash":"..."}
  // A divergence where the engine generated nothing by then has in `actual`
  // {"event":null,"next":{...the case's next event...}}.
  nlohmann::json expected_value;
  nlohmann::json actual_value;
  // A deadline divergence (an engine event, or an expected `deadline`): the case's stage
  // clock in the engine, its rule and the working days it counted.
  std::optional<DeadlineExplanation> explanation;
  UtcOffset offset;   // the history's, for the explanation's instants
  // Set when the calendar is the likely cause (the two instants differ by whole working
  // days across holidays or make-up days, or the history's falls at the end of a day the
  // engine's calendar does not work); "" otherwise.
  std::string hint;

  // {"kind":..,"line":..,"case":..|null,"expected":..,"actual":..,"message":..,
  //  "explanation":{...}|null,"hint":".."|null}
  nlohmann::json to_json() const;
};

// What a replay read and checked, and its failure if any.
struct ReplayResult {
  std::string source;
  std::size_t lines = 0;            // non-blank lines read, header included
  std::size_t cases = 0;            // distinct cases registered
  std::size_t actions = 0;          // action lines applied (refusals included)
  std::size_t visits = 0;           // visit lines applied (refusals included; version 2)
  std::size_t config_changes = 0;   // configuration lines applied (refusals included; version 2)
  std::size_t events_checked = 0;   // recorded engine events matched
  std::size_t expectations = 0;     // expect lines checked
  std::size_t hashes_checked = 0;   // lines whose "hash" the replayed event reproduced
  std::optional<ReplayFailure> failure;   // the first failure
  std::vector<ReplayFailure> failures;    // every failure (the first only, unless keep_going)

  // No failure: the engine did everything the history says.
  bool clean() const { return !failure.has_value(); }
  // A few lines a person can read.
  std::string describe() const;
  // {"source":..,"clean":..,"lines":..,...,"failure":{..}|null,"failures":[{..},..]}
  // (each failure as ReplayFailure::to_json)
  nlohmann::json to_json() const;
};

// The kind's spelling in reports and JSON ("divergence", ...).
std::string_view to_string(ReplayFailure::Kind kind) noexcept;

// Replays a history; stops at the first failure unless options.keep_going. A line's "hash" (docs/CHAIN.md) is
// compared with the hash of the event the replay stored for it: a difference is a
// divergence at that line (the event, or one before it in its case, is not what was
// chained).
ReplayResult replay(std::istream& in, const ReplayOptions& options = {});

namespace history {
// Verifies an exported history's hash chains: a replay with options.require_hashes set, so
// that the first line whose event is not the one that was chained (changed, removed,
// reordered, inserted, or without its hash) is the failure, with its line and case. A
// history whose lines carry no hash at all fails at its first event line.
ReplayResult verify(std::istream& in, ReplayOptions options = {});
}  // namespace history

}  // namespace fengqiao
