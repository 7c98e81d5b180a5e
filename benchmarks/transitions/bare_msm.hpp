// The baseline of the transitions scenario: a bare Boost.MSM machine with the engine's
// transition table (same states, events and 47 rows; trivial guards and effects), and
// no engine around it. Its own translation unit, like the engine's machine.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bare {

// Drives n cases through the six-step loop, a fresh machine per case (construct, start,
// six events). Returns a checksum the caller keeps alive.
std::uint64_t lifecycles_fresh(std::size_t n);

// The same with one machine restored to each case's stored state before every event,
// as a storage-backed program must (and as the engine does).
std::uint64_t lifecycles_restored(std::size_t n);

// Per-event latency in nanoseconds of the restored form, one sample per event.
void event_latencies(std::size_t cases, std::vector<double>& out_ns);

}  // namespace bare
