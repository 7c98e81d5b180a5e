#include "fengqiao/sqlite_storage.hpp"

#include <condition_variable>
#include <filesystem>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <thread>

#include <SQLiteCpp/Database.h>

#include "fengqiao/memory_storage.hpp"  // validate_commit
#include "sqlite/case_query.hpp"
#include "sqlite/connection.hpp"
#include "sqlite/errors.hpp"
#include "sqlite/file_guard.hpp"
#include "sqlite/integrity.hpp"
#include "sqlite/rows.hpp"
#include "sqlite/schema.hpp"
#include "sqlite/visit_query.hpp"
#include "storage/compact_codec.hpp"

namespace fengqiao {

using namespace sqlite_detail;

namespace {

const std::string kSelectVersion = "SELECT version FROM cases WHERE id = ?1";
const std::string kInsertCase =
    "INSERT INTO cases(id, state, supervision, level, lead, jurisdiction, next_due, version, snapshot)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const std::string kUpdateCase =
    "UPDATE cases SET state = ?2, supervision = ?3, level = ?4, lead = ?5, jurisdiction = ?6, next_due = ?7,"
    " version = ?8, snapshot = ?9 WHERE id = ?1 AND version = ?10";
const std::string kInsertEvent = "INSERT INTO events(case_id, seq, body) VALUES (?1, ?2, ?3)";
const std::string kInsertOutbox = "INSERT INTO outbox(topic, case_id, event_seq, payload) VALUES (?1, ?2, ?3, ?4)";
const std::string kSelectSnapshot = "SELECT snapshot FROM cases WHERE id = ?1";
const std::string kCaseExists = "SELECT 1 FROM cases WHERE id = ?1";
const std::string kSelectEvents =
    "SELECT seq, body FROM events WHERE case_id = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3";
// A file before schema 5, opened read-only (not migrated): events as JSON text.
const std::string kSelectJsonEvents =
    "SELECT seq, json FROM events WHERE case_id = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3";
const std::string kFetchOutbox = "SELECT id, topic, case_id, event_seq, payload FROM outbox ORDER BY id LIMIT ?1";
const std::string kAckOutbox = "DELETE FROM outbox WHERE id = ?1";
const std::string kOutboxDepth = "SELECT count(*) FROM outbox";
const std::string kInsertVisit = "INSERT INTO visits(id, at, kind, channel, case_id, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const std::string kInsertVisitKey = "INSERT INTO visit_keys(key, visit_id) VALUES (?1, ?2)";
const std::string kVisitExists = "SELECT 1 FROM visits WHERE id = ?1";
const std::string kTableExists = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1";
// max() of the rowid is one descent to the b-tree's last entry: cheap enough for every commit.
const std::string kNewestConfigSeq = "SELECT ifnull(max(seq), 0) FROM configurations";
const std::string kNewestConfig = "SELECT seq, json FROM configurations ORDER BY seq DESC LIMIT 1";
const std::string kSelectConfigs = "SELECT seq, json FROM configurations WHERE seq >= ?1 ORDER BY seq LIMIT ?2";
const std::string kInsertConfig = "INSERT INTO configurations(seq, at, json) VALUES (?1, ?2, ?3)";
const std::string kBeginBatch = "BEGIN IMMEDIATE";
const std::string kCommitBatch = "COMMIT";
const std::string kRollbackBatch = "ROLLBACK";

// read_events and read_configurations hand rows to the visitor in chunks of this many,
// without holding the connection: the visitor may call back into the storage, and can
// stop early cheaply.
constexpr int kEventChunk = 256;

int64_t as_int64(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                               : static_cast<int64_t>(v);
}

Error moved_from() {
  return make_error(ErrorCode::storage_error, "this SqliteStorage was moved from; use the object it was moved to");
}

// `snapshot` stays alive until the statement has run: bound without a copy.
void bind_case(SQLite::Statement& st, const Case& c, const Buf& snapshot) {
  const CaseColumns cols = columns_of(c);
  st.bind(1, c.id);
  st.bind(2, cols.state);
  st.bind(3, cols.supervision);
  st.bind(4, cols.level);
  if (cols.lead) st.bind(5, *cols.lead);
  else st.bind(5);
  st.bind(6, cols.jurisdiction);
  if (cols.next_due) st.bind(7, static_cast<int64_t>(*cols.next_due));
  else st.bind(7);
  st.bind(8, as_int64(c.version));
  st.bindNoCopy(9, snapshot.data(), static_cast<int>(snapshot.size()));
}

// A stored snapshot or event: the compact blob from schema 5 on, JSON text before (a file
// opened read-only is read as it is).
Case case_from(const SQLite::Column& column, const std::string& id, bool compact) {
  if (compact) return decode_case(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()), id);
  return snapshot_from(column.getString(), id);
}

Event stored_event(const SQLite::Column& column, const std::string& case_id, std::int64_t seq, bool compact) {
  if (compact)
    return decode_event(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()), case_id,
                        static_cast<std::uint64_t>(seq));
  return event_from(column.getString(), case_id, seq);
}

}  // namespace

