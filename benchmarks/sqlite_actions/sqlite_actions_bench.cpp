// Scenario 2: durable actions on SQLite. The engine on SqliteStorage (one transaction per
// action with synchronous NORMAL and FULL; batched), beside raw SQLiteCpp writing the
// same rows (one cases row inserted or updated and one events row per action, of the
// engine's sizes, into the same schema) in the same transaction pattern.
#include <benchmark/benchmark.h>

#include <filesystem>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fengqiao/sqlite_storage.hpp>

#include "common/row_sizes.hpp"
#include "common/workload.hpp"

namespace {

using namespace fqbench;
namespace fs = std::filesystem;

constexpr std::size_t kBatchCases = 1000;  // lifecycles per batch: 6,000 actions

fs::path scratch(const std::string& name) {
  const char* dir = std::getenv("FQ_BENCH_DIR");
  fs::path p = fs::path(dir && *dir ? dir : ".") / name;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p;
}

std::uint64_t file_bytes(const fs::path& p) {
  std::uint64_t n = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    auto s = fs::file_size(p.string() + suffix, ec);
    if (!ec) n += s;
  }
  return n;
}

fengqiao::SqliteOptions::Synchronous sync_of(int64_t full) {
  return full ? fengqiao::SqliteOptions::Synchronous::full : fengqiao::SqliteOptions::Synchronous::normal;
}

// ---- The engine ----------------------------------------------------------------------

// Args: {synchronous full?, batched?}. One iteration = one lifecycle (per action), or one
// batch of kBatchCases lifecycles.
void BM_EngineSqlite(benchmark::State& state) {
  const bool full = state.range(0) != 0, batched = state.range(1) != 0;
  const fs::path file = scratch("bench-engine.db");
  {
    fengqiao::SqliteOptions so;
    so.synchronous = sync_of(full);
    fengqiao::EngineOptions o;
    o.storage = fengqiao::SqliteStorage::open(file.string(), so).value_or_throw();
    o.clock = std::make_shared<fengqiao::ManualClock>(kMonday9am);
    fengqiao::Engine engine(std::move(o));
    const Flow& f = flow();
    std::uint64_t next = 0, actions = 0;
    WallRate wall;
    for (auto _ : state) {
      if (!batched) {
        f.lifecycle(engine, case_id(next++));
        actions += 6;
        continue;
      }
      auto batch = engine.batch();
      for (std::size_t c = 0; c < kBatchCases; ++c) f.lifecycle(engine, case_id(next++));
      batch.commit();
      actions += 6 * kBatchCases;
    }
    state.counters["actions_per_s"] = wall.per_s(static_cast<double>(actions));
    state.counters["bytes_per_case"] = static_cast<double>(file_bytes(file)) / static_cast<double>(next);
  }
  scratch("bench-engine.db");
}
BENCHMARK(BM_EngineSqlite)->ArgNames({"full", "batched"})
    ->Args({0, 0})->Args({1, 0})->Args({0, 1})->Args({1, 1})
    ->MinTime(3.0)->Unit(benchmark::kMillisecond);

// ---- The baseline: raw SQLiteCpp ------------------------------------------------------

// The adapter's schema 5 (docs/DESIGN.md "SQLite schema 5"): the same tables, keys, indexes
// and triggers; the meta, outbox, visits and configuration tables, which a plain action does
// not write, are left out.
void create_schema(SQLite::Database& db, bool full) {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA temp_store = MEMORY");  // as the adapter's connection (src/sqlite/schema.cpp)
  db.exec(
      "CREATE TABLE cases (id TEXT NOT NULL PRIMARY KEY COLLATE BINARY, state TEXT NOT NULL,"
      " supervision TEXT NOT NULL, level INTEGER NOT NULL, lead TEXT, jurisdiction TEXT NOT NULL,"
      " next_due INTEGER, version INTEGER NOT NULL, snapshot BLOB NOT NULL) WITHOUT ROWID");
  db.exec("CREATE INDEX cases_by_state ON cases(state)");
  db.exec("CREATE INDEX cases_by_supervision ON cases(supervision)");
  db.exec("CREATE INDEX cases_by_lead ON cases(lead) WHERE lead IS NOT NULL");
  db.exec("CREATE INDEX cases_by_jurisdiction ON cases(jurisdiction)");
  db.exec("CREATE INDEX cases_by_due ON cases(next_due) WHERE next_due IS NOT NULL");
  db.exec(
      "CREATE TABLE events (case_id TEXT NOT NULL COLLATE BINARY, seq INTEGER NOT NULL, body BLOB NOT NULL,"
      " PRIMARY KEY (case_id, seq)) WITHOUT ROWID");
  db.exec(
      "CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events"
      " BEGIN SELECT RAISE(ABORT, 'append-only'); END");
  db.exec(
      "CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events"
      " BEGIN SELECT RAISE(ABORT, 'append-only'); END");
}

