// Scenario: the SQLite scenarios on PostgreSQL, with 1 and 3 engine processes on one
// database (benchmarks/postgres/README.md).
//
//   BM_ActionsPostgres/procs:P/batched:B  P processes (forked, each its own connection and
//       engine) run six-step lifecycles on their own cases for FQ_PG_SECONDS (default 5)
//       seconds: actions/s of all of them, and each action's latency (p50, p99), one
//       transaction per action (B = 0) or Engine::batch() of 100 lifecycles (B = 1; the
//       latency is then per batch, reported per action).
//   BM_SweepPostgres/procs:P/n:N  k = 1,000 due among N open cases: the wall time until P
//       processes that call advance_to at the same instant have all returned, the events
//       fired between them (exactly k) and the conflicts they retried.
//
// The server: FQ_PG_CONNINFO (a connection string). Each benchmark works in a schema of
// its own, dropped afterwards. The N - k background cases of the sweep are copies of one
// case the engine registered, inserted by one INSERT ... SELECT generate_series (their
// ids and snapshots rewritten, their chain hashes not: the sweep never reads them);
// registering them one by one would take longer than the benchmark itself.
#include <benchmark/benchmark.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <optional>
#include <fstream>
#include <map>
#include <thread>
#include <sstream>
#include <stdexcept>

#include <pqxx/pqxx>

#include <fengqiao/postgres_storage.hpp>

#include "common/workload.hpp"