struct SqliteStorage::Impl {
  Where where;
  SqliteOptions options;
  mutable Connection conn;  // mutable: reads run statements too

  // One connection, one caller at a time. While a batch is open only its thread gets
  // the connection; other threads wait for batch_ended, up to busy_timeout (hold()), and
  // never join the batch. end_batch is the exception: any thread may end the batch.
  mutable std::mutex mu;
  mutable std::condition_variable batch_ended;
  bool in_batch = false;
  std::thread::id batch_owner;
  // Set when SQLite itself rolled back the open batch after an error (disk full, I/O):
  // its earlier commits are gone, and end_batch(true) must say so.
  std::optional<Error> batch_lost;
  // Snapshots committed in the open batch, by case id: the batch holds the write lock, so
  // no other connection can change them, and `load` need not read and parse them back
  // (a batch's actions mostly touch cases it has just written). Cleared when the batch
  // ends, either way, and when it grows past kBatchCacheCases.
  std::unordered_map<std::string, Case> batch_cache;
  // The newest configuration seq, read once per batch (same_config).
  std::optional<std::uint64_t> batch_config_seq;
  static constexpr std::size_t kBatchCacheCases = 4096;
  // False for a version-1 file opened read-only (not migrated): it has no visits table,
  // and so no visits.
  bool has_visits = true;
  // False for a version-1 or 2 file opened read-only: it kept no configuration records.
  bool has_configurations = true;
  // False for a file before schema 5 opened read-only: snapshots and events are JSON text.
  bool compact = true;
  // The file `where.path` named at open (writable stores on a file): every write
  // transaction first checks the path still names it.
  std::optional<FileIdentity> identity;
  // Its -wal file: kept after close (keep_wal_files), so when the database file was
  // replaced meanwhile, the log of the file that is gone would be read as the new file's.
  std::optional<FileIdentity> wal_identity;

  // The -wal and -shm files to remove once the connection is closed: this store's, when
  // the path no longer names its database file.
  std::vector<std::string> orphaned_logs() const {
    if (!identity || identity->still_there(where)) return {};
    if (!wal_identity || FileIdentity::of(where.path + "-wal") != wal_identity) return {};
    return {where.path + "-wal", where.path + "-shm"};
  }

  Impl(const std::string& path, const SqliteOptions& o, int flags)
      : where{path, o.busy_timeout}, options(o), conn(path, flags, static_cast<int>(o.busy_timeout.count())) {}

  // The -wal file stays when the last connection closes (keep_wal_files): emptied first,
  // so no frames are left in it for a file that later takes this path (one restored from
  // a backup, or renamed over this one) to be read through.
  ~Impl() {
    if (!identity) return;
    try {
      conn.run_once("PRAGMA journal_size_limit = 0");
    } catch (...) {
      // Closing goes on; SQLite checkpoints as usual and the log keeps its size.
    }
  }

  // The connection for this thread; throws HeldByBatch (busy) when another thread's batch
  // keeps it longer than busy_timeout.
  std::unique_lock<std::mutex> hold() const {
    std::unique_lock lock(mu);
    const auto me = std::this_thread::get_id();
    if (!batch_ended.wait_for(lock, options.busy_timeout, [&] { return !in_batch || batch_owner == me; }))
      throw HeldByBatch("is held by another thread's batch on this connection (still held after " +
                        std::to_string(options.busy_timeout.count()) + " ms, SqliteOptions::busy_timeout)");
    return lock;
  }

  Error read_only_error(std::string_view doing) const {
    return make_error(ErrorCode::storage_error, describe_file(where) + " was opened read-only (SqliteOptions::read_only); "
                                                "nothing was written while " + std::string(doing));
  }

  // After a write failed inside a batch: did SQLite abandon the whole transaction (it
  // does after a full disk or an I/O error)? Then the batch's commits are gone.
  void notice_lost_batch() {
    if (!in_batch || conn.in_transaction()) return;
    batch_cache.clear();
    if (!batch_lost)
      batch_lost = make_error(ErrorCode::storage_error,
                              describe_file(where) + " rolled back the open batch after a failed write (see that "
                                                     "write's error); none of the batch's commits were stored");
  }

