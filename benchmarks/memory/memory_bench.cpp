// Scenario 5: memory. Bytes per open case in memory (MemoryStorage, with and without its
// events) and on disk (SqliteStorage file size), at 1,000,000 cases ($FQ_BENCH_MEMORY_CASES
// to change it). An open case here is registered and dispatched: two events, a running
// accept clock, a lead org. Closed cases (six events) are measured the same way.
//
// In memory the figure is the growth of glibc's count of allocated bytes (mallinfo2:
// uordblks + hblkhd) across the n cases, divided by n: exact, and free of RSS's page
// granularity. RSS growth per case is reported beside it (it adds allocator overhead
// and fragmentation).
#include <benchmark/benchmark.h>

#include <filesystem>

#include <fengqiao/memory_storage.hpp>
#if __has_include(<fengqiao/sqlite_storage.hpp>) && defined(FQ_BENCH_SQLITE)
#include <fengqiao/sqlite_storage.hpp>
#endif

#include "common/workload.hpp"

namespace {

using namespace fqbench;
namespace fs = std::filesystem;

std::size_t cases() {
  const char* v = std::getenv("FQ_BENCH_MEMORY_CASES");
  return v && *v ? static_cast<std::size_t>(std::stoull(v)) : 1000000;
}

void drive(fengqiao::Engine& engine, std::size_t n, int steps) {
  const Flow& f = flow();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string id = case_id(i);
    for (int s = 0; s < steps; ++s) f.step(engine, id, s);
  }
}

// Args: {keep_events, steps per case (2 = open, 6 = closed)}.
void BM_InMemory(benchmark::State& state) {
  const bool keep = state.range(0) != 0;
  const int steps = static_cast<int>(state.range(1));
  const std::size_t n = cases();
  for (auto _ : state) {
    fengqiao::EngineOptions o;
    o.storage = std::make_shared<fengqiao::MemoryStorage>(fengqiao::MemoryStorageOptions{keep});
    o.clock = std::make_shared<fengqiao::ManualClock>(kMonday9am);
    fengqiao::Engine engine(std::move(o));
    malloc_trim(0);
    const std::uint64_t heap0 = heap_in_use(), rss0 = rss_bytes();
    drive(engine, n, steps);
    const std::uint64_t heap1 = heap_in_use(), rss1 = rss_bytes();
    state.counters["cases"] = static_cast<double>(n);
    state.counters["heap_bytes_per_case"] = static_cast<double>(heap1 - heap0) / static_cast<double>(n);
    state.counters["rss_bytes_per_case"] = static_cast<double>(rss1 - std::min(rss0, rss1)) / static_cast<double>(n);
  }
}
BENCHMARK(BM_InMemory)->ArgNames({"keep_events", "steps"})
    ->Args({1, 2})->Args({0, 2})->Args({1, 6})->Args({0, 6})
    ->Iterations(1)->Unit(benchmark::kMillisecond);

#ifdef FQ_BENCH_SQLITE
fs::path scratch(const std::string& name) {
  const char* dir = std::getenv("FQ_BENCH_DIR");
  fs::path p = fs::path(dir && *dir ? dir : ".") / name;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p;
}

// Arg: steps per case. Batches of 1,000 cases; the file is checkpointed (WAL folded in)
// before it is measured, so its size is what stays on disk.
void BM_OnDisk(benchmark::State& state) {
  const int steps = static_cast<int>(state.range(0));
  const std::size_t n = cases();
  for (auto _ : state) {
    const fs::path file = scratch("bench-memory.db");
    {
      fengqiao::EngineOptions o;
      o.storage = fengqiao::SqliteStorage::open(file.string()).value_or_throw();
      o.clock = std::make_shared<fengqiao::ManualClock>(kMonday9am);
      fengqiao::Engine engine(std::move(o));
      const Flow& f = flow();
      for (std::size_t first = 0; first < n; first += 1000) {
        auto batch = engine.batch();
        for (std::size_t i = first; i < std::min(n, first + 1000); ++i) {
          const std::string id = case_id(i);
          for (int s = 0; s < steps; ++s) f.step(engine, id, s);
        }
        batch.commit();
      }
    }  // closing the last connection checkpoints and removes the WAL
    std::uint64_t bytes = fs::file_size(file);
    std::error_code ec;
    if (auto wal = fs::file_size(file.string() + "-wal", ec); !ec) bytes += wal;
    state.counters["cases"] = static_cast<double>(n);
    state.counters["file_mb"] = static_cast<double>(bytes) / 1e6;
    state.counters["disk_bytes_per_case"] = static_cast<double>(bytes) / static_cast<double>(n);
    scratch("bench-memory.db");
  }
}
BENCHMARK(BM_OnDisk)->ArgName("steps")->Arg(2)->Arg(6)->Iterations(1)->Unit(benchmark::kMillisecond);
#endif

}  // namespace

BENCHMARK_MAIN();