namespace {

using namespace fqbench;
using fengqiao::Instant;
using fengqiao::Seconds;

const Instant k2030{Seconds(1893978000)};  // Monday 2030-01-07 09:00 +08:00
constexpr std::size_t kDue = 1000;
constexpr std::size_t kBatchLifecycles = 100;

std::string server() {
  const char* c = std::getenv("FQ_PG_CONNINFO");
  if (!c || !*c) throw std::runtime_error("FQ_PG_CONNINFO is not set (benchmarks/postgres/run_postgres.sh sets it)");
  return c;
}

double run_seconds() {
  const char* s = std::getenv("FQ_PG_SECONDS");
  return s && *s ? std::stod(s) : 5.0;
}

// A fresh schema, dropped when the object goes.
class Schema {
 public:
  explicit Schema(const std::string& name) : name_(name) { sql("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_); }
  ~Schema() {
    try {
      sql("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    } catch (...) {
    }
  }
  std::string conninfo() const { return server() + " options=-csearch_path=" + name_; }
  void sql(const std::string& text) const {
    pqxx::connection c(server() + " options=-csearch_path=" + name_);
    pqxx::nontransaction tx(c);
    tx.exec(text);
  }

 private:
  std::string name_;
};

std::unique_ptr<fengqiao::Engine> open_engine(const std::string& conninfo, std::shared_ptr<fengqiao::ManualClock> clock,
                                              const std::string& name) {
  fengqiao::PostgresOptions po;
  po.application_name = name;
  po.busy_timeout = std::chrono::seconds(30);
  fengqiao::EngineOptions o;
  o.storage = fengqiao::PostgresStorage::open(conninfo, po).value_or_throw();
  o.clock = std::move(clock);
  return std::make_unique<fengqiao::Engine>(std::move(o));
}

// Runs body(i, out) in `procs` forked processes, each writing what it measured to a
// file; calls started() once all are forked; returns the files' contents once every one
// has exited successfully.
template <class F, class G>
std::vector<std::string> in_processes(int procs, const std::string& tag, F body, G started) {
  std::vector<pid_t> pids;
  std::vector<std::string> files;
  for (int i = 0; i < procs; ++i) {
    files.push_back((std::getenv("FQ_BENCH_DIR") ? std::string(std::getenv("FQ_BENCH_DIR")) : std::string(".")) +
                    "/pg-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(i) + ".out");
    const pid_t pid = fork();
    if (pid == 0) {
      try {
        std::ofstream out(files.back());
        body(i, out);
        out.close();
        std::_Exit(out ? 0 : 3);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "bench process %d: %s\n", i, e.what());
        std::_Exit(2);
      }
    }
    if (pid < 0) throw std::runtime_error("fork failed");
    pids.push_back(pid);
  }
  started();
  bool ok = true;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  std::vector<std::string> contents;
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::stringstream s;
    s << in.rdbuf();
    contents.push_back(s.str());
    std::remove(f.c_str());
  }
  if (!ok) throw std::runtime_error("a benchmark process failed (see stderr)");
  return contents;
}

// The rows the adapter writes for each step of the loop, read back from the tables
// after an engine ran it (so their columns and byte sizes are what PostgresStorage
// really stores, not an estimate): the cases row after the step, the step's events row,
// and how many outbox rows it added.
struct WrittenRow {
  std::string state, supervision, lead, jurisdiction, snapshot;  // the cases row
  bool has_lead = false, has_due = false;
  std::int64_t level = 0, next_due_offset = 0;  // next_due - the event's instant
  std::string type, json;                       // the events row
  std::int64_t outbox = 0;
};

// The id every captured row names: the same length as the benchmark processes' ids
// ("P0-00000000"), so that the texts that contain it keep their byte sizes.
const char* const kCapturedId = "R0-00000000";

std::array<WrittenRow, 6> rows_the_adapter_writes() {
  Schema schema("bench_rows");
  auto engine = open_engine(schema.conninfo(), std::make_shared<fengqiao::ManualClock>(kMonday9am), "bench_rows");
  pqxx::connection c(schema.conninfo());
  std::array<WrittenRow, 6> rows;
  for (int s = 0; s < 6; ++s) {
    flow().step(*engine, kCapturedId, s);
    pqxx::nontransaction tx(c);
    const pqxx::row cr = tx.exec1(
        "SELECT state, supervision, level, lead, jurisdiction, next_due, snapshot FROM cases WHERE id = " +
        tx.quote(kCapturedId));
    const pqxx::row er = tx.exec1("SELECT at, type, json FROM events WHERE case_id = " + tx.quote(kCapturedId) +
                                  " AND seq = " + std::to_string(s + 1));
    WrittenRow& r = rows[s];
    r.state = cr[0].as<std::string>();
    r.supervision = cr[1].as<std::string>();
    r.level = cr[2].as<std::int64_t>();
    r.has_lead = !cr[3].is_null();
    if (r.has_lead) r.lead = cr[3].as<std::string>();
    r.jurisdiction = cr[4].as<std::string>();
    r.has_due = !cr[5].is_null();
    if (r.has_due) r.next_due_offset = cr[5].as<std::int64_t>() - er[0].as<std::int64_t>();
    r.snapshot = cr[6].as<std::string>();
    r.type = er[1].as<std::string>();
    r.json = er[2].as<std::string>();
    r.outbox = tx.exec1("SELECT count(*) FROM outbox WHERE case_id = " + tx.quote(kCapturedId) +
                        " AND event_seq = " + std::to_string(s + 1))[0]
                   .as<std::int64_t>();
  }
  pqxx::nontransaction tx(c);
  if (tx.exec1("SELECT count(*) FROM events WHERE case_id = " + tx.quote(kCapturedId))[0].as<int>() != 6)
    throw std::runtime_error("the loop wrote other than one event per step: the baseline would not match it");
  return rows;
}

const std::array<WrittenRow, 6>& written_rows() {
  static const std::array<WrittenRow, 6> rows = rows_the_adapter_writes();
  return rows;
}

// The baseline: libpqxx alone writing the rows the adapter writes for each action (the
// cases row inserted, then updated under its version check; one events row; the outbox
// rows if the engine wrote any) into the adapter's own tables and indexes, with prepared
// statements, in the engine's transaction pattern. It reads nothing and checks no
// configuration: what is left of the engine's time after this is the engine's own.
struct RawWriter {
  pqxx::connection conn;
  const std::array<WrittenRow, 6>& rows = written_rows();
  std::int64_t at = kMonday9am.time_since_epoch().count();

  explicit RawWriter(const std::string& conninfo) : conn(conninfo) {
    conn.prepare("insert_case",
                 "INSERT INTO cases(id, state, supervision, level, lead, jurisdiction, next_due, version, snapshot)"
                 " VALUES ($1, $2, $3, $4::int, $5, $6, $7::bigint, $8::bigint, $9)");
    conn.prepare("update_case",
                 "UPDATE cases SET state = $2, supervision = $3, level = $4::int, lead = $5, jurisdiction = $6,"
                 " next_due = $7::bigint, version = $8::bigint, snapshot = $9 WHERE id = $1 AND version = $10::bigint");
    conn.prepare("insert_event", "INSERT INTO events(case_id, seq, at, type, json) VALUES ($1, $2::bigint, $3::bigint, $4, $5)");
    conn.prepare("insert_outbox", "INSERT INTO outbox(topic, case_id, event_seq, payload) VALUES ($1, $2, $3::bigint, $4)");
  }

  void write(pqxx::transaction_base& tx, const std::string& id, int s) {
    const WrittenRow& r = rows[s];
    const char* lead = r.has_lead ? r.lead.c_str() : nullptr;
    const std::optional<std::string> due = r.has_due ? std::optional(std::to_string(at + r.next_due_offset)) : std::nullopt;
    const char* due_p = due ? due->c_str() : nullptr;
    const pqxx::result cr =
        s == 0 ? tx.exec_prepared("insert_case", id, r.state, r.supervision, r.level, lead, r.jurisdiction, due_p,
                                  std::int64_t{1}, r.snapshot)
               : tx.exec_prepared("update_case", id, r.state, r.supervision, r.level, lead, r.jurisdiction, due_p,
                                  std::int64_t{s + 1}, r.snapshot, std::int64_t{s});
    if (cr.affected_rows() != 1) throw std::runtime_error("raw writer: case " + id + " was not at version " + std::to_string(s));
    tx.exec_prepared("insert_event", id, std::int64_t{s + 1}, at, r.type, r.json);
    for (std::int64_t i = 0; i < r.outbox; ++i) tx.exec_prepared("insert_outbox", "case", id, std::int64_t{s + 1}, r.json);
  }
};

// What one process did in a fixed time: actions, elapsed seconds, each action's latency.
struct Measured {
  std::uint64_t actions = 0;
  double elapsed = 0;
  std::vector<double> latency;  // seconds per action
  void write(std::ostream& out) const {
    out << actions << " " << elapsed << "\n";
    for (double l : latency) out << l << "\n";
  }
};

// `one(id, s)` does step s of case id in its own transaction; `batch(ids)` does the
// lifecycles of ids in one transaction.
template <class One, class Batch>
Measured run_loop(bool batched, double seconds, const std::string& prefix, One one, Batch batch) {
  Measured m;
  std::uint64_t next = 0;
  const auto t0 = SteadyClock::now();
  while (seconds_since(t0) < seconds) {
    if (!batched) {
      const std::string id = case_id(next++, prefix.c_str());
      for (int s = 0; s < 6; ++s) {
        const auto a0 = SteadyClock::now();
        one(id, s);
        m.latency.push_back(seconds_since(a0));
      }
      m.actions += 6;
      continue;
    }
    std::vector<std::string> ids;
    for (std::size_t c = 0; c < kBatchLifecycles; ++c) ids.push_back(case_id(next++, prefix.c_str()));
    const auto b0 = SteadyClock::now();
    batch(ids);
    m.latency.push_back(seconds_since(b0) / (6.0 * kBatchLifecycles));
    m.actions += 6 * kBatchLifecycles;
  }
  m.elapsed = seconds_since(t0);
  return m;
}

void report(benchmark::State& state, const std::vector<std::string>& outputs) {
  double total = 0, longest = 0;
  std::vector<double> latency;
  for (const std::string& text : outputs) {
    std::istringstream in(text);
    double actions = 0, elapsed = 0;
    in >> actions >> elapsed;
    total += actions;
    longest = std::max(longest, elapsed);
    for (double l; in >> l;) latency.push_back(l);
  }
  state.SetIterationTime(longest);
  state.counters["actions_per_s"] = total / longest;
  state.counters["actions"] = total;
  state.counters["p50_ms"] = quantile(latency, 0.50) * 1e3;
  state.counters["p99_ms"] = quantile(latency, 0.99) * 1e3;
}

void BM_ActionsPostgres(benchmark::State& state) {
  const int procs = static_cast<int>(state.range(0));
  const bool batched = state.range(1) != 0;
  const double seconds = run_seconds();
  for (auto _ : state) {
    Schema schema("bench_actions");
    // One engine opens first, so the schema and the first configuration record exist
    // before the processes start (else they would race to create them: correct, slower).
    open_engine(schema.conninfo(), std::make_shared<fengqiao::ManualClock>(kMonday9am), "bench_setup");
    const auto outputs = in_processes(procs, "actions", [&](int p, std::ostream& out) {
      auto engine = open_engine(schema.conninfo(), std::make_shared<fengqiao::ManualClock>(kMonday9am),
                                "bench_" + std::to_string(p));
      const Flow& f = flow();
      run_loop(batched, seconds, "P" + std::to_string(p) + "-",
               [&](const std::string& id, int s) { f.step(*engine, id, s); },
               [&](const std::vector<std::string>& ids) {
                 auto batch = engine->batch();
                 for (const std::string& id : ids) f.lifecycle(*engine, id);
                 batch.commit();
               })
          .write(out);
    }, [] {});
    report(state, outputs);
  }
}

// The same loop as BM_ActionsPostgres, written by RawWriter: same processes, same ids,
// same schema (created by opening the adapter on it), same transaction pattern.
// batched = 2: batched with a savepoint around each action, set as the adapter sets its
// own (the last one released in the same message as the next SAVEPOINT), to show what
// the savepoints cost.
void BM_RawPostgres(benchmark::State& state) {
  const int procs = static_cast<int>(state.range(0));
  const bool batched = state.range(1) != 0;
  const bool savepoints = state.range(1) == 2;
  const double seconds = run_seconds();
  written_rows();  // captured before forking, once
  for (auto _ : state) {
    Schema schema("bench_raw");
    open_engine(schema.conninfo(), std::make_shared<fengqiao::ManualClock>(kMonday9am), "bench_setup");
    const auto outputs = in_processes(procs, "raw", [&](int p, std::ostream& out) {
      RawWriter w(schema.conninfo());
      run_loop(batched, seconds, "P" + std::to_string(p) + "-",
               [&](const std::string& id, int s) {
                 pqxx::work tx(w.conn);
                 w.write(tx, id, s);
                 tx.commit();
               },
               [&](const std::vector<std::string>& ids) {
                 pqxx::work tx(w.conn);
                 std::uint64_t n = 0;
                 for (const std::string& id : ids)
                   for (int s = 0; s < 6; ++s) {
                     if (savepoints)
                       tx.exec((n ? "RELEASE SAVEPOINT s" + std::to_string(n) + "; " : std::string()) + "SAVEPOINT s" +
                               std::to_string(n + 1));
                     ++n;
                     w.write(tx, id, s);
                   }
                 tx.commit();
               })
          .write(out);
    }, [] {});
    report(state, outputs);
  }
}

// The N - k cases that are open but not due: one registered in 2030 by the engine,
// copied N - k - 1 times in SQL (ids B-00000001..., the id inside the snapshot and the
// event rewritten to match).
void add_background(const Schema& schema, std::size_t count) {
  {
    auto engine = open_engine(schema.conninfo(), std::make_shared<fengqiao::ManualClock>(k2030), "bench_setup");
    engine->register_case(case_id(0, "B-"), flow().intake, flow().registration);
  }
  if (count <= 1) return;
  const std::string n = std::to_string(count - 1);
  schema.sql(
      "INSERT INTO cases(id, state, supervision, level, lead, jurisdiction, next_due, version, snapshot)"
      " SELECT 'B-' || lpad(i::text, 8, '0'), state, supervision, level, lead, jurisdiction, next_due, version,"
      " replace(snapshot, '\"B-00000000\"', '\"B-' || lpad(i::text, 8, '0') || '\"')"
      " FROM cases, generate_series(1, " + n + ") AS i WHERE id = 'B-00000000'");
  schema.sql(
      "INSERT INTO events(case_id, seq, at, type, json)"
      " SELECT 'B-' || lpad(i::text, 8, '0'), seq, at, type,"
      " replace(json, '\"B-00000000\"', '\"B-' || lpad(i::text, 8, '0') || '\"')"
      " FROM events, generate_series(1, " + n + ") AS i WHERE case_id = 'B-00000000'");
  schema.sql("ANALYZE");
}

void BM_SweepPostgres(benchmark::State& state) {
  const int procs = static_cast<int>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  // Built once per n, for both process counts (the build takes minutes at 1M).
  static std::map<std::size_t, std::pair<std::unique_ptr<Schema>, double>> built;
  auto& [schema_ptr, build_s] = built[n];
  if (!schema_ptr) {
    schema_ptr = std::make_unique<Schema>("bench_sweep_" + std::to_string(n));
    const auto b0 = SteadyClock::now();
    add_background(*schema_ptr, n - kDue);
    build_s = seconds_since(b0);
  }
  const Schema& schema = *schema_ptr;
  auto clock = std::make_shared<fengqiao::ManualClock>(kMonday9am);
  auto engine = open_engine(schema.conninfo(), clock, "bench_main");
  const Flow& f = flow();
  static std::size_t round = 0;  // across runs on one schema: new ids, later weeks
  std::size_t rounds = 0, fired = 0, conflicts = 0;
  double timed = 0;
  for (auto _ : state) {
    const SweepRound r = register_due_round(*engine, *clock, round, kDue);
    const Instant monday = r.monday, midnight = r.midnight;
    const std::vector<std::string>& ids = r.ids;
    // The processes connect first, then sweep together: closing the pipe is the start
    // signal, given once they have had a second to connect.
    int go[2];
    if (pipe(go) != 0) throw std::runtime_error("pipe failed");
    const std::vector<std::string> outputs = in_processes(procs, "sweep", [&](int p, std::ostream& out) {
      close(go[1]);
      auto mine = open_engine(schema.conninfo(), std::make_shared<fengqiao::ManualClock>(monday),
                              "bench_sweep_" + std::to_string(p));
      char c;
      if (read(go[0], &c, 1) < 0) throw std::runtime_error("start signal lost");
      const auto s0 = SteadyClock::now();
      const auto report = mine->advance_to(midnight);
      out << report.fired << " " << report.conflicts_retried << " " << seconds_since(s0) << "\n";
    }, [&] {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      close(go[1]);
    });
    close(go[0]);
    // Each process's own advance_to time; the round is the slowest (they run at once).
    double slowest = 0;
    std::size_t round_fired = 0;
    for (const std::string& text : outputs) {
      std::istringstream in(text);
      std::size_t fired_here = 0, conflicts_here = 0;
      double s = 0;
      in >> fired_here >> conflicts_here >> s;
      round_fired += fired_here;
      conflicts += conflicts_here;
      slowest = std::max(slowest, s);
    }
    state.SetIterationTime(slowest);
    timed += slowest;
    if (round_fired != kDue) state.SkipWithError("the processes fired a different number of events than were due");
    fired += round_fired;
    clock->set(midnight);
    for (const std::string& id : ids) engine->act(id, fengqiao::Action::withdraw, f.intake, f.withdraw);
    ++round;
    ++rounds;
  }
  state.counters["n_open"] = static_cast<double>(n);
  state.counters["k_due"] = static_cast<double>(kDue);
  state.counters["us_per_fired"] = fired ? timed * 1e6 / static_cast<double>(fired) : 0;
  state.counters["conflicts_per_round"] = rounds ? static_cast<double>(conflicts) / static_cast<double>(rounds) : 0;
  state.counters["build_s"] = build_s;
}

void sweep_sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"procs", "n"});
  const char* n_env = std::getenv("FQ_PG_SWEEP_N");
  const long n = n_env && *n_env ? std::stol(n_env) : 1000000L;
  for (long procs : {1L, 3L}) b->Args({procs, n});
}
BENCHMARK(BM_SweepPostgres)->Apply(sweep_sizes)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

// The engine and the raw writer take turns, pattern by pattern, FQ_PG_ROUNDS times
// (default 3): on a shared machine the load changes from one minute to the next, and a
// ratio is only worth something between runs made one right after the other. The
// report takes each round's ratio and their median.
int main(int argc, char** argv) {
  const char* rounds_env = std::getenv("FQ_PG_ROUNDS");
  const long rounds = rounds_env && *rounds_env ? std::stol(rounds_env) : 3;
  for (long procs : {1L, 3L})
    for (long batched : {0L, 1L})
      for (long round = 0; round < rounds; ++round) {
        benchmark::RegisterBenchmark("BM_ActionsPostgres", BM_ActionsPostgres)
            ->ArgNames({"procs", "batched", "round"})->Args({procs, batched, round})
            ->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark("BM_RawPostgres", BM_RawPostgres)
            ->ArgNames({"procs", "batched", "round"})->Args({procs, batched, round})
            ->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
        if (batched)
          benchmark::RegisterBenchmark("BM_RawPostgres", BM_RawPostgres)
              ->ArgNames({"procs", "batched", "round"})->Args({procs, 2, round})
              ->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
      }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
