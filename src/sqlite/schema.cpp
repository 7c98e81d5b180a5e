#include "sqlite/schema.hpp"

#include <chrono>
#include <vector>

#include "fengqiao/chain.hpp"
#include "sqlite/rows.hpp"
#include "storage/compact_codec.hpp"

namespace fengqiao::sqlite_detail {
namespace {

// Each migration takes the schema from to_version - 1 to to_version: its statements, then
// its data step (when it has one). Append new ones; never edit one that has shipped (files
// in the field were made by it).
struct Migration {
  int to_version;
  std::vector<const char*> statements;
  void (*data_step)(Connection&, int from_version) = nullptr;
};

// The next page of (id, snapshot) rows after `after` from `cases` (a statement selecting
// id and snapshot of the cases with id > ?1 in id order, a page at a time), read whole
// before any of them is written: rows are not rewritten under a statement still stepping
// through their table. Moves `after` to the page's last id; empty at the end. Each row must
// be past the one before: a damaged index can answer `id > after` with rows already seen,
// and a migration would then ask for the same page forever (found by fuzz_sqlite_open; kept
// in tests/fuzz/sqlite_open/crashes).
std::vector<std::pair<std::string, std::string>> next_page(SQLite::Statement& cases, std::string& after) {
  std::vector<std::pair<std::string, std::string>> page;
  cases.reset();
  cases.bind(1, after);
  while (cases.executeStep()) {
    std::string id = cases.getColumn(0).getString();
    const std::string& previous = page.empty() ? after : page.back().first;
    if (!(page.empty() && after.empty()) && id <= previous)
      throw storage_detail::DataError("the cases table's id order is damaged: \"" + id + "\" comes after \"" +
                                      previous + "\"");
    page.emplace_back(std::move(id), cases.getColumn(1).getString());
  }
  if (!page.empty()) after = page.back().first;
  return page;
}

// Version 4's data step: the hash chain (fengqiao/chain.hpp) for the events an older
// fengqiao wrote. Each case's events are hashed as they are found now, in seq order, each
// event's JSON gains its "hash" and the snapshot its "chain_head". The chain so made
// proves nothing about what happened to those events before the migration; the meta row
// `chain_migrated` records that it happened, from which schema, when, and how many events
// it chained (docs/STORAGE.md "Schema", docs/CHAIN.md "Stores older than the chain").
// Events whose case has no row are left alone: check_integrity reports them as orphans.
void chain_existing_events(Connection& c, int from_version) {
  // The events table refuses UPDATE (append-only); this one rewrite is the migration's,
  // inside its transaction, and the trigger is back before it commits.
  c.run_once("DROP TRIGGER events_are_append_only_update");
  SQLite::Statement cases(c.database(), "SELECT id, snapshot FROM cases WHERE id > ?1 ORDER BY id LIMIT 512");
  SQLite::Statement events(c.database(), "SELECT seq, json FROM events WHERE case_id = ?1 ORDER BY seq");
  // json_set adds the one key and leaves the rest of each row's text as it was.
  SQLite::Statement set_event(c.database(),
                              "UPDATE events SET json = json_set(json, '$.hash', ?3) WHERE case_id = ?1 AND seq = ?2");
  SQLite::Statement set_case(c.database(), "UPDATE cases SET snapshot = json_set(snapshot, '$.chain_head', ?2) WHERE id = ?1");
  std::int64_t chained_cases = 0, chained_events = 0;
  std::string after;
  for (;;) {
    const auto page = next_page(cases, after);
    if (page.empty()) break;
    for (const auto& [id, snapshot_json] : page) {
      std::vector<Event> history;
      events.reset();
      events.bind(1, id);
      while (events.executeStep())
        history.push_back(event_from(events.getColumn(1).getString(), id, events.getColumn(0).getInt64()));
      std::string head = chain::genesis(id);
      for (Event& e : history) {
        e.hash = chain::event_hash(e, head);
        head = e.hash;
        set_event.reset();
        set_event.bind(1, id);
        set_event.bind(2, static_cast<std::int64_t>(e.seq));
        set_event.bind(3, e.hash);
        set_event.exec();
      }
      // Read, so that a snapshot that does not parse fails the migration (and leaves the
      // file as it was) instead of being chained.
      (void)snapshot_from(snapshot_json, id);
      if (!history.empty()) {
        set_case.reset();
        set_case.bind(1, id);
        set_case.bind(2, head);
        set_case.exec();
      }
      ++chained_cases;
      chained_events += static_cast<std::int64_t>(history.size());
    }
  }
  c.run_once("CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events"
             " BEGIN SELECT RAISE(ABORT, 'fengqiao events are append-only'); END");
  if (from_version == 0) return;  // a new file: every event it will hold is chained as it is stored
  SQLite::Statement note(c.database(), "INSERT OR REPLACE INTO meta(key, value) VALUES ('chain_migrated', ?1)");
  const auto now = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
  note.bind(1, nlohmann::json{{"from_schema", from_version},
                              {"at", format_instant(now, UtcOffset::from_seconds(0))},
                              {"cases", chained_cases},
                              {"events", chained_events}}
                   .dump());
  note.exec();
}

// Version 5's data step: each JSON snapshot and event, read as the JSON readers read them
// (a row that does not read refuses the whole migration, which then changes nothing), is
// written into the compact tables in the compact encoding (storage/compact_codec.hpp). An
// event keeps its stored hash as it is: the chain is over the event's fields (docs/CHAIN.md),
// not over how a store spells them, and every field reads back the same. The cases are
// paged in id order as in version 4's step, with the same check that each page moves on.
void compact_rows(Connection& c, int /*from_version*/) {
  SQLite::Statement cases(c.database(), "SELECT id, snapshot FROM cases WHERE id > ?1 ORDER BY id LIMIT 512");
  SQLite::Statement events(c.database(), "SELECT seq, json FROM events WHERE case_id = ?1 ORDER BY seq");
  SQLite::Statement put_case(c.database(),
                             "INSERT INTO cases_v5(id, state, supervision, level, lead, jurisdiction, next_due, version,"
                             " snapshot) SELECT id, state, supervision, level, lead, jurisdiction, next_due, version, ?2"
                             " FROM cases WHERE id = ?1");
  SQLite::Statement put_event(c.database(), "INSERT INTO events_v5(case_id, seq, body) VALUES (?1, ?2, ?3)");
  storage_detail::Buf blob;
  // One JSON event row read and written as a blob.
  const auto copy_event = [&](const std::string& id, std::int64_t seq, const std::string& json) {
    const Event e = event_from(json, id, seq);
    blob.clear();
    storage_detail::encode_event(e, blob);
    put_event.reset();
    put_event.bind(1, id);
    put_event.bind(2, seq);
    put_event.bindNoCopy(3, blob.data(), static_cast<int>(blob.size()));
    put_event.exec();
  };
  std::string after;
  for (;;) {
    const auto page = next_page(cases, after);
    if (page.empty()) break;
    for (const auto& [id, snapshot_json] : page) {
      const Case snapshot = snapshot_from(snapshot_json, id);
      if (snapshot.id != id)
        throw storage_detail::DataError("the snapshot in the row of case \"" + id + "\" is of case \"" + snapshot.id + "\"");
      blob.clear();
      storage_detail::encode_case(snapshot, blob);
      put_case.reset();
      put_case.bind(1, id);
      put_case.bindNoCopy(2, blob.data(), static_cast<int>(blob.size()));
      put_case.exec();
      events.reset();
      events.bind(1, id);
      while (events.executeStep())
        copy_event(id, events.getColumn(0).getInt64(), events.getColumn(1).getString());
    }
  }
  // Events whose case has no row are copied too (as they were): check_integrity reports
  // them, as it did before the migration, instead of the migration losing them. They are
  // refused only when they do not read.
  SQLite::Statement orphans(c.database(),
                            "SELECT case_id, seq, json FROM events WHERE case_id NOT IN (SELECT id FROM cases)"
                            " ORDER BY case_id, seq");
  while (orphans.executeStep())
    copy_event(orphans.getColumn(0).getString(), orphans.getColumn(1).getInt64(), orphans.getColumn(2).getString());
  // The old tables go with their indexes and triggers; the new ones take their names.
  c.run_once("DROP TABLE events");
  c.run_once("DROP TABLE cases");
  c.run_once("ALTER TABLE cases_v5 RENAME TO cases");
  c.run_once("ALTER TABLE events_v5 RENAME TO events");
  for (const char* sql : {
           "CREATE INDEX cases_by_state ON cases(state)",
           "CREATE INDEX cases_by_supervision ON cases(supervision)",
           "CREATE INDEX cases_by_lead ON cases(lead) WHERE lead IS NOT NULL",
           "CREATE INDEX cases_by_jurisdiction ON cases(jurisdiction)",
           "CREATE INDEX cases_by_due ON cases(next_due) WHERE next_due IS NOT NULL",
           "CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events"
           " BEGIN SELECT RAISE(ABORT, 'fengqiao events are append-only'); END",
           "CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events"
           " BEGIN SELECT RAISE(ABORT, 'fengqiao events are append-only'); END",
       })
    c.run_once(sql);
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1,
       {
           "CREATE TABLE meta ("
           " key   TEXT PRIMARY KEY,"
           " value TEXT NOT NULL"
           ") WITHOUT ROWID",

           // A rowid table: snapshots are a few kilobytes, too large for WITHOUT ROWID to pay.
           "CREATE TABLE cases ("
           " id           TEXT NOT NULL PRIMARY KEY COLLATE BINARY,"
           " state        TEXT NOT NULL,"
           " supervision  TEXT NOT NULL,"
           " level        INTEGER NOT NULL,"
           " lead         TEXT,"
           " jurisdiction TEXT NOT NULL,"
           " next_due     INTEGER,"
           " version      INTEGER NOT NULL,"
           " snapshot     TEXT NOT NULL"
           ")",
           "CREATE INDEX cases_by_state ON cases(state, id)",
           "CREATE INDEX cases_by_supervision ON cases(supervision, id)",
           "CREATE INDEX cases_by_lead ON cases(lead, id) WHERE lead IS NOT NULL",
           "CREATE INDEX cases_by_jurisdiction ON cases(jurisdiction, id)",
           // The due index: first_due() is one descent of this b-tree.
           "CREATE INDEX cases_by_due ON cases(next_due, id) WHERE next_due IS NOT NULL",

           // Clustered by case: a history is read as one contiguous range.
           "CREATE TABLE events ("
           " case_id TEXT NOT NULL COLLATE BINARY,"
           " seq     INTEGER NOT NULL,"
           " at      INTEGER NOT NULL,"
           " type    TEXT NOT NULL,"
           " json    TEXT NOT NULL,"
           " PRIMARY KEY (case_id, seq)"
           ") WITHOUT ROWID",
           "CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events"
           " BEGIN SELECT RAISE(ABORT, 'fengqiao events are append-only'); END",
           "CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events"
           " BEGIN SELECT RAISE(ABORT, 'fengqiao events are append-only'); END",

           // AUTOINCREMENT: an acknowledged message's id is never handed out again.
           "CREATE TABLE outbox ("
           " id        INTEGER PRIMARY KEY AUTOINCREMENT,"
           " topic     TEXT NOT NULL,"
           " case_id   TEXT NOT NULL,"
           " event_seq INTEGER NOT NULL,"
           " payload   TEXT NOT NULL"
           ")",
       }},
      {2,
       {
           // Contract version 2's visits. A visit is written once and never changes, so its
           // JSON is the whole record; the columns are what the filters read. WITHOUT ROWID:
           // a visit is a few hundred bytes, and the id is what queries walk in order.
           "CREATE TABLE visits ("
           " id      TEXT NOT NULL PRIMARY KEY COLLATE BINARY,"
           " at      INTEGER NOT NULL,"
           " kind    TEXT NOT NULL,"
           " channel TEXT NOT NULL,"
           " case_id TEXT COLLATE BINARY,"
           " json    TEXT NOT NULL"
           ") WITHOUT ROWID",
           "CREATE INDEX visits_by_at ON visits(at, id)",
           "CREATE INDEX visits_by_case ON visits(case_id, id) WHERE case_id IS NOT NULL",
           // A party's id_number and phone, one row per distinct value per visit, so that
           // "every visit of this person" is one index range rather than a scan of the JSON.
           // The key is "id_number:<value>" or "phone:<value>".
           "CREATE TABLE visit_keys ("
           " key      TEXT NOT NULL COLLATE BINARY,"
           " visit_id TEXT NOT NULL COLLATE BINARY,"
           " PRIMARY KEY (key, visit_id)"
           ") WITHOUT ROWID",
       }},
      {3,
       {
           // The configuration in force and its history (configuration.hpp): one row per
           // ConfigRecord, numbered from 1 without gaps. seq is the rowid, so the newest is
           // one descent of the table's b-tree (every commit reads it, to check config_seq).
           // `at` is the instant it is in force from, for reading the history by time without
           // parsing; the JSON is the whole record.
           "CREATE TABLE configurations ("
           " seq  INTEGER PRIMARY KEY CHECK (seq > 0),"
           " at   INTEGER NOT NULL,"
           " json TEXT NOT NULL"
           ")",
           // A record is what the store's deadlines were computed by: like an event, it is
           // never rewritten (a batch's rollback is the transaction's, not a DELETE).
           "CREATE TRIGGER configurations_are_append_only_update BEFORE UPDATE ON configurations"
           " BEGIN SELECT RAISE(ABORT, 'fengqiao configuration records are append-only'); END",
           "CREATE TRIGGER configurations_are_append_only_delete BEFORE DELETE ON configurations"
           " BEGIN SELECT RAISE(ABORT, 'fengqiao configuration records are append-only'); END",
       }},
      // The hash chain: no new table or column (each event's hash is in its JSON, the head
      // in the snapshot's), only the data step that chains what older versions wrote.
      {4, {}, chain_existing_events},
      // The compact layout (docs/DESIGN.md "SQLite schema 5"): snapshots and events as
      // compact blobs instead of JSON text, `cases` clustered by id (WITHOUT ROWID: no
      // separate id index), the events' `at` and `type` columns folded into the blob
      // (nothing queries them). Every index of version 1 is kept: the planner picks each for
      // its case_query filter (tests/sqlite/sqlite_open_test.cpp checks the plans), and the
      // due index is the sweep's. Each loses its trailing id column: an index of a
      // WITHOUT ROWID table carries the primary key anyway, in the same order.
      // The JSON tables are read and dropped by the data step.
      {5,
       {
           "CREATE TABLE cases_v5 ("
           " id           TEXT NOT NULL PRIMARY KEY COLLATE BINARY,"
           " state        TEXT NOT NULL,"
           " supervision  TEXT NOT NULL,"
           " level        INTEGER NOT NULL,"
           " lead         TEXT,"
           " jurisdiction TEXT NOT NULL,"
           " next_due     INTEGER,"
           " version      INTEGER NOT NULL,"
           " snapshot     BLOB NOT NULL"
           ") WITHOUT ROWID",
           "CREATE TABLE events_v5 ("
           " case_id TEXT NOT NULL COLLATE BINARY,"
           " seq     INTEGER NOT NULL,"
           " body    BLOB NOT NULL,"
           " PRIMARY KEY (case_id, seq)"
           ") WITHOUT ROWID",
       },
       compact_rows},
  };
  return all;
}