  // Inside a batch a write runs without a savepoint of its own. What the Storage contract
  // asks of a batch is that a refused write fails alone and leaves the batch as it was.
  // Every refusal of this adapter (a version or config_seq conflict, a duplicate case or
  // visit, an unknown case, a configuration seq out of turn) is decided by reads, or by an
  // UPDATE's own WHERE clause that changes no row, before its first row is written: a
  // refused write has written nothing, and there is nothing for a savepoint to undo. What
  // can still fail after a row was written is the database itself: an I/O error or a full
  // disk (SQLite then rolls back the whole transaction on its own), or a constraint that
  // only a damaged file breaks (an event row already there for the next seq). Then the
  // batch is rolled back whole and reported lost, as after an I/O error. The guard below
  // does not rely on the argument: a write that changed rows and did not succeed, however
  // that came about, loses the batch instead of leaving half of itself in it.
  // A savepoint per action cost a third of a batched action's time (benchmarks/ANALYSIS.md).
  template <class F>
  Status write(F&& body) {
    auto lock = hold();
    // A failed read can also make SQLite abandon the batch's transaction; a write made now
    // would then commit on its own, outside the batch.
    notice_lost_batch();
    if (batch_lost) return *batch_lost;
    if (identity)
      if (Status s = identity->still_there(where); !s) return s;
    if (in_batch) return write_in_batch(body);
    try {
      WriteScope scope(conn);
      Status s = body();
      if (s) scope.commit();
      return s;
    } catch (...) {
      batch_cache.clear();
      throw;
    }
  }

  template <class F>
  Status write_in_batch(F& body) {
    const int changes_before = conn.total_changes();
    try {
      Status s = body();
      if (!s && conn.total_changes() != changes_before) lose_batch();
      return s;
    } catch (...) {
      if (conn.total_changes() != changes_before) lose_batch();
      notice_lost_batch();
      throw;
    }
  }

  // A write inside the batch failed after writing rows: the batch's transaction is rolled
  // back now (nothing of the batch stays), and end_batch(true) reports it.
  void lose_batch() {
    batch_cache.clear();
    if (conn.in_transaction()) {
      try {
        Use(conn, kRollbackBatch)->exec();
      } catch (...) {
        // The connection rolls back when it closes; the batch is reported lost either way.
      }
    }
    if (!batch_lost)
      batch_lost = make_error(ErrorCode::storage_error,
                              describe_file(where) + " rolled back the open batch after a write failed halfway (see "
                                                     "that write's error); none of the batch's commits were stored");
  }

  Status commit(const CaseCommit& c) {
    if (Status s = validate_commit(c); !s) return s;
    if (options.read_only) return read_only_error("committing case \"" + c.snapshot.id + "\"");
    // Encode before taking the connection: it needs no database. The events go into one
    // buffer, each at its offset.
    Buf snapshot;
    Buf events;
    snapshot.utf8_only = events.utf8_only = true;
    std::vector<std::size_t> event_ends;
    std::vector<std::string> payloads;
    try {
      encode_case(c.snapshot, snapshot);
      event_ends.reserve(c.events.size());
      for (const Event& e : c.events) {
        encode_event(e, events);
        event_ends.push_back(events.size());
      }
      for (const OutboxMessage& m : c.outbox) payloads.push_back(m.payload.dump());
    } catch (const nlohmann::json::type_error& e) {
      return make_error(ErrorCode::invalid_data, "commit for case \"" + c.snapshot.id +
                                                     "\": a text is not valid UTF-8 (" + e.what() + ")");
    }
    // The rows were JSON text before schema 5, which could not hold such text; the file
    // still holds only UTF-8, so that every reader of it (export, the Python bindings) can.
    if (snapshot.bad_utf8 || events.bad_utf8 || !valid_utf8(c.snapshot.id))
      return make_error(ErrorCode::invalid_data, "commit for case \"" + c.snapshot.id +
                                                     "\": a text is not valid UTF-8; nothing was stored");

    return write([&]() -> Status {
      // Inside the transaction: a configuration committed by another connection after this
      // check would have to wait for our write lock.
      if (Status s = same_config(c.config_seq); !s) return s;
      if (c.expected_version == 0) {
        if (stored_version(c.snapshot.id))
          return make_error(ErrorCode::duplicate_case, "case \"" + c.snapshot.id + "\" already exists");
        Use st(conn, kInsertCase);
        bind_case(*st, c.snapshot, snapshot);
        st->exec();
      } else {
        // The version check is the UPDATE's own WHERE clause; only a refusal reads the
        // stored version back, to say why.
        Use st(conn, kUpdateCase);
        bind_case(*st, c.snapshot, snapshot);
        st->bind(10, as_int64(c.expected_version));
        if (st->exec() != 1) return refused_update(c.snapshot.id, c.expected_version);
      }
      for (std::size_t i = 0; i < c.events.size(); ++i) {
        const Event& e = c.events[i];
        const std::size_t from = i == 0 ? 0 : event_ends[i - 1];
        Use st(conn, kInsertEvent);
        st->bind(1, e.case_id);
        st->bind(2, as_int64(e.seq));
        st->bindNoCopy(3, events.data() + from, static_cast<int>(event_ends[i] - from));
        st->exec();
      }
      insert_outbox(c.outbox, payloads);
      remember_in_batch(c.snapshot);
      return Status::success();
    });
  }

