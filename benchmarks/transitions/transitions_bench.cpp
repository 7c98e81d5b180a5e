// Scenario 1: transitions in memory. Full six-step lifecycles per second through the
// engine on MemoryStorage (one thread, manual clock, no listeners), per-action latency,
// and the bare Boost.MSM baseline with the same table in the same binary.
#include <benchmark/benchmark.h>

#include <fengqiao/chain.hpp>
#include <fengqiao/memory_storage.hpp>

#include "common/workload.hpp"
#include "transitions/bare_msm.hpp"

namespace {

using namespace fqbench;

fengqiao::EngineOptions memory_engine() {
  fengqiao::EngineOptions o;
  o.storage = std::make_shared<fengqiao::MemoryStorage>();
  o.clock = std::make_shared<fengqiao::ManualClock>(kMonday9am);
  return o;
}

// One iteration = one new case through the loop. The storage keeps every case and event,
// as a running center would.
void BM_EngineLifecycle(benchmark::State& state) {
  fengqiao::Engine engine(memory_engine());
  const Flow& f = flow();
  std::uint64_t i = 0;
  WallRate wall;
  for (auto _ : state) f.lifecycle(engine, case_id(i++));
  state.counters["lifecycles_per_s"] = wall.per_s(static_cast<double>(i));
  state.counters["actions_per_s"] = wall.per_s(6.0 * static_cast<double>(i));
}
BENCHMARK(BM_EngineLifecycle)->MinTime(2.0)->Unit(benchmark::kMicrosecond);

// The same loop on the fast path: Engine::apply, the action's data moved in, no snapshot
// returned (see Flow::apply_step for the data's copy, which is timed).
void BM_FastPathLifecycle(benchmark::State& state) {
  fengqiao::Engine engine(memory_engine());
  const Flow& f = flow();
  std::uint64_t i = 0;
  WallRate wall;
  for (auto _ : state) f.apply_lifecycle(engine, case_id(i++));
  state.counters["lifecycles_per_s"] = wall.per_s(static_cast<double>(i));
  state.counters["actions_per_s"] = wall.per_s(6.0 * static_cast<double>(i));
}
BENCHMARK(BM_FastPathLifecycle)->MinTime(2.0)->Unit(benchmark::kMicrosecond);

// The same with one listener subscribed (the engine then keeps a copy of each event and
// snapshot for it).
void BM_EngineLifecycleWithListener(benchmark::State& state) {
  fengqiao::Engine engine(memory_engine());
  std::uint64_t seen = 0;
  engine.subscribe([&](const fengqiao::Event& e, const fengqiao::Case&) { seen += e.seq; });
  const Flow& f = flow();
  std::uint64_t i = 0;
  WallRate wall;
  for (auto _ : state) f.lifecycle(engine, case_id(i++));
  benchmark::DoNotOptimize(seen);
  state.counters["actions_per_s"] = wall.per_s(6.0 * static_cast<double>(i));
}
BENCHMARK(BM_EngineLifecycleWithListener)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

// Baselines: n cases per iteration so that one iteration is long enough to time.
constexpr std::size_t kBareBlock = 1000;

void BM_BareMsmLifecycleFresh(benchmark::State& state) {
  WallRate wall;
  for (auto _ : state) benchmark::DoNotOptimize(bare::lifecycles_fresh(kBareBlock));
  const double n = static_cast<double>(state.iterations() * kBareBlock);
  state.counters["lifecycles_per_s"] = wall.per_s(n);
  state.counters["actions_per_s"] = wall.per_s(6.0 * n);
}
BENCHMARK(BM_BareMsmLifecycleFresh)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

void BM_BareMsmLifecycleRestored(benchmark::State& state) {
  WallRate wall;
  for (auto _ : state) benchmark::DoNotOptimize(bare::lifecycles_restored(kBareBlock));
  const double n = static_cast<double>(state.iterations() * kBareBlock);
  state.counters["lifecycles_per_s"] = wall.per_s(n);
  state.counters["actions_per_s"] = wall.per_s(6.0 * n);
}
BENCHMARK(BM_BareMsmLifecycleRestored)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

// Per-action latency: every action timed on its own (steady_clock, ~20 ns per reading on
// this kind of machine, included in the figures). One iteration = `cases` lifecycles;
// `step(engine, id, s)` runs step s of the loop.
template <class Step>
void action_latency(benchmark::State& state, Step step) {
  const auto cases = static_cast<std::size_t>(state.range(0));
  std::vector<double> ns;
  std::uint64_t next = 0;
  fengqiao::Engine engine(memory_engine());
  for (auto _ : state) {
    ns.clear();
    ns.reserve(cases * 6);
    for (std::size_t c = 0; c < cases; ++c) {
      const std::string id = case_id(next++);
      for (int s = 0; s < 6; ++s) {
        const auto t0 = SteadyClock::now();
        step(engine, id, s);
        ns.push_back(std::chrono::duration<double, std::nano>(SteadyClock::now() - t0).count());
      }
    }
  }
  std::vector<double> copy = ns;
  state.counters["p50_ns"] = quantile(copy, 0.50);
  state.counters["p99_ns"] = quantile(copy, 0.99);
  state.counters["p999_ns"] = quantile(copy, 0.999);
  state.counters["samples"] = static_cast<double>(ns.size());
}

void BM_EngineActionLatency(benchmark::State& state) {
  action_latency(state, [](fengqiao::Engine& e, const std::string& id, int s) { flow().step(e, id, s); });
}
BENCHMARK(BM_EngineActionLatency)->Arg(50000)->Iterations(1)->Unit(benchmark::kMillisecond);

// The same on the fast path (the data's copy included, as in BM_FastPathLifecycle).
void BM_FastPathActionLatency(benchmark::State& state) {
  action_latency(state, [](fengqiao::Engine& e, const std::string& id, int s) { flow().apply_step(e, id, s); });
}
BENCHMARK(BM_FastPathActionLatency)->Arg(50000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_BareMsmEventLatency(benchmark::State& state) {
  const auto cases = static_cast<std::size_t>(state.range(0));
  std::vector<double> ns;
  for (auto _ : state) {
    ns.clear();
    bare::event_latencies(cases, ns);
  }
  state.counters["p50_ns"] = quantile(ns, 0.50);
  state.counters["p99_ns"] = quantile(ns, 0.99);
  state.counters["p999_ns"] = quantile(ns, 0.999);
  state.counters["samples"] = static_cast<double>(ns.size());
}
BENCHMARK(BM_BareMsmEventLatency)->Arg(50000)->Iterations(1)->Unit(benchmark::kMillisecond);

// What the hash chain costs per action, on its own: the six events of one lifecycle (as
// the engine stored them) encoded as docs/CHAIN.md says, and encoded and hashed
// (SHA-256, libcrypto) as the engine does for every event it stores. The difference is
// the digest and its hex text; the in-memory target's 1.5M actions/s leaves 667 ns per
// action for everything.
std::vector<fengqiao::Event> lifecycle_events() {
  fengqiao::Engine engine(memory_engine());
  flow().lifecycle(engine, "HASH-1");
  return engine.history("HASH-1");
}

void BM_ChainEncode(benchmark::State& state) {
  const auto events = lifecycle_events();
  std::size_t bytes = 0;
  for (auto _ : state)
    for (const auto& e : events) bytes += fengqiao::chain::encode(e).size();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.counters["bytes_per_event"] =
      static_cast<double>(bytes) / static_cast<double>(state.iterations() * events.size());
  state.counters["ns_per_event"] = benchmark::Counter(static_cast<double>(state.iterations() * events.size()),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ChainEncode)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

void BM_ChainEventHash(benchmark::State& state) {
  const auto events = lifecycle_events();
  std::string previous = fengqiao::chain::genesis("HASH-1");
  for (auto _ : state)
    for (const auto& e : events) {
      std::string h = fengqiao::chain::event_hash(e, previous);
      benchmark::DoNotOptimize(h);
    }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.counters["ns_per_event"] = benchmark::Counter(static_cast<double>(state.iterations() * events.size()),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ChainEventHash)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
