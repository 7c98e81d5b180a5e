// Random case histories for property tests and benchmarks: drives a fresh engine on a
// manual clock with random actions (mostly ones the current state allows, by a fitting
// actor with valid data; some deliberately wrong) and random time steps, so that every
// action, refusal and deadline rule gets exercised with several cases interleaved.
// Export the result with history::export_cases to get a history file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "fengqiao/history.hpp"
#include "fengqiao/storage.hpp"

namespace fengqiao::testing {

// What drive_random_history runs: the seed, how many cases and steps, how often wrong.
struct RandomHistoryOptions {
  std::uint64_t seed = 1;
  std::size_t cases = 5;          // registered over the run
  std::size_t steps = 60;         // actions attempted (refusals included)
  double wrong_rate = 0.15;       // share of attempts with a wrong actor, wrong state or bad data
  Instant start = Instant(Seconds(1756688400));  // 2025-09-01T09:00:00+08:00
  // Storage to drive. Default: a fresh MemoryStorage.
  std::shared_ptr<Storage> storage;
};

// What a run left: the storage with its cases, the header to export them under, counts.
struct RandomHistoryRun {
  std::shared_ptr<Storage> storage;  // holds the cases and their events
  history::Header header;            // National Day 2025 calendar, default rules
  std::size_t accepted = 0;
  std::size_t refused = 0;
  Instant end{};                     // the clock when the run stopped
};

// Runs one random history (the same one for the same options).
RandomHistoryRun drive_random_history(const RandomHistoryOptions& options);

}  // namespace fengqiao::testing