enum class Contents { empty, fengqiao, foreign };

struct Found {
  Contents contents = Contents::empty;
  int schema_version = 0;
};

// Reads without writing: a refused file must stay exactly as it was. The first read is
// also where SQLite notices a file that is not a database at all.
Found inspect(Connection& c) {
  Found f;
  SQLite::Statement objects(c.database(), "SELECT count(*) FROM sqlite_master");
  objects.executeStep();
  const auto object_count = objects.getColumn(0).getInt64();

  SQLite::Statement app(c.database(), "PRAGMA application_id");
  app.executeStep();
  const int application_id = app.getColumn(0).getInt();

  SQLite::Statement meta(c.database(), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  meta.executeStep();
  const bool has_meta = meta.getColumn(0).getInt64() == 1;

  if (object_count == 0 && application_id == 0) return f;
  if (application_id != kApplicationId || !has_meta) {
    f.contents = Contents::foreign;
    return f;
  }
  f.contents = Contents::fengqiao;
  SQLite::Statement version(c.database(), "SELECT value FROM meta WHERE key = 'schema_version'");
  if (version.executeStep()) f.schema_version = std::stoi(version.getColumn(0).getString());
  return f;
}

void migrate(Connection& c, int from) {
  for (const Migration& m : migrations()) {
    if (m.to_version <= from) continue;
    for (const char* sql : m.statements) c.run_once(sql);
    if (m.data_step) m.data_step(c, from);
  }
  SQLite::Statement set(c.database(),
                        "INSERT INTO meta(key, value) VALUES ('schema_version', ?1)"
                        " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  set.bind(1, std::to_string(SqliteStorage::kSchemaVersion));
  set.exec();
  c.run_once("PRAGMA application_id = " + std::to_string(kApplicationId));
}

Error refuse(const Where& where, const std::string& why) {
  return make_error(ErrorCode::storage_error, describe_file(where) + " " + why);
}

Error refuse_newer(const Where& where, int schema_version) {
  return refuse(where, "was written by a newer fengqiao (schema " + std::to_string(schema_version) + " > " +
                           std::to_string(SqliteStorage::kSchemaVersion) + "); upgrade fengqiao to open it");
}

}  // namespace

Status prepare_schema(Connection& c, const SqliteOptions& options, const Where& where, int& schema_version) {
  Found found = inspect(c);
  schema_version = found.schema_version;
  if (found.contents == Contents::foreign)
    return refuse(where, "is not a fengqiao database (it has other tables, or another application id); "
                         "it was left unchanged");
  if (found.schema_version > SqliteStorage::kSchemaVersion) return refuse_newer(where, found.schema_version);
  const bool in_memory = where.path == ":memory:" || where.path.empty();

  if (options.read_only) {
    if (found.contents == Contents::empty)
      return refuse(where, "holds no fengqiao schema yet; open it writable once to create it");
    // An older file is read as it is: reading must not need write access, and every
    // version so far only added tables (what a version lacks, it holds none of: a
    // version-1 file has no visits, a version-2 file no configuration records).
    return Status::success();
  }

  // WAL: readers never wait for the writer, and a commit is one append to the log,
  // which a crash cannot leave half-applied.
  if (!in_memory) {
    SQLite::Statement mode(c.database(), "PRAGMA journal_mode = WAL");
    mode.executeStep();
    if (mode.getColumn(0).getString() != "wal")
      return refuse(where, "cannot be switched to WAL mode (journal mode stays \"" + mode.getColumn(0).getString() +
                               "\"); is it on a network file system?");
  }
  c.run_once(options.synchronous == SqliteOptions::Synchronous::full ? "PRAGMA synchronous = FULL"
                                                                      : "PRAGMA synchronous = NORMAL");
  // A statement journal (a statement that may need undoing on its own inside a transaction)
  // would otherwise go to a temporary file, one pwrite per page; the WAL already makes the
  // commit durable.
  c.run_once("PRAGMA temp_store = MEMORY");

  if (found.contents == Contents::fengqiao && found.schema_version == SqliteStorage::kSchemaVersion)
    return Status::success();
  schema_version = SqliteStorage::kSchemaVersion;
  // Another process may be creating or migrating the same file: decide again under the
  // write lock.
  c.run_once("BEGIN IMMEDIATE");
  try {
    found = inspect(c);
    if (found.contents == Contents::foreign) {
      c.run_once("ROLLBACK");
      return refuse(where, "is not a fengqiao database; it was left unchanged");
    }
    if (found.schema_version > SqliteStorage::kSchemaVersion) {  // a newer fengqiao migrated it meanwhile
      c.run_once("ROLLBACK");
      return refuse_newer(where, found.schema_version);
    }
    if (found.schema_version < SqliteStorage::kSchemaVersion) migrate(c, found.schema_version);
    c.run_once("COMMIT");
  } catch (...) {
    if (c.in_transaction()) c.run_once("ROLLBACK");
    throw;
  }
  return Status::success();
}

}  // namespace fengqiao::sqlite_detail