struct RawWriter {
  std::array<StepRow, 6> rows;
  SQLite::Database db;
  SQLite::Statement insert_case, update_case, insert_event, begin, commit, savepoint, release;
  std::array<std::string, 6> snapshot_text, event_text;

  RawWriter(const fs::path& file, bool full, const std::array<StepRow, 6>& sizes)
      : rows(sizes),
        db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE),
        insert_case(db, (create_schema(db, full),
                         "INSERT INTO cases(id, state, supervision, level, lead, jurisdiction, next_due, version,"
                         " snapshot) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")),
        update_case(db,
                    "UPDATE cases SET state = ?2, supervision = ?3, level = ?4, lead = ?5, jurisdiction = ?6,"
                    " next_due = ?7, version = ?8, snapshot = ?9 WHERE id = ?1 AND version = ?10"),
        insert_event(db, "INSERT INTO events(case_id, seq, body) VALUES (?1, ?2, ?3)"),
        begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        savepoint(db, "SAVEPOINT w"),
        release(db, "RELEASE w") {
    for (int s = 0; s < 6; ++s) {
      snapshot_text[s].assign(rows[s].snapshot_bytes, 'x');
      event_text[s].assign(rows[s].event_bytes, 'y');
    }
  }

  static void run(SQLite::Statement& st) {
    st.exec();
    st.reset();
  }

  // One action's rows: the case row (inserted at register, updated after) and its event.
  void write(const std::string& id, int s, std::int64_t at) {
    const StepRow& r = rows[s];
    SQLite::Statement& st = s == 0 ? insert_case : update_case;
    st.bind(1, id);
    st.bind(2, r.state);
    st.bind(3, "on_track");
    st.bind(4, 0);
    if (r.has_lead) st.bind(5, "justice_xilinji");
    else st.bind(5);
    st.bind(6, "/daxinganling/mohe/xilinji/");
    if (r.has_due) st.bind(7, static_cast<std::int64_t>(at + 86400));
    else st.bind(7);
    st.bind(8, static_cast<std::int64_t>(s + 1));
    st.bindNoCopy(9, snapshot_text[s].data(), static_cast<int>(snapshot_text[s].size()));
    if (s > 0) st.bind(10, static_cast<std::int64_t>(s));
    run(st);
    insert_event.bind(1, id);
    insert_event.bind(2, static_cast<std::int64_t>(s + 1));
    insert_event.bindNoCopy(3, event_text[s].data(), static_cast<int>(event_text[s].size()));
    run(insert_event);
  }
};

// Args: {synchronous full?, batched?}; batched = 1 is the adapter's pattern (one
// transaction, no savepoint per action since schema 5). Two more batched forms, to show
// where the time goes: 2 = a savepoint around each action (the adapter's pattern before),
// 3 = those savepoints with SQLite's default temp_store (their statement journal written to
// a temporary file, as the adapter did before it set temp_store = MEMORY).
void BM_RawSqliteCpp(benchmark::State& state) {
  const bool full = state.range(0) != 0, batched = state.range(1) != 0;
  const bool savepoints = state.range(1) >= 2;
  static const std::array<StepRow, 6> sizes = loop_rows(scratch("bench-row-sizes.db"));
  const fs::path file = scratch("bench-raw.db");
  {
    RawWriter w(file, full, sizes);
    if (state.range(1) == 3) w.db.exec("PRAGMA temp_store = DEFAULT");
    const std::int64_t at = kMonday9am.time_since_epoch().count();
    std::uint64_t next = 0, actions = 0;
    WallRate wall;
    for (auto _ : state) {
      if (!batched) {
        const std::string id = case_id(next++);
        for (int s = 0; s < 6; ++s) {
          RawWriter::run(w.begin);
          w.write(id, s, at);
          RawWriter::run(w.commit);
        }
        actions += 6;
        continue;
      }
      // The adapter's batch: one transaction (and, for the comparison, a savepoint around
      // each action).
      RawWriter::run(w.begin);
      for (std::size_t c = 0; c < kBatchCases; ++c) {
        const std::string id = case_id(next++);
        for (int s = 0; s < 6; ++s) {
          if (savepoints) RawWriter::run(w.savepoint);
          w.write(id, s, at);
          if (savepoints) RawWriter::run(w.release);
        }
      }
      RawWriter::run(w.commit);
      actions += 6 * kBatchCases;
    }
    state.counters["actions_per_s"] = wall.per_s(static_cast<double>(actions));
    state.counters["bytes_per_case"] = static_cast<double>(file_bytes(file)) / static_cast<double>(next);
  }
  scratch("bench-raw.db");
}
BENCHMARK(BM_RawSqliteCpp)->ArgNames({"full", "batched"})
    ->Args({0, 0})->Args({1, 0})->Args({0, 1})->Args({1, 1})->Args({0, 2})->Args({0, 3})
    ->MinTime(3.0)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