  void insert_outbox(const std::vector<OutboxMessage>& outbox, const std::vector<std::string>& payloads) {
    for (std::size_t i = 0; i < outbox.size(); ++i) {
      const OutboxMessage& m = outbox[i];
      Use st(conn, kInsertOutbox);
      st->bind(1, m.topic);
      st->bind(2, m.case_id);
      st->bind(3, as_int64(m.event_seq));
      st->bind(4, payloads[i]);
      st->exec();
    }
  }

  void remember_in_batch(const Case& snapshot) {
    if (!in_batch) return;
    if (batch_cache.size() >= kBatchCacheCases) batch_cache.clear();
    batch_cache.insert_or_assign(snapshot.id, snapshot);
  }

  // Why kUpdateCase changed no row: the case is missing, or at another version.
  Status refused_update(const std::string& case_id, std::uint64_t expected) const {
    const std::optional<int64_t> stored = stored_version(case_id);
    if (!stored) return make_error(ErrorCode::unknown_case, "no case \"" + case_id + "\"");
    return make_error(ErrorCode::conflict, "case \"" + case_id + "\" is at version " + std::to_string(*stored) +
                                               ", not " + std::to_string(expected) + "; reload and retry");
  }

  std::uint64_t newest_config_seq() const {
    Use st(conn, kNewestConfigSeq);
    st->executeStep();
    return static_cast<std::uint64_t>(st->getColumn(0).getInt64());
  }

  // The configuration a change was computed with must still be the newest. Inside a batch
  // the newest seq is read once: the batch holds the write lock, so only this connection
  // can add a record meanwhile (commit_configuration forgets the value).
  Status same_config(std::uint64_t seq) {
    if (!in_batch || !batch_config_seq) {
      const std::uint64_t read = newest_config_seq();
      if (!in_batch) return compare_config(seq, read);
      batch_config_seq = read;
    }
    return compare_config(seq, *batch_config_seq);
  }

  static Status compare_config(std::uint64_t seq, std::uint64_t newest) {
    if (newest == seq) return Status::success();
    return make_error(ErrorCode::conflict, "the configuration changed (now at seq " + std::to_string(newest) +
                                               ", the change was computed with seq " + std::to_string(seq) +
                                               "); reload and retry");
  }

  Status commit_configuration(const ConfigCommit& c) {
    const std::string seq = std::to_string(c.record.seq);
    if (options.read_only) return read_only_error("committing configuration record " + seq);
    std::string text;
    std::vector<std::string> payloads;
    try {
      text = config_text(c.record);
      for (const OutboxMessage& m : c.outbox) payloads.push_back(m.payload.dump());
    } catch (const nlohmann::json::type_error& e) {
      return make_error(ErrorCode::invalid_data,
                        "configuration record " + seq + ": a text is not valid UTF-8 (" + e.what() + ")");
    }
    return write([&]() -> Status {
      const std::uint64_t newest = newest_config_seq();
      if (c.record.seq != newest + 1)
        return make_error(ErrorCode::conflict, "configuration seq " + seq + " is not the next (" +
                                                   std::to_string(newest + 1) +
                                                   "): another engine changed the configuration; reload and retry");
      batch_config_seq.reset();
      Use st(conn, kInsertConfig);
      st->bind(1, as_int64(c.record.seq));
      st->bind(2, static_cast<int64_t>(to_seconds(c.record.at)));
      st->bind(3, text);
      st->exec();
      insert_outbox(c.outbox, payloads);
      return Status::success();
    });
  }

  Status rewrite_snapshot(const Case& snapshot) {
    if (options.read_only) return read_only_error("rewriting case \"" + snapshot.id + "\"");
    Buf text;
    text.utf8_only = true;
    encode_case(snapshot, text);
    if (text.bad_utf8)
      return make_error(ErrorCode::invalid_data, "rewrite of case \"" + snapshot.id +
                                                     "\": a text is not valid UTF-8; nothing was stored");
    return write([&]() -> Status {
      // The same statement as a commit's, at the same version: the version check is its
      // WHERE clause, and the due index follows the next_due column.
      Use st(conn, kUpdateCase);
      bind_case(*st, snapshot, text);
      st->bind(10, as_int64(snapshot.version));
      if (st->exec() != 1) return refused_update(snapshot.id, snapshot.version);
      remember_in_batch(snapshot);
      return Status::success();
    });
  }

  Result<std::optional<ConfigRecord>> configuration() const {
    if (!has_configurations) return std::optional<ConfigRecord>();
    auto lock = hold();
    Use st(conn, kNewestConfig);
    if (!st->executeStep()) return std::optional<ConfigRecord>();
    return std::optional<ConfigRecord>(config_from(st->getColumn(1).getString(), st->getColumn(0).getInt64()));
  }

