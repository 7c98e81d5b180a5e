// Scenario 3: the deadline sweep. n open cases, k of them due: the time of one
// advance_to() that fires the k, for n in {10k, 100k, 1M} and k in {1, 1k, 100k}.
//
// The n - k other cases are registered with the clock in 2030, so their first instants
// lie in 2030. Each timed round registers k cases on a Monday of 2025 (untimed), times
// advance_to(24:00 that day) -- the dispatch clock's warning of exactly those k -- and
// withdraws them again (untimed), so every round sees n open cases and k due.
#include <benchmark/benchmark.h>

#include <fengqiao/memory_storage.hpp>

#include "common/workload.hpp"

namespace {

using namespace fqbench;
using fengqiao::Instant;
using fengqiao::Seconds;

const Instant k2030{Seconds(1893978000)};  // Monday 2030-01-07 09:00 +08:00

void BM_Sweep(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto k = static_cast<std::size_t>(state.range(1));
  auto clock = std::make_shared<fengqiao::ManualClock>(k2030);
  fengqiao::EngineOptions o;
  o.storage = std::make_shared<fengqiao::MemoryStorage>();
  o.clock = clock;
  fengqiao::Engine engine(std::move(o));
  const Flow& f = flow();
  for (std::size_t i = 0; i < n - k; ++i) engine.register_case(case_id(i, "B-"), f.intake, f.registration);

  std::size_t round = 0, fired = 0;
  double timed = 0;
  for (auto _ : state) {
    const auto [monday, midnight, ids] = register_due_round(engine, *clock, round, k);
    const auto t0 = SteadyClock::now();
    const auto report = engine.advance_to(midnight);
    const double dt = seconds_since(t0);
    state.SetIterationTime(dt);
    timed += dt;
    if (report.fired != k) state.SkipWithError("fired a different number of events than were due");
    fired += report.fired;
    clock->set(midnight);
    for (const std::string& id : ids) engine.act(id, fengqiao::Action::withdraw, f.intake, f.withdraw);
    ++round;
  }
  state.counters["n_open"] = static_cast<double>(n);
  state.counters["k_due"] = static_cast<double>(k);
  state.counters["us_per_fired"] = fired ? timed * 1e6 / static_cast<double>(fired) : 0;
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "k"});
  for (long n : {10000L, 100000L, 1000000L})
    for (long k : {1L, 1000L, 100000L})
      if (k <= n) b->Args({n, k});
}
BENCHMARK(BM_Sweep)->Apply(sizes)->UseManualTime()->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
