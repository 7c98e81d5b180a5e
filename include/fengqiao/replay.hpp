// Replay: run a recorded history on a fresh engine with a manual clock and check that the
// engine still does what the history says (HISTORY-FORMAT.md "Replay result").
//
//   std::ifstream in("tests/data/histories/01-closed-loop.jsonl");
//   auto result = fengqiao::replay(in);
//   CHECK_MESSAGE(result.clean(), result.describe());
#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

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
  Kind kind;
  std::size_t line = 0;
  std::string case_id;
  std::string expected;  // what the history says
  std::string actual;    // what the engine did
  std::string message;   // one sentence joining the above
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
  std::optional<ReplayFailure> failure;

  // No failure: the engine did everything the history says.
  bool clean() const { return !failure.has_value(); }
  // A few lines a person can read.
  std::string describe() const;
  // {"source":..,"clean":..,"lines":..,...,"failure":{"kind":..,"line":..,...}}
  nlohmann::json to_json() const;
};

// The kind's spelling in reports and JSON ("divergence", ...).
std::string_view to_string(ReplayFailure::Kind kind) noexcept;

// Replays a history; stops at the first failure. A line's "hash" (docs/CHAIN.md) is
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
