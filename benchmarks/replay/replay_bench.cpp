// Scenario 4: replay. Lines per second and MB/s of fengqiao::replay() on a generated
// history of about a million lines, and the memory it keeps, for prefixes of the file (a
// quarter, a half, all of it) to show memory follows cases, not lines.
//
// The history comes from fengqiao::testing::drive_random_history (mostly valid actions
// with some refusals, interleaved cases, random time steps so that deadline warnings,
// overdues and escalations fire) exported by history::export_cases; it is generated once
// into $FQ_BENCH_DIR and reused.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include <fengqiao/history.hpp>
#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>
#include <fengqiao/testing/random_history.hpp>

#include "common/workload.hpp"
#include "simdjson_walk.hpp"

namespace {

using namespace fqbench;
namespace fs = std::filesystem;

// About 29 lines per case once every case has run its course: 36,000 cases give a little
// over a million lines (seed 2025).
constexpr std::size_t kCases = 36000;
constexpr std::size_t kSteps = 1200000;

fs::path dir() {
  const char* d = std::getenv("FQ_BENCH_DIR");
  return fs::path(d && *d ? d : ".");
}

std::size_t count_lines(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

// The whole history, generated on first use; prefixes of it cut at line boundaries.
fs::path history_file(std::size_t quarter) {
  const fs::path full = dir() / ("replay-" + std::to_string(kCases) + "-" + std::to_string(kSteps) + ".jsonl");
  if (!fs::exists(full)) {
    fengqiao::testing::RandomHistoryOptions o;
    o.seed = 2025;
    o.cases = kCases;
    o.steps = kSteps;
    o.wrong_rate = 0.05;
    auto run = fengqiao::testing::drive_random_history(o);
    const fs::path tmp = full.string() + ".tmp";
    {
      std::ofstream out(tmp);
      fengqiao::history::export_cases(*run.storage, {}, out).throw_if_error();
    }
    fs::rename(tmp, full);
  }
  if (quarter == 4) return full;
  const fs::path part = dir() / (full.stem().string() + "-q" + std::to_string(quarter) + ".jsonl");
  if (!fs::exists(part)) {
    const std::size_t keep = count_lines(full) * quarter / 4;
    std::ifstream in(full);
    std::ofstream out(part);
    std::string line;
    // Cut where a replay can stop: not inside a run of engine-event lines, which the engine
    // regenerates all at once.
    std::size_t i = 0;
    while (std::getline(in, line)) {
      const bool event_line = line.find("\"event\":") != std::string::npos;
      if (i >= keep && !event_line) break;
      out << line << '\n';
      ++i;
    }
  }
  return part;
}

// Arg: quarters of the file (1, 2, 4). Memory: the heap the replay leaves allocated in
// its storage (given here so that it outlives replay()), which is all that grows while a
// replay streams its input: one line is read at a time. The peak RSS is not used: this
// process generated the history first and replays into the heap that freed.
void BM_Replay(benchmark::State& state) {
  const fs::path file = history_file(static_cast<std::size_t>(state.range(0)));
  const double bytes = static_cast<double>(fs::file_size(file));
  fengqiao::ReplayResult last;
  std::uint64_t retained = 0;
  double timed = 0;
  for (auto _ : state) {
    malloc_trim(0);
    const std::uint64_t before = heap_in_use();
    fengqiao::ReplayOptions o;
    o.storage = std::make_shared<fengqiao::MemoryStorage>(fengqiao::MemoryStorageOptions{false});  // replay's default
    o.source = file.string();
    std::ifstream in(file);
    const auto t0 = SteadyClock::now();
    last = fengqiao::replay(in, o);
    timed += seconds_since(t0);
    retained = heap_in_use() - std::min(before, heap_in_use());
    if (!last.clean()) state.SkipWithError(last.describe().c_str());
  }
  const double runs = static_cast<double>(state.iterations());
  state.counters["lines"] = static_cast<double>(last.lines);
  state.counters["cases"] = static_cast<double>(last.cases);
  state.counters["mb"] = bytes / 1e6;
  state.counters["lines_per_s"] = static_cast<double>(last.lines) * runs / timed;
  state.counters["mb_per_s"] = bytes / 1e6 * runs / timed;
  state.counters["retained_mb"] = static_cast<double>(retained) / 1e6;
  state.counters["bytes_per_case"] = static_cast<double>(retained) / static_cast<double>(std::max<std::size_t>(1, last.cases));
  state.counters["bytes_per_line"] = static_cast<double>(retained) / static_cast<double>(std::max<std::size_t>(1, last.lines));
}
BENCHMARK(BM_Replay)->ArgName("quarters")->Arg(1)->Arg(2)->Arg(4)->Iterations(2)->Unit(benchmark::kMillisecond);

// The history reader alone (history::Reader: the safety scan, nlohmann's parser, the
// line's checks into a history::Line), and nlohmann::json::parse alone on the same lines:
// how much of a replayed line is reading it, and how much of that is the JSON parser.
// Arg (parser) 0: the reader; 1: the JSON parser only (std::getline and json::parse per line);
// 2: simdjson's on-demand API visiting every value of each line (what the reader's common
// lines now go through, without its checks).
void BM_ReadHistory(benchmark::State& state) {
  const fs::path file = history_file(4);
  const double bytes = static_cast<double>(fs::file_size(file));
  std::size_t lines = 0;
  double timed = 0;
  for (auto _ : state) {
    std::ifstream in(file);
    lines = 0;
    const auto t0 = SteadyClock::now();
    if (state.range(0) == 0) {
      fengqiao::history::Reader reader(in);
      if (!reader.header()) state.SkipWithError("no header");
      ++lines;
      for (;;) {
        auto line = reader.next();
        if (!line) {
          state.SkipWithError(line.error().describe().c_str());
          break;
        }
        if (!*line) break;
        ++lines;
        benchmark::DoNotOptimize(line->value().at);
      }
    } else if (state.range(0) == 2) {
      std::string text;
      while (std::getline(in, text)) {
        benchmark::DoNotOptimize(walk_with_simdjson(text));
        ++lines;
      }
    } else {
      std::string text;
      while (std::getline(in, text)) {
        auto j = nlohmann::json::parse(text);
        benchmark::DoNotOptimize(j);
        ++lines;
      }
    }
    timed += seconds_since(t0);
  }
  const double runs = static_cast<double>(state.iterations());
  state.counters["lines"] = static_cast<double>(lines);
  state.counters["lines_per_s"] = static_cast<double>(lines) * runs / timed;
  state.counters["mb_per_s"] = bytes / 1e6 * runs / timed;
}
BENCHMARK(BM_ReadHistory)->ArgName("parser")->Arg(0)->Arg(1)->Arg(2)->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