  // One chunk of the configuration history, from `from_seq` on.
  Result<std::vector<ConfigRecord>> configurations_chunk(std::uint64_t from_seq) const {
    std::vector<ConfigRecord> out;
    if (!has_configurations) return out;
    auto lock = hold();
    Use st(conn, kSelectConfigs);
    st->bind(1, as_int64(from_seq));
    st->bind(2, kEventChunk);
    while (st->executeStep()) out.push_back(config_from(st->getColumn(1).getString(), st->getColumn(0).getInt64()));
    return out;
  }

  bool table_exists(const std::string& name) {
    Use st(conn, kTableExists);
    st->bind(1, name);
    st->executeStep();
    return st->getColumn(0).getInt64() == 1;
  }

  std::optional<int64_t> stored_version(const std::string& case_id) const {
    Use st(conn, kSelectVersion);
    st->bind(1, case_id);
    if (!st->executeStep()) return std::nullopt;
    return st->getColumn(0).getInt64();
  }

  Result<Case> load(std::string_view case_id) const {
    Case c;
    if (Status s = load_into(case_id, c); !s) return s.error();
    return c;
  }

  // The stored snapshot into `into`, whose strings and vectors keep their capacity.
  Status load_into(std::string_view case_id, Case& into) const {
    auto lock = hold();
    const std::string id(case_id);
    if (in_batch && conn.in_transaction()) {
      // Only the batch's own thread gets here while a batch is open (see hold()); a batch
      // SQLite has abandoned (no transaction any more) is not served from the cache.
      if (auto it = batch_cache.find(id); it != batch_cache.end()) {
        into = it->second;
        return Status::success();
      }
    }
    Use st(conn, kSelectSnapshot);
    st->bind(1, id);
    if (!st->executeStep()) return make_error(ErrorCode::unknown_case, "no case \"" + id + "\"");
    const SQLite::Column column = st->getColumn(0);
    if (compact)
      decode_case_into(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()), id, into);
    else
      into = snapshot_from(column.getString(), id);
    return Status::success();
  }

  // One chunk of a history; `check_case` on the first, to tell unknown cases apart.
  Result<std::vector<Event>> events_chunk(std::string_view case_id, std::uint64_t from_seq, bool check_case) const {
    auto lock = hold();
    Connection& c = conn;
    const std::string id(case_id);
    if (check_case) {
      Use exists(c, kCaseExists);
      exists->bind(1, id);
      if (!exists->executeStep()) return make_error(ErrorCode::unknown_case, "no case \"" + id + "\"");
    }
    std::vector<Event> out;
    Use st(c, compact ? kSelectEvents : kSelectJsonEvents);
    st->bind(1, id);
    st->bind(2, as_int64(from_seq));
    st->bind(3, kEventChunk);
    while (st->executeStep()) out.push_back(stored_event(st->getColumn(1), id, st->getColumn(0).getInt64(), compact));
    return out;
  }

  Result<std::vector<Case>> query(const CaseQuery& q) const {
    const std::string sql = query_sql(q, QueryShape::rows);
    auto lock = hold();
    Use st(conn, sql);
    bind_query(*st, q, QueryShape::rows);
    std::vector<Case> out;
    while (st->executeStep()) out.push_back(case_from(st->getColumn(1), st->getColumn(0).getString(), compact));
    return out;
  }

  Result<std::uint64_t> count(const CaseQuery& q) const {
    const std::string sql = query_sql(q, QueryShape::count);
    auto lock = hold();
    Use st(conn, sql);
    bind_query(*st, q, QueryShape::count);
    st->executeStep();
    return static_cast<std::uint64_t>(st->getColumn(0).getInt64());
  }

  Result<std::optional<DueEntry>> first_due(Instant up_to) const {
    auto lock = hold();
    Use st(conn, kFirstDueSql);
    st->bind(1, static_cast<int64_t>(to_seconds(up_to)));
    if (!st->executeStep()) return std::optional<DueEntry>();
    return std::optional<DueEntry>(DueEntry{from_seconds(st->getColumn(0).getInt64()), st->getColumn(1).getString()});
  }

  Status begin_batch() {
    if (options.read_only) return read_only_error("opening a batch");
    auto lock = hold();
    if (in_batch) return make_error(ErrorCode::storage_error, "a batch is already open (batches do not nest)");
    if (identity)
      if (Status s = identity->still_there(where); !s) return s;
    Use(conn, kBeginBatch)->exec();
    in_batch = true;
    batch_owner = std::this_thread::get_id();
    batch_lost.reset();
    batch_cache.clear();
    batch_config_seq.reset();
    return Status::success();
  }

  // Not hold(): a thread that did not open the batch may end it, and would otherwise wait
  // for the very batch it is ending.
  Status end_batch(bool commit) {
    std::unique_lock lock(mu);
    if (!in_batch) return make_error(ErrorCode::storage_error, "no batch is open");
    // Whatever happens below, the batch is over and waiting threads may go on.
    struct Close {
      Impl& impl;
      ~Close() {
        impl.in_batch = false;
        impl.batch_cache.clear();
        impl.batch_config_seq.reset();
        impl.batch_owner = {};
        impl.batch_ended.notify_all();
      }
    } close{*this};
    if (batch_lost) {
      Error lost = *std::exchange(batch_lost, std::nullopt);
      if (conn.in_transaction()) Use(conn, kRollbackBatch)->exec();
      if (!commit) return Status::success();
      return lost;
    }
    // The batch's writes went into the file opened; if the path names another file now,
    // committing them would lose them all the same: rolled back and said so.
    if (commit && identity)
      if (Status s = identity->still_there(where); !s) {
        if (conn.in_transaction()) Use(conn, kRollbackBatch)->exec();
        return s;
      }
    try {
      Use(conn, commit ? kCommitBatch : kRollbackBatch)->exec();
    } catch (...) {
      if (conn.in_transaction()) {
        try {
          Use(conn, kRollbackBatch)->exec();
        } catch (...) {
          // The connection rolls back when it closes; report the first error.
        }
      }
      throw;
    }
    return Status::success();
  }

  Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const {
    std::vector<OutboxMessage> out;
    if (max == 0) return out;
    auto lock = hold();
    Use st(conn, kFetchOutbox);
    st->bind(1, as_int64(max));
    while (st->executeStep()) {
      OutboxMessage m;
      const int64_t id = st->getColumn(0).getInt64();
      m.id = static_cast<std::uint64_t>(id);
      m.topic = st->getColumn(1).getString();
      m.case_id = st->getColumn(2).getString();
      m.event_seq = static_cast<std::uint64_t>(st->getColumn(3).getInt64());
      m.payload = payload_from(st->getColumn(4).getString(), id);
      out.push_back(std::move(m));
    }
    return out;
  }

  Status outbox_ack(const std::vector<std::uint64_t>& ids) {
    if (ids.empty()) return Status::success();
    if (options.read_only) return read_only_error("acknowledging outbox messages");
    return write([&] {
      for (std::uint64_t id : ids) {
        Use st(conn, kAckOutbox);
        st->bind(1, as_int64(id));
        st->exec();
      }
      return Status::success();
    });
  }

  Result<std::uint64_t> outbox_depth() const {
    auto lock = hold();
    Use st(conn, kOutboxDepth);
    st->executeStep();
    return static_cast<std::uint64_t>(st->getColumn(0).getInt64());
  }

  Status add_visit(const Visit& v) {
    if (options.read_only) return read_only_error("adding visit \"" + v.id + "\"");
    std::string text;
    try {
      text = visit_text(v);
    } catch (const nlohmann::json::type_error& e) {
      return make_error(ErrorCode::invalid_data, "visit \"" + v.id + "\": a text is not valid UTF-8 (" + e.what() + ")");
    }
    const std::vector<std::string> keys = visit_keys_of(v);
    return write([&]() -> Status {
      {
        Use exists(conn, kVisitExists);
        exists->bind(1, v.id);
        if (exists->executeStep()) return make_error(ErrorCode::duplicate_visit, "visit \"" + v.id + "\" already exists");
      }
      Use st(conn, kInsertVisit);
      st->bind(1, v.id);
      st->bind(2, static_cast<int64_t>(to_seconds(v.at)));
      st->bind(3, std::string(to_string(v.kind)));
      st->bind(4, std::string(to_string(v.channel)));
      if (v.case_id) st->bind(5, *v.case_id);
      else st->bind(5);
      st->bind(6, text);
      st->exec();
      for (const std::string& key : keys) {
        Use k(conn, kInsertVisitKey);
        k->bind(1, key);
        k->bind(2, v.id);
        k->exec();
      }
      return Status::success();
    });
  }

  Result<std::vector<Visit>> visits(const VisitQuery& q) const {
    std::vector<Visit> out;
    if (!has_visits) return out;
    const std::string sql = visit_query_sql(q, QueryShape::rows);
    auto lock = hold();
    Use st(conn, sql);
    bind_visit_query(*st, q, QueryShape::rows);
    while (st->executeStep()) out.push_back(visit_from(st->getColumn(1).getString(), st->getColumn(0).getString()));
    return out;
  }

  Result<std::uint64_t> count_visits(const VisitQuery& q) const {
    if (!has_visits) return std::uint64_t{0};
    const std::string sql = visit_query_sql(q, QueryShape::count);
    auto lock = hold();
    Use st(conn, sql);
    bind_visit_query(*st, q, QueryShape::count);
    st->executeStep();
    return static_cast<std::uint64_t>(st->getColumn(0).getInt64());
  }
};

// --- Opening --------------------------------------------------------------------------

Result<std::shared_ptr<SqliteStorage>> SqliteStorage::open(const std::string& path, SqliteOptions options) noexcept {
  const Where where{path, options.busy_timeout};
  try {
    const bool in_memory = path == ":memory:";
    std::error_code ec;
    if (!in_memory && (!options.create_if_missing || options.read_only) && !std::filesystem::exists(path, ec))
      return make_error(ErrorCode::storage_error,
                        describe_file(where) + " does not exist" +
                            (options.read_only ? " (opened read-only)" : " (SqliteOptions::create_if_missing is off)"));
    if (in_memory && options.read_only)
      return make_error(ErrorCode::storage_error, "a private in-memory database cannot be opened read-only");

    if (!in_memory) {
      if (Status s = options.read_only ? reader_would_leave_files(where) : writer_cannot_use_files(where); !s)
        return s.error();
    }
    const int flags = options.read_only ? SQLite::OPEN_READONLY
                                        : SQLite::OPEN_READWRITE | (options.create_if_missing ? SQLite::OPEN_CREATE : 0);
    auto impl = std::make_unique<Impl>(path, options, flags);
    if (!options.read_only && impl->conn.opened_read_only())
      return make_error(ErrorCode::storage_error,
                        describe_file(where) + " is read-only (file or directory permissions); open it with "
                                               "SqliteOptions::read_only to read it");
    if (!options.read_only && !in_memory) {
      keep_wal_files(impl->conn.handle());
      impl->identity = FileIdentity::of(path);
    }
    int schema_version = kSchemaVersion;
    if (Status s = prepare_schema(impl->conn, options, where, schema_version); !s) return s.error();
    impl->compact = schema_version >= 5;
    if (impl->identity) impl->wal_identity = FileIdentity::of(path + "-wal");
    impl->has_visits = impl->table_exists("visits");
    impl->has_configurations = impl->table_exists("configurations");
    return std::shared_ptr<SqliteStorage>(new SqliteStorage(std::move(impl)));
  } catch (const std::exception& e) {
    Error refused = translate(e, where, "opening it");
    // A file locked at open is refused, not worth a retry loop in the caller: it stays
    // storage_error, as the rest of what makes a file unusable.
    if (refused.code == ErrorCode::busy) refused.code = ErrorCode::storage_error;
    return refused;
  }
}

SqliteStorage::SqliteStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteStorage::SqliteStorage(const std::string& path, SqliteOptions options) {
  auto opened = open(path, options);
  if (!opened) throw Exception(opened.error());
  impl_ = std::move(opened.value()->impl_);
}

SqliteStorage::~SqliteStorage() {
  if (!impl_) return;
  const std::vector<std::string> orphaned = impl_->orphaned_logs();
  impl_.reset();  // closes the connection first
  std::error_code ignored;  // best effort: a file already gone is fine
  for (const std::string& file : orphaned) std::filesystem::remove(file, ignored);
}
SqliteStorage::SqliteStorage(SqliteStorage&& other) noexcept = default;
SqliteStorage& SqliteStorage::operator=(SqliteStorage&& other) noexcept = default;

const std::string& SqliteStorage::path() const {
  static const std::string none;
  return impl_ ? impl_->where.path : none;
}

// --- Storage --------------------------------------------------------------------------
// Every method maps what escapes it (SQLite exceptions, unreadable rows, bad_alloc) to a
// storage_error: the Storage interface reports, it does not throw.

namespace {

template <class R, class F>
R guarded(const Where* where, std::string_view doing, F&& run) noexcept {
  if (!where) return moved_from();
  try {
    return run();
  } catch (const std::exception& e) {
    return translate(e, *where, doing);
  } catch (...) {
    return make_error(ErrorCode::storage_error, describe_file(*where) + ": unknown failure while " + std::string(doing));
  }
}

std::string about(std::string_view verb, std::string_view case_id) {
  return std::string(verb) + " case \"" + std::string(case_id) + "\"";
}

}  // namespace

Status SqliteStorage::commit(const CaseCommit& c) {
  return guarded<Status>(impl_ ? &impl_->where : nullptr, about("committing", c.snapshot.id), [&] { return impl_->commit(c); });
}

Result<Case> SqliteStorage::load(std::string_view case_id) const {
  return guarded<Result<Case>>(impl_ ? &impl_->where : nullptr, about("loading", case_id), [&] { return impl_->load(case_id); });
}

Status SqliteStorage::load_into(std::string_view case_id, Case& into) const {
  return guarded<Status>(impl_ ? &impl_->where : nullptr, about("loading", case_id),
                         [&] { return impl_->load_into(case_id, into); });
}

Status SqliteStorage::read_events(std::string_view case_id, std::uint64_t from_seq,
                                  const std::function<bool(const Event&)>& visit) const {
  std::uint64_t next = from_seq == 0 ? 1 : from_seq;
  for (bool first = true;; first = false) {
    auto chunk = guarded<Result<std::vector<Event>>>(impl_ ? &impl_->where : nullptr, about("reading the events of", case_id),
                                                     [&] { return impl_->events_chunk(case_id, next, first); });
    if (!chunk) return chunk.error();
    // The visitor runs without the connection held, and its exceptions are its own.
    for (const Event& e : *chunk)
      if (!visit(e)) return Status::success();
    if (chunk->size() < static_cast<std::size_t>(kEventChunk)) return Status::success();
    next = chunk->back().seq + 1;
  }
}

Result<std::vector<Case>> SqliteStorage::query(const CaseQuery& q) const {
  return guarded<Result<std::vector<Case>>>(impl_ ? &impl_->where : nullptr, "querying cases", [&] { return impl_->query(q); });
}

Result<std::uint64_t> SqliteStorage::count(const CaseQuery& q) const {
  return guarded<Result<std::uint64_t>>(impl_ ? &impl_->where : nullptr, "counting cases", [&] { return impl_->count(q); });
}

Result<std::optional<DueEntry>> SqliteStorage::first_due(Instant up_to) const {
  return guarded<Result<std::optional<DueEntry>>>(impl_ ? &impl_->where : nullptr, "reading the due index",
                                                   [&] { return impl_->first_due(up_to); });
}

Status SqliteStorage::begin_batch() {
  return guarded<Status>(impl_ ? &impl_->where : nullptr, "opening a batch", [&] { return impl_->begin_batch(); });
}

Status SqliteStorage::end_batch(bool commit) {
  return guarded<Status>(impl_ ? &impl_->where : nullptr, commit ? "committing a batch" : "rolling back a batch",
                         [&] { return impl_->end_batch(commit); });
}

Result<std::vector<OutboxMessage>> SqliteStorage::outbox_fetch(std::size_t max) const {
  return guarded<Result<std::vector<OutboxMessage>>>(impl_ ? &impl_->where : nullptr, "fetching outbox messages",
                                                     [&] { return impl_->outbox_fetch(max); });
}

Status SqliteStorage::outbox_ack(const std::vector<std::uint64_t>& ids) {
  return guarded<Status>(impl_ ? &impl_->where : nullptr, "acknowledging outbox messages", [&] { return impl_->outbox_ack(ids); });
}

Result<std::uint64_t> SqliteStorage::outbox_depth() const {
  return guarded<Result<std::uint64_t>>(impl_ ? &impl_->where : nullptr, "counting outbox messages", [&] { return impl_->outbox_depth(); });
}

Status SqliteStorage::add_visit(const Visit& v) {
  return guarded<Status>(impl_ ? &impl_->where : nullptr, "adding visit \"" + v.id + "\"", [&] { return impl_->add_visit(v); });
}

Result<std::vector<Visit>> SqliteStorage::visits(const VisitQuery& q) const {
  return guarded<Result<std::vector<Visit>>>(impl_ ? &impl_->where : nullptr, "querying visits", [&] { return impl_->visits(q); });
}

Result<std::uint64_t> SqliteStorage::count_visits(const VisitQuery& q) const {
  return guarded<Result<std::uint64_t>>(impl_ ? &impl_->where : nullptr, "counting visits",
                                        [&] { return impl_->count_visits(q); });
}

Result<std::optional<ConfigRecord>> SqliteStorage::configuration() const {
  return guarded<Result<std::optional<ConfigRecord>>>(impl_ ? &impl_->where : nullptr, "reading the configuration",
                                                      [&] { return impl_->configuration(); });
}

Status SqliteStorage::read_configurations(std::uint64_t from_seq,
                                          const std::function<bool(const ConfigRecord&)>& visit) const {
  std::uint64_t next = from_seq == 0 ? 1 : from_seq;
  for (;;) {
    auto chunk = guarded<Result<std::vector<ConfigRecord>>>(impl_ ? &impl_->where : nullptr,
                                                            "reading the configuration records",
                                                            [&] { return impl_->configurations_chunk(next); });
    if (!chunk) return chunk.error();
    // As read_events: the visitor runs without the connection held.
    for (const ConfigRecord& r : *chunk)
      if (!visit(r)) return Status::success();
    if (chunk->size() < static_cast<std::size_t>(kEventChunk)) return Status::success();
    next = chunk->back().seq + 1;
  }
}

Status SqliteStorage::commit_configuration(const ConfigCommit& c) {
  return guarded<Status>(impl_ ? &impl_->where : nullptr,
                         "committing configuration record " + std::to_string(c.record.seq),
                         [&] { return impl_->commit_configuration(c); });
}

Status SqliteStorage::rewrite_snapshot(const Case& snapshot) {
  return guarded<Status>(impl_ ? &impl_->where : nullptr, about("rewriting", snapshot.id),
                         [&] { return impl_->rewrite_snapshot(snapshot); });
}

Status SqliteStorage::check_integrity() const {
  return guarded<Status>(impl_ ? &impl_->where : nullptr, "checking its integrity", [&] {
    auto lock = impl_->hold();
    return check_file(impl_->conn, impl_->where, impl_->compact);
  });
}

}  // namespace fengqiao
