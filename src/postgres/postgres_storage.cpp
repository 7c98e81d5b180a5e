#include "fengqiao/postgres_storage.hpp"

#include <condition_variable>
#include <limits>
#include <mutex>
#include <map>
#include <thread>
#include <unordered_map>

#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/pqxx>  // the whole library: result iteration needs most of it
#include <pqxx/nontransaction>
#include <pqxx/prepared_statement>
#include <pqxx/transaction>

#include "fengqiao/memory_storage.hpp"  // validate_commit
#include "postgres/errors.hpp"
#include "postgres/integrity.hpp"
#include "postgres/rows.hpp"
#include "postgres/schema.hpp"

namespace fengqiao {

using namespace postgres_detail;

namespace {

// The statements every connection prepares, by name. Parameters are cast where
// PostgreSQL could not infer their type from the context.
struct Statement {
  const char* name;
  const char* sql;
};

// This session's hold of the advisory lock ($1, $2): pg_locks shows a two-int4 key as
// classid, objid (as oids) with objsubid 2.
#define RELAY_LEASE_HELD                                                                      \
  "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted" \
  " AND classid = $1::int4::oid AND objid = $2::int4::oid AND objsubid = 2"

const Statement kStatements[] = {
    {"lock_config", "SELECT pg_advisory_xact_lock($1::int4, $2::int4)"},
    // A case commit's case row and first event (see "A case commit" below).
    {"commit_insert",
     "WITH w AS (INSERT INTO cases(id, state, supervision, level, lead, jurisdiction, next_due, version, snapshot)"
     " SELECT $1::text, $2::text, $3::text, $4::int, $5::text, $6::text, $7::bigint, $8::bigint, $9::text"
     " WHERE (SELECT coalesce(max(seq), 0) FROM configurations) = $10::bigint"
     " ON CONFLICT (id) DO NOTHING RETURNING 1),"
     " e AS (INSERT INTO events(case_id, seq, at, type, json)"
     " SELECT $11::text, $12::bigint, $13::bigint, $14::text, $15::text FROM w)"
     " SELECT count(*) FROM w"},
    {"commit_update",
     "WITH w AS (UPDATE cases SET state = $2, supervision = $3, level = $4::int, lead = $5, jurisdiction = $6,"
     " next_due = $7::bigint, version = $8::bigint, snapshot = $9"
     " WHERE id = $1 AND version = $10::bigint AND (SELECT coalesce(max(seq), 0) FROM configurations) = $11::bigint"
     " RETURNING 1),"
     " e AS (INSERT INTO events(case_id, seq, at, type, json)"
     " SELECT $12::text, $13::bigint, $14::bigint, $15::text, $16::text FROM w)"
     " SELECT count(*) FROM w"},
    {"insert_event", "INSERT INTO events(case_id, seq, at, type, json) VALUES ($1, $2::bigint, $3::bigint, $4, $5)"},
    {"lock_outbox", "SELECT pg_advisory_xact_lock($1::int4, $2::int4)"},
    {"rewrite_case",
     "UPDATE cases SET state = $2, supervision = $3, level = $4::int, lead = $5, jurisdiction = $6,"
     " next_due = $7::bigint, version = $8::bigint, snapshot = $9 WHERE id = $1 AND version = $8::bigint"},
    {"case_version", "SELECT version FROM cases WHERE id = $1"},
    {"newest_config_seq", "SELECT coalesce(max(seq), 0) FROM configurations"},
    {"insert_outbox", "INSERT INTO outbox(topic, case_id, event_seq, payload) VALUES ($1, $2, $3::bigint, $4)"},
    {"load_case", "SELECT snapshot FROM cases WHERE id = $1"},
    {"events_from", "SELECT seq, json FROM events WHERE case_id = $1 AND seq >= $2::bigint ORDER BY seq LIMIT $3::bigint"},
    {"first_due",
     "SELECT next_due, id FROM cases WHERE next_due <= $1::bigint ORDER BY next_due, id LIMIT 1"},
    {"outbox_fetch", "SELECT id, topic, case_id, event_seq, payload FROM outbox ORDER BY id LIMIT $1::bigint"},
    {"outbox_ack", "DELETE FROM outbox WHERE id = ANY($1::bigint[])"},
    {"outbox_depth", "SELECT count(*) FROM outbox"},
    // The relay lease is a session-level advisory lock: it outlives transactions (a batch's
    // rollback does not drop it) and dies with the connection, so a relay process that is
    // killed, or whose connection is lost, leaves nothing held.
    // Whether this session holds it is asked of the server (pg_locks), never remembered:
    // session locks stack (taking it twice would need two releases), and a connection
    // that was lost and connected again holds nothing.
    {"relay_lock",
     "SELECT CASE WHEN EXISTS (" RELAY_LEASE_HELD ") THEN true ELSE pg_try_advisory_lock($1::int4, $2::int4) END"},
    {"relay_unlock",
     "SELECT CASE WHEN EXISTS (" RELAY_LEASE_HELD ") THEN pg_advisory_unlock($1::int4, $2::int4) ELSE false END"},
    {"insert_visit",
     "INSERT INTO visits(id, at, kind, channel, case_id, json) VALUES ($1, $2::bigint, $3, $4, $5, $6)"
     " ON CONFLICT (id) DO NOTHING"},
    {"insert_visit_key", "INSERT INTO visit_keys(key, visit_id) VALUES ($1, $2)"},
    {"newest_config", "SELECT seq, json FROM configurations ORDER BY seq DESC LIMIT 1"},
    {"configs_from", "SELECT seq, json FROM configurations WHERE seq >= $1::bigint ORDER BY seq LIMIT $2::bigint"},
    {"insert_config", "INSERT INTO configurations(seq, at, json) VALUES ($1::bigint, $2::bigint, $3)"},
};

// read_events and read_configurations hand rows to the visitor in chunks of this many,
// without holding the connection: the visitor may call back into the storage.
constexpr std::int64_t kChunk = 256;

std::int64_t as_int64(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
             ? std::numeric_limits<std::int64_t>::max()
             : static_cast<std::int64_t>(v);
}

// A nullable parameter: libpqxx passes a null const char* as SQL NULL.
const char* or_null(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

std::string about(std::string_view verb, std::string_view case_id) {
  return std::string(verb) + " case \"" + std::string(case_id) + "\"";
}

// Case and visit filters: the statement text depends on which filters are present, and
// PostgreSQL numbers parameters densely, so the text and its parameters are built
// together; each distinct text is prepared once per connection.
struct Built {
  std::string sql;
  std::vector<std::string> params;
  std::string add(std::string value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  }
};

enum class Shape { rows, count };

Built case_query(const CaseQuery& q, Shape shape) {
  Built b;
  b.sql = shape == Shape::rows ? "SELECT snapshot FROM cases" : "SELECT count(*) FROM cases";
  // Every id is non-empty, so `id > ''` matches all: one text serves with or without after_id.
  b.sql += " WHERE id > " + b.add(q.after_id);
  if (q.state) b.sql += " AND state = " + b.add(std::string(to_string(*q.state)));
  if (q.supervision) b.sql += " AND supervision = " + b.add(std::string(to_string(*q.supervision)));
  if (q.lead) b.sql += " AND lead = " + b.add(*q.lead);
  if (!q.jurisdiction.empty()) {
    const std::string from = jurisdiction_key(q.jurisdiction);
    b.sql += " AND jurisdiction >= " + b.add(from);
    b.sql += " AND jurisdiction < " + b.add(jurisdiction_key_end(from));
  }
  if (q.due_before) b.sql += " AND next_due <= " + b.add(std::to_string(to_seconds(*q.due_before))) + "::bigint";
  if (shape == Shape::rows) {
    b.sql += " ORDER BY id";
    if (q.limit != 0) b.sql += " LIMIT " + b.add(std::to_string(as_int64(q.limit))) + "::bigint";
  }
  return b;
}

Built visit_query(const VisitQuery& q, Shape shape) {
  Built b;
  b.sql = shape == Shape::rows ? "SELECT id, json FROM visits" : "SELECT count(*) FROM visits";
  b.sql += " WHERE id > " + b.add(q.after_id);
  if (q.id) b.sql += " AND id = " + b.add(*q.id);
  if (q.from) b.sql += " AND at >= " + b.add(std::to_string(to_seconds(*q.from))) + "::bigint";
  if (q.to) b.sql += " AND at < " + b.add(std::to_string(to_seconds(*q.to))) + "::bigint";
  if (q.kind) b.sql += " AND kind = " + b.add(std::string(to_string(*q.kind)));
  if (q.channel) b.sql += " AND channel = " + b.add(std::string(to_string(*q.channel)));
  if (q.case_id) b.sql += " AND case_id = " + b.add(*q.case_id);
  // An empty value names no party (VisitQuery::matches), and no key row is ever "".
  if (q.id_number)
    b.sql += " AND id IN (SELECT visit_id FROM visit_keys WHERE key = " +
             b.add(q.id_number->empty() ? std::string() : "id_number:" + *q.id_number) + ")";
  if (q.phone)
    b.sql += " AND id IN (SELECT visit_id FROM visit_keys WHERE key = " +
             b.add(q.phone->empty() ? std::string() : "phone:" + *q.phone) + ")";
  if (shape == Shape::rows) {
    b.sql += " ORDER BY id";
    if (q.limit != 0) b.sql += " LIMIT " + b.add(std::to_string(as_int64(q.limit))) + "::bigint";
  }
  return b;
}

// The case columns as the parameters $1..$9 of insert_case / update_case / rewrite_case.
struct CaseParams {
  CaseColumns cols;
  std::optional<std::string> next_due;
  explicit CaseParams(const Case& c) : cols(columns_of(c)) {
    if (cols.next_due) next_due = std::to_string(*cols.next_due);
  }
};

// --- A case commit in three round trips ----------------------------------------------
// A commit used to be seven round trips outside a batch (BEGIN, the shared configuration
// lock, the case row, each event, COMMIT; the outbox lock and rows with an outbox policy)
// and, inside one, four; on a loopback connection the waits between them were most of an
// action's time. It is now, for a commit of one event (the engine's):
//
//   "BEGIN; SELECT pg_advisory_xact_lock_shared(...)"   one message, two statements
//   commit_insert / commit_update                        prepared: the case row and its event
//   "COMMIT"
//
// and inside a batch "SAVEPOINT ...; SELECT pg_advisory_xact_lock_shared(...)" then the
// prepared statement (the savepoint's RELEASE goes with the next write's SAVEPOINT, and the
// lock is not asked for again once the batch holds it). Why each piece holds:
// - The configuration check reads the newest configuration seq inside the case write, a
//   statement after the one that took kConfigLock shared. In READ COMMITTED each
//   statement takes its own snapshot when it starts, also within a multi-statement
//   message, so the write sees every configuration committed before the lock was
//   granted, and none can commit until this transaction ends (commit_configuration takes
//   the lock exclusive). Taking the lock inside the write itself would not do: its
//   snapshot would be older than the lock.
// - The case row and the first event are one statement with data-modifying CTEs: the
//   event is inserted once per row the case write returned, so a refused write inserts
//   nothing, and the statement returns how many rows it wrote (0: refused).
// - The values go as parameters of prepared statements: planned once per connection.
//   (Sending everything as one text of literals saved two more round trips but the
//   server then parsed and planned every commit, which cost more than the round trips on
//   the benchmark's machine.)
// - COMMIT stays a message of its own: when the connection is lost during it the outcome
//   is unknown (in_doubt_error), and when it is lost before it nothing was stored.
const std::string kSavepoint = "fengqiao_write_";

Error invalid_text(const std::string& what, const std::exception& e) {
  return make_error(ErrorCode::invalid_data, what + ": a text is not valid UTF-8 (" + e.what() + ")");
}

}  // namespace

struct PostgresStorage::Impl {
  std::string connection;
  Where where;
  PostgresOptions options;
  std::int32_t lock_space = 0;

  // One connection, one caller at a time. While a batch is open only its thread gets the
  // connection; other threads wait for batch_ended, up to busy_timeout (hold()), and never
  // join the batch. end_batch is the exception: any thread may end the batch.
  mutable std::mutex mu;
  mutable std::condition_variable batch_ended;
  // Declared before `batch`: the batch's transaction must be destroyed first.
  mutable std::unique_ptr<pqxx::connection> conn;
  mutable std::map<std::string, std::string> prepared;  // filter text -> its statement's name on `conn`
  std::unique_ptr<pqxx::work> batch;
  std::thread::id batch_owner;
  // Set when the open batch's transaction is gone (a failed read aborted it, the
  // connection broke): its commits will not be stored, and end_batch(true) must say so.
  std::optional<Error> batch_lost;
  // In the open batch: the last commit's savepoint is still to be released (with the
  // next write's SAVEPOINT), and the batch holds kConfigLock shared.
  bool savepoint_pending = false;
  bool batch_config_locked = false;
  std::string savepoint;        // the name of the last write's savepoint
  std::uint64_t savepoints = 0;  // how many were set on this connection: names them
  // The snapshots the open batch committed, by case id. Until the batch ends each row is
  // what load() would read: the batch's transaction wrote it and holds its row lock (or,
  // for a new case, its key), so no other transaction can change it, and every change
  // through this object goes through commit (which keeps this current) or
  // rewrite_snapshot (which drops the entry). A load of such a case then costs neither a
  // round trip nor parsing the JSON just written (the engine loads the case it acts on, and
  // a batch's actions mostly touch cases it has just written). Cleared when the batch
  // ends, and when it grows past kBatchCases.
  std::unordered_map<std::string, Case> batch_cases;
  static constexpr std::size_t kBatchCases = 4096;

  Impl(std::string conninfo, const PostgresOptions& o)
      : connection(std::move(conninfo)), where{masked(connection), o.busy_timeout}, options(o) {}

  ~Impl() {
    // Destroying the storage with a batch open discards the batch: the transaction object
    // rolls back, then the connection closes (which would roll back anyway).
    batch.reset();
  }

  // Connects (again, after a lost connection) and sets the session up.
  void connect() const {
    conn.reset();
    prepared.clear();
    auto c = std::make_unique<pqxx::connection>(connection);
    {
      pqxx::nontransaction tx(*c);
      // READ COMMITTED is what the locking below relies on: each statement sees what was
      // committed before it started (a server or role default of REPEATABLE READ would
      // read the configuration as of the transaction's start).
      tx.exec("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
      tx.exec("SET client_encoding = 'UTF8'");
      tx.exec("SET lock_timeout = " + std::to_string(options.busy_timeout.count()));
      tx.exec("SET application_name = " + tx.quote(options.application_name));
    }
    for (const Statement& s : kStatements) c->prepare(s.name, s.sql);
    conn = std::move(c);
  }

  // The connection for this thread; throws HeldByBatch (busy) when another thread's batch
  // keeps it longer than busy_timeout.
  std::unique_lock<std::mutex> hold() const {
    std::unique_lock lock(mu);
    const auto me = std::this_thread::get_id();
    if (!batch_ended.wait_for(lock, options.busy_timeout, [&] { return !batch || batch_owner == me; }))
      throw HeldByBatch("is held by another thread's batch on this object (still held after " +
                        std::to_string(options.busy_timeout.count()) + " ms, PostgresOptions::busy_timeout)");
    if (!conn && !batch) connect();
    return lock;
  }

  // After an exception escaped a statement: a broken connection is dropped (the next
  // call connects again), and an open batch whose transaction PostgreSQL aborted is lost.
  void after_failure(const std::exception& e, bool inside_batch_transaction) {
    const bool broken = dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
                        dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr;
    if (batch && inside_batch_transaction && !batch_lost)
      batch_lost = make_error(ErrorCode::storage_error,
                              describe_server(where) + " aborted the open batch's transaction after a failed statement (" +
                                  std::string(e.what()).substr(0, 200) + "); none of the batch's commits were stored");
    if (broken && !batch) {
      conn.reset();
      prepared.clear();
    }
  }

  // The name of the prepared statement for a filter text, preparing it on first use.
  std::string prepare_filter(const std::string& sql) const {
    auto it = prepared.find(sql);
    if (it == prepared.end()) {
      const std::string name = "filter_" + std::to_string(prepared.size());
      conn->prepare(name, sql);
      it = prepared.emplace(sql, name).first;
    }
    return it->second;
  }

  // The text that sets this write's savepoint, releasing the last commit's first. Each
  // has a name of its own: if the text fails part way, rolling back to this write's name
  // can never undo the last commit (it fails instead, and the batch is lost).
  std::string open_savepoint() {
    std::string sql = savepoint_pending ? "RELEASE SAVEPOINT " + savepoint + "; " : std::string();
    savepoint_pending = false;
    savepoint = kSavepoint + std::to_string(++savepoints);
    return sql + "SAVEPOINT " + savepoint;
  }
  std::string back_to_savepoint_text() const {
    return "ROLLBACK TO SAVEPOINT " + savepoint + "; RELEASE SAVEPOINT " + savepoint;
  }

  // A statement of the open batch's own (a savepoint's): if it fails the batch's
  // transaction is aborted or gone, and the batch is lost.
  void in_batch(const std::string& sql) {
    try {
      batch->exec(sql);
    } catch (const std::exception& e) {
      after_failure(e, true);
      throw;
    }
  }

  // After `failure` escaped a write inside the batch, since its SAVEPOINT: the batch
  // goes back to the savepoint and on, as a refused write's would; when that cannot be
  // done (the connection is gone) the batch is lost.
  void back_to_savepoint(const std::exception& failure) {
    const bool broken = dynamic_cast<const pqxx::broken_connection*>(&failure) != nullptr ||
                        dynamic_cast<const pqxx::in_doubt_error*>(&failure) != nullptr;
    if (broken) {
      after_failure(failure, true);
      return;
    }
    try {
      batch->exec(back_to_savepoint_text());
    } catch (const std::exception& e) {
      after_failure(e, true);
    }
  }

  // Runs one write: its own transaction, or a savepoint of the open batch (so a refused
  // or failed write leaves the batch as it was).
  // The savepoint is set by hand: libpqxx 6.4's subtransaction sends its SAVEPOINT only
  // with the first exec(), never with exec_prepared(), so a subtransaction that runs only
  // prepared statements has no savepoint, and a failed statement aborted the whole batch.
  template <class F>
  Status write(F&& body) {
    auto lock = hold();
    if (batch) {
      if (batch_lost) return *batch_lost;
      in_batch(open_savepoint());
      Status s = Status::success();
      try {
        s = body(static_cast<pqxx::transaction_base&>(*batch));
      } catch (const std::exception& e) {
        back_to_savepoint(e);
        throw;
      }
      in_batch(s ? "RELEASE SAVEPOINT " + savepoint : back_to_savepoint_text());
      return s;
    }
    try {
      pqxx::work tx(*conn, "fengqiao_write");
      Status s = body(static_cast<pqxx::transaction_base&>(tx));
      if (s) tx.commit();
      else tx.abort();
      return s;
    } catch (const std::exception& e) {
      after_failure(e, false);
      throw;
    }
  }

  // Runs one read: outside a batch in autocommit (each statement sees what was committed
  // when it started), inside one in the batch's transaction (it sees the batch's changes).
  template <class R, class F>
  R read(F&& body) const {
    auto lock = hold();
    auto& self = const_cast<Impl&>(*this);
    if (batch) {
      if (batch_lost) return *batch_lost;
      try {
        return body(static_cast<pqxx::transaction_base&>(*batch));
      } catch (const std::exception& e) {
        self.after_failure(e, true);
        throw;
      }
    }
    try {
      pqxx::nontransaction tx(*conn, "fengqiao_read");
      return body(static_cast<pqxx::transaction_base&>(tx));
    } catch (const std::exception& e) {
      self.after_failure(e, false);
      throw;
    }
  }

  static Status refused_write(pqxx::transaction_base& tx, const std::string& case_id, std::uint64_t expected,
                              std::optional<std::uint64_t> config_seq) {
    if (config_seq) {
      const auto newest = tx.exec_prepared1("newest_config_seq")[0].as<std::int64_t>();
      if (static_cast<std::uint64_t>(newest) != *config_seq)
        return make_error(ErrorCode::conflict, "the configuration changed (now at seq " + std::to_string(newest) +
                                                   ", the change was computed with seq " + std::to_string(*config_seq) +
                                                   "); reload and retry");
    }
    const pqxx::result r = tx.exec_prepared("case_version", case_id);
    if (expected == 0) return make_error(ErrorCode::duplicate_case, "case \"" + case_id + "\" already exists");
    if (r.empty()) return make_error(ErrorCode::unknown_case, "no case \"" + case_id + "\"");
    // Read by a later statement than the refused write: what refused it may have changed
    // since, and only the refusal itself is certain.
    if (r[0][0].as<std::uint64_t>() == expected)
      return make_error(ErrorCode::conflict, "case \"" + case_id + "\" changed while this commit was refused (it is at version " +
                                                 std::to_string(expected) + " again); reload and retry");
    return make_error(ErrorCode::conflict, "case \"" + case_id + "\" is at version " + r[0][0].as<std::string>() +
                                               ", not " + std::to_string(expected) + "; reload and retry");
  }

  void insert_outbox(pqxx::transaction_base& tx, const std::vector<OutboxMessage>& outbox,
                     const std::vector<std::string>& payloads) {
    if (outbox.empty()) return;
    // Ids in commit order: the lock is held to the end of the transaction, so no other
    // transaction takes an id between this one's first id and its commit. Without it a
    // smaller id could commit after a larger one was delivered, and a consumer that keeps
    // the largest id it has seen would drop it.
    tx.exec_prepared("lock_outbox", static_cast<std::int32_t>(kOutboxLock), lock_space);
    for (std::size_t i = 0; i < outbox.size(); ++i) {
      const OutboxMessage& m = outbox[i];
      tx.exec_prepared("insert_outbox", m.topic, m.case_id, as_int64(m.event_seq), payloads[i]);
    }
  }

  static Status check_texts(const Case& c) {
    if (has_nul(c.id) || (c.lead && has_nul(*c.lead)))
      return make_error(ErrorCode::invalid_data, "case \"" + c.id.substr(0, c.id.find('\0')) +
                                                     "\": an id or lead contains a NUL byte, which PostgreSQL text cannot hold");
    for (const std::string& element : c.jurisdiction)
      if (has_nul(element))
        return make_error(ErrorCode::invalid_data, "case \"" + c.id + "\": a jurisdiction element contains a NUL byte");
    return Status::success();
  }

  Status commit(const CaseCommit& c) {
    if (Status s = validate_commit(c); !s) return s;
    if (Status s = check_texts(c.snapshot); !s) return s;
    // Encode before taking the connection: it is the costly part and needs no database.
    std::string snapshot;
    std::vector<std::string> events, payloads;
    try {
      snapshot = snapshot_text(c.snapshot);
      for (const Event& e : c.events) events.push_back(event_text(e));
      for (const OutboxMessage& m : c.outbox) payloads.push_back(m.payload.dump());
    } catch (const nlohmann::json::type_error& e) {
      return invalid_text("commit for case \"" + c.snapshot.id + "\"", e);
    }
    for (const OutboxMessage& m : c.outbox)
      if (has_nul(m.topic) || has_nul(m.case_id))
        return make_error(ErrorCode::invalid_data, "commit for case \"" + c.snapshot.id +
                                                       "\": an outbox topic or case id contains a NUL byte");
    const CaseParams p(c.snapshot);
    const Event& first = c.events.front();
    const std::string first_type(to_string(first.type));
    // The case row and the first event; the rest (none from the engine) and the outbox
    // rows after it, only when it wrote the row. Returns whether it did.
    const auto write_rows = [&](pqxx::transaction_base& tx) {
      const pqxx::row r =
          c.expected_version == 0
              ? tx.exec_prepared1("commit_insert", c.snapshot.id, p.cols.state, p.cols.supervision, p.cols.level,
                                  or_null(p.cols.lead), p.cols.jurisdiction, or_null(p.next_due),
                                  as_int64(c.snapshot.version), snapshot, as_int64(c.config_seq), first.case_id,
                                  as_int64(first.seq), to_seconds(first.at), first_type, events[0])
              : tx.exec_prepared1("commit_update", c.snapshot.id, p.cols.state, p.cols.supervision, p.cols.level,
                                  or_null(p.cols.lead), p.cols.jurisdiction, or_null(p.next_due),
                                  as_int64(c.snapshot.version), snapshot, as_int64(c.expected_version),
                                  as_int64(c.config_seq), first.case_id, as_int64(first.seq), to_seconds(first.at),
                                  first_type, events[0]);
      if (r[0].as<std::int64_t>() != 1) return false;
      for (std::size_t i = 1; i < c.events.size(); ++i) {
        const Event& e = c.events[i];
        tx.exec_prepared("insert_event", e.case_id, as_int64(e.seq), to_seconds(e.at), std::string(to_string(e.type)),
                         events[i]);
      }
      insert_outbox(tx, c.outbox, payloads);
      return true;
    };
    const std::string lock_config = "SELECT pg_advisory_xact_lock_shared(" +
                                    std::to_string(static_cast<std::int32_t>(kConfigLock)) + ", " +
                                    std::to_string(lock_space) + ")";
    auto lock = hold();
    if (batch) {
      if (batch_lost) return *batch_lost;
      // Once a commit of this batch has taken the lock the batch holds it to its end
      // (a released savepoint's locks pass to the transaction), so it is not asked again.
      bool written = false;
      try {
        batch->exec(open_savepoint() + (batch_config_locked ? std::string() : "; " + lock_config));
        written = write_rows(*batch);
        if (!written) {
          Status refused = refused_write(*batch, c.snapshot.id, c.expected_version, c.config_seq);
          in_batch(back_to_savepoint_text());
          return refused;
        }
      } catch (const std::exception& e) {
        if (!batch_lost) back_to_savepoint(e);
        throw;
      }
      // Released with the next write's SAVEPOINT (open_savepoint): one round trip fewer.
      savepoint_pending = true;
      batch_config_locked = true;
      if (batch_cases.size() >= kBatchCases) batch_cases.clear();
      batch_cases.insert_or_assign(c.snapshot.id, c.snapshot);
      return Status::success();
    }
    // Whether this session may still be inside the transaction begun here: a failure that
    // leaves it so drops the connection (the server then rolls it back), or this
    // session's next BEGIN would be refused and its next commit would join the stale one.
    bool open = false;
    try {
      pqxx::nontransaction tx(*conn, "fengqiao_write");
      open = true;
      bool written = false;
      try {
        tx.exec("BEGIN; " + lock_config);
        written = write_rows(tx);
      } catch (const pqxx::sql_error&) {
        // A failed statement leaves the transaction aborted but open: end it, so the
        // session takes the next call.
        tx.exec("ROLLBACK");
        open = false;
        throw;
      }
      if (!written) {
        // Read while the lock is still held, as the write was refused.
        Status refused = refused_write(tx, c.snapshot.id, c.expected_version, c.config_seq);
        tx.exec("ROLLBACK");
        open = false;
        return refused;
      }
      open = false;  // COMMIT ends the transaction, whether it succeeds, fails or is in doubt
      commit_text(tx);
      return Status::success();
    } catch (const std::exception& e) {
      after_failure(e, false);
      if (open && conn) {
        conn.reset();
        prepared.clear();
      }
      throw;
    }
  }

  // COMMIT of a transaction begun by hand: what pqxx::work::commit does, so that a
  // connection lost while COMMIT is in flight is in doubt (translate says the outcome is
  // unknown), never "nothing was stored".
  static void commit_text(pqxx::transaction_base& tx) {
    try {
      tx.exec("COMMIT");
    } catch (const pqxx::broken_connection& e) {
      throw pqxx::in_doubt_error(std::string("the connection was lost while COMMIT was in flight: ") + e.what());
    }
  }

  Status rewrite_snapshot(const Case& snapshot) {
    if (Status s = check_texts(snapshot); !s) return s;
    std::string text;
    try {
      text = snapshot_text(snapshot);
    } catch (const nlohmann::json::type_error& e) {
      return invalid_text("rewrite of case \"" + snapshot.id + "\"", e);
    }
    const CaseParams p(snapshot);
    return write([&](pqxx::transaction_base& tx) -> Status {
      batch_cases.erase(snapshot.id);  // whatever the rewrite's outcome: load reads the row again
      // At the snapshot's own version: the version check is the WHERE clause, and the due
      // index follows the next_due column.
      const pqxx::result r =
          tx.exec_prepared("rewrite_case", snapshot.id, p.cols.state, p.cols.supervision, p.cols.level,
                           or_null(p.cols.lead), p.cols.jurisdiction, or_null(p.next_due), as_int64(snapshot.version), text);
      if (r.affected_rows() != 1) return refused_write(tx, snapshot.id, snapshot.version, std::nullopt);
      return Status::success();
    });
  }

  Status commit_configuration(const ConfigCommit& c) {
    const std::string seq = std::to_string(c.record.seq);
    std::string text;
    std::vector<std::string> payloads;
    try {
      text = config_text(c.record);
      for (const OutboxMessage& m : c.outbox) payloads.push_back(m.payload.dump());
    } catch (const nlohmann::json::type_error& e) {
      return invalid_text("configuration record " + seq, e);
    }
    return write([&](pqxx::transaction_base& tx) -> Status {
      // Exclusive: waits for every commit in flight (they hold it shared) and makes new
      // ones wait, so none computed with the replaced configuration commits after this.
      tx.exec_prepared("lock_config", static_cast<std::int32_t>(kConfigLock), lock_space);
      const auto newest = static_cast<std::uint64_t>(tx.exec_prepared1("newest_config_seq")[0].as<std::int64_t>());
      if (c.record.seq != newest + 1)
        return make_error(ErrorCode::conflict, "configuration seq " + seq + " is not the next (" +
                                                   std::to_string(newest + 1) +
                                                   "): another engine changed the configuration; reload and retry");
      tx.exec_prepared("insert_config", as_int64(c.record.seq), to_seconds(c.record.at), text);
      insert_outbox(tx, c.outbox, payloads);
      return Status::success();
    });
  }

  Result<Case> load(std::string_view case_id) const {
    const std::string id(case_id);
    return read<Result<Case>>([&](pqxx::transaction_base& tx) -> Result<Case> {
      if (batch) {
        if (auto it = batch_cases.find(id); it != batch_cases.end()) return it->second;
      }
      const pqxx::result r = tx.exec_prepared("load_case", id);
      if (r.empty()) return make_error(ErrorCode::unknown_case, "no case \"" + id + "\"");
      return snapshot_from(r[0][0].as<std::string>(), id);
    });
  }

  // One chunk of a history; `check_case` on the first, to tell unknown cases apart.
  Result<std::vector<Event>> events_chunk(std::string_view case_id, std::uint64_t from_seq, bool check_case) const {
    const std::string id(case_id);
    return read<Result<std::vector<Event>>>([&](pqxx::transaction_base& tx) -> Result<std::vector<Event>> {
      if (check_case && tx.exec_prepared("case_version", id).empty())
        return make_error(ErrorCode::unknown_case, "no case \"" + id + "\"");
      std::vector<Event> out;
      for (const auto& row : tx.exec_prepared("events_from", id, as_int64(from_seq), kChunk))
        out.push_back(event_from(row[1].as<std::string>(), id, row[0].as<std::int64_t>()));
      return out;
    });
  }

  Result<std::vector<Case>> query(const CaseQuery& q) const {
    const Built b = case_query(q, Shape::rows);
    return read<Result<std::vector<Case>>>([&](pqxx::transaction_base& tx) -> Result<std::vector<Case>> {
      std::vector<Case> out;
      for (const auto& row : tx.exec_prepared(prepare_filter(b.sql), pqxx::prepare::make_dynamic_params(b.params)))
        out.push_back(snapshot_from(row[0].as<std::string>(), "(query result)"));
      return out;
    });
  }

  Result<std::uint64_t> count(const CaseQuery& q) const {
    const Built b = case_query(q, Shape::count);
    return read<Result<std::uint64_t>>([&](pqxx::transaction_base& tx) -> Result<std::uint64_t> {
      const pqxx::result r = tx.exec_prepared(prepare_filter(b.sql), pqxx::prepare::make_dynamic_params(b.params));
      return r[0][0].as<std::uint64_t>();
    });
  }

  Result<std::optional<DueEntry>> first_due(Instant up_to) const {
    return read<Result<std::optional<DueEntry>>>([&](pqxx::transaction_base& tx) -> Result<std::optional<DueEntry>> {
      const pqxx::result r = tx.exec_prepared("first_due", to_seconds(up_to));
      if (r.empty()) return std::optional<DueEntry>();
      return std::optional<DueEntry>(DueEntry{from_seconds(r[0][0].as<std::int64_t>()), r[0][1].as<std::string>()});
    });
  }

  Status begin_batch() {
    auto lock = hold();
    if (batch) return make_error(ErrorCode::storage_error, "a batch is already open (batches do not nest)");
    try {
      batch = std::make_unique<pqxx::work>(*conn, "fengqiao_batch");
    } catch (const std::exception& e) {
      after_failure(e, false);
      throw;
    }
    batch_owner = std::this_thread::get_id();
    savepoint_pending = false;
    batch_config_locked = false;
    batch_cases.clear();
    batch_lost.reset();
    return Status::success();
  }

  // Not hold(): a thread that did not open the batch may end it, and would otherwise wait
  // for the very batch it is ending.
  Status end_batch(bool commit) {
    std::unique_lock lock(mu);
    if (!batch) return make_error(ErrorCode::storage_error, "no batch is open");
    // Whatever happens below, the batch is over and waiting threads may go on.
    struct Close {
      Impl& impl;
      ~Close() {
        impl.batch.reset();
        impl.batch_owner = {};
        impl.savepoint_pending = false;
        impl.batch_config_locked = false;
        impl.batch_cases.clear();
        impl.batch_ended.notify_all();
      }
    } close{*this};
    if (batch_lost) {
      Error lost = *std::exchange(batch_lost, std::nullopt);
      try {
        batch->abort();
      } catch (...) {
        // The connection is gone or the transaction already aborted: nothing to undo.
      }
      batch.reset();  // before the connection it refers to
      conn.reset();   // after a lost batch, start from a fresh session
      prepared.clear();
      if (!commit) return Status::success();
      return lost;
    }
    try {
      if (commit) batch->commit();
      else batch->abort();
    } catch (const std::exception& e) {
      const bool broken = dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
                          dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr;
      batch.reset();
      if (broken) {
        conn.reset();
        prepared.clear();
      }
      throw;
    }
    return Status::success();
  }

  Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const {
    if (max == 0) return std::vector<OutboxMessage>();
    return read<Result<std::vector<OutboxMessage>>>([&](pqxx::transaction_base& tx) -> Result<std::vector<OutboxMessage>> {
      std::vector<OutboxMessage> out;
      for (const auto& row : tx.exec_prepared("outbox_fetch", as_int64(max))) {
        OutboxMessage m;
        const auto id = row[0].as<std::int64_t>();
        m.id = static_cast<std::uint64_t>(id);
        m.topic = row[1].as<std::string>();
        m.case_id = row[2].as<std::string>();
        m.event_seq = static_cast<std::uint64_t>(row[3].as<std::int64_t>());
        m.payload = payload_from(row[4].as<std::string>(), id);
        out.push_back(std::move(m));
      }
      return out;
    });
  }

  Status outbox_ack(const std::vector<std::uint64_t>& ids) {
    if (ids.empty()) return Status::success();
    std::string array = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) array += (i ? "," : "") + std::to_string(as_int64(ids[i]));
    array += "}";
    return write([&](pqxx::transaction_base& tx) -> Status {
      tx.exec_prepared("outbox_ack", array);
      return Status::success();
    });
  }

  Result<std::uint64_t> outbox_depth() const {
    return read<Result<std::uint64_t>>([&](pqxx::transaction_base& tx) -> Result<std::uint64_t> {
      return tx.exec_prepared1("outbox_depth")[0].as<std::uint64_t>();
    });
  }

  Result<bool> outbox_take_lease() {
    return read<Result<bool>>([&](pqxx::transaction_base& tx) -> Result<bool> {
      return tx.exec_prepared1("relay_lock", static_cast<std::int32_t>(kRelayLock), lock_space)[0].as<bool>();
    });
  }

  Status outbox_release_lease() {
    return read<Status>([&](pqxx::transaction_base& tx) -> Status {
      tx.exec_prepared1("relay_unlock", static_cast<std::int32_t>(kRelayLock), lock_space);
      return Status::success();
    });
  }

  Status add_visit(const Visit& v) {
    if (has_nul(v.id) || (v.case_id && has_nul(*v.case_id)))
      return make_error(ErrorCode::invalid_data, "visit \"" + v.id.substr(0, v.id.find('\0')) +
                                                     "\": an id contains a NUL byte, which PostgreSQL text cannot hold");
    std::string text;
    try {
      text = visit_text(v);
    } catch (const nlohmann::json::type_error& e) {
      return invalid_text("visit \"" + v.id + "\"", e);
    }
    std::vector<std::string> keys = visit_keys_of(v);
    for (const std::string& key : keys)
      if (has_nul(key))
        return make_error(ErrorCode::invalid_data, "visit \"" + v.id + "\": a party's id_number or phone contains a NUL byte");
    return write([&](pqxx::transaction_base& tx) -> Status {
      const pqxx::result r = tx.exec_prepared("insert_visit", v.id, to_seconds(v.at), std::string(to_string(v.kind)),
                                              std::string(to_string(v.channel)), or_null(v.case_id), text);
      if (r.affected_rows() != 1) return make_error(ErrorCode::duplicate_visit, "visit \"" + v.id + "\" already exists");
      for (const std::string& key : keys) tx.exec_prepared("insert_visit_key", key, v.id);
      return Status::success();
    });
  }

  Result<std::vector<Visit>> visits(const VisitQuery& q) const {
    const Built b = visit_query(q, Shape::rows);
    return read<Result<std::vector<Visit>>>([&](pqxx::transaction_base& tx) -> Result<std::vector<Visit>> {
      std::vector<Visit> out;
      for (const auto& row : tx.exec_prepared(prepare_filter(b.sql), pqxx::prepare::make_dynamic_params(b.params)))
        out.push_back(visit_from(row[1].as<std::string>(), row[0].as<std::string>()));
      return out;
    });
  }

  Result<std::uint64_t> count_visits(const VisitQuery& q) const {
    const Built b = visit_query(q, Shape::count);
    return read<Result<std::uint64_t>>([&](pqxx::transaction_base& tx) -> Result<std::uint64_t> {
      const pqxx::result r = tx.exec_prepared(prepare_filter(b.sql), pqxx::prepare::make_dynamic_params(b.params));
      return r[0][0].as<std::uint64_t>();
    });
  }

  Result<std::optional<ConfigRecord>> configuration() const {
    return read<Result<std::optional<ConfigRecord>>>(
        [&](pqxx::transaction_base& tx) -> Result<std::optional<ConfigRecord>> {
          const pqxx::result r = tx.exec_prepared("newest_config");
          if (r.empty()) return std::optional<ConfigRecord>();
          return std::optional<ConfigRecord>(config_from(r[0][1].as<std::string>(), r[0][0].as<std::int64_t>()));
        });
  }

  // In one repeatable-read, read-only transaction (one view of every table, however long
  // it takes); inside the calling thread's batch, in the batch's (it sees the batch).
  Status check_integrity() const {
    auto lock = hold();
    auto& self = const_cast<Impl&>(*this);
    if (batch) {
      if (batch_lost) return *batch_lost;
      try {
        return check_schema(*batch, where);
      } catch (const std::exception& e) {
        self.after_failure(e, true);
        throw;
      }
    }
    try {
      pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> tx(*conn,
                                                                                                       "fengqiao_check");
      Status s = check_schema(tx, where);
      tx.commit();
      return s;
    } catch (const std::exception& e) {
      self.after_failure(e, false);
      throw;
    }
  }

  Result<std::vector<ConfigRecord>> configurations_chunk(std::uint64_t from_seq) const {
    return read<Result<std::vector<ConfigRecord>>>([&](pqxx::transaction_base& tx) -> Result<std::vector<ConfigRecord>> {
      std::vector<ConfigRecord> out;
      for (const auto& row : tx.exec_prepared("configs_from", as_int64(from_seq), kChunk))
        out.push_back(config_from(row[1].as<std::string>(), row[0].as<std::int64_t>()));
      return out;
    });
  }
};

// --- Opening --------------------------------------------------------------------------

Result<std::shared_ptr<PostgresStorage>> PostgresStorage::open(const std::string& connection,
                                                               PostgresOptions options) noexcept {
  auto impl = std::make_unique<Impl>(connection, options);
  const Doing doing{"opening it", std::nullopt, ""};
  try {
    impl->connect();
    auto space = prepare_schema(*impl->conn, options, impl->where);
    if (!space) return space.error();
    impl->lock_space = *space;
    return std::shared_ptr<PostgresStorage>(new PostgresStorage(std::move(impl)));
  } catch (const std::exception& e) {
    Error refused = translate(e, impl->where, doing);
    // A server that cannot be used at open is refused: not worth a retry loop in the
    // caller, so a lock or deadlock there stays storage_error.
    refused.code = ErrorCode::storage_error;
    return refused;
  }
}

PostgresStorage::PostgresStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStorage::~PostgresStorage() = default;

const std::string& PostgresStorage::where() const { return impl_->where.server; }


// --- Storage --------------------------------------------------------------------------
// Every method maps what escapes it (libpqxx exceptions, unreadable rows, bad_alloc) to
// an Error: the Storage interface reports, it does not throw.

namespace {

template <class R, class F>
R guarded(const Where& where, const Doing& doing, F&& run) noexcept {
  try {
    return run();
  } catch (const std::exception& e) {
    return translate(e, where, doing);
  } catch (...) {
    return make_error(ErrorCode::storage_error, describe_server(where) + ": unknown failure while " + doing.what);
  }
}

Doing reading(std::string what) { return Doing{std::move(what), std::nullopt, ""}; }

}  // namespace

Status PostgresStorage::commit(const CaseCommit& c) {
  const std::string& id = c.snapshot.id;
  const Doing doing{about("committing version " + std::to_string(c.snapshot.version) + " of", id),
                    c.expected_version == 0 ? ErrorCode::duplicate_case : ErrorCode::conflict,
                    "load case \"" + id + "\": it was stored if its version is " + std::to_string(c.snapshot.version) +
                        " and its last event (read_events from seq " + std::to_string(c.snapshot.version) +
                        ") is this commit's, and not if its version is still " + std::to_string(c.expected_version)};
  return guarded<Status>(impl_->where, doing, [&] { return impl_->commit(c); });
}

Result<Case> PostgresStorage::load(std::string_view case_id) const {
  return guarded<Result<Case>>(impl_->where, reading(about("loading", case_id)), [&] { return impl_->load(case_id); });
}

Status PostgresStorage::read_events(std::string_view case_id, std::uint64_t from_seq,
                                    const std::function<bool(const Event&)>& visit) const {
  std::uint64_t next = from_seq == 0 ? 1 : from_seq;
  for (bool first = true;; first = false) {
    auto chunk = guarded<Result<std::vector<Event>>>(impl_->where, reading(about("reading the events of", case_id)),
                                                     [&] { return impl_->events_chunk(case_id, next, first); });
    if (!chunk) return chunk.error();
    // The visitor runs without the connection held, and its exceptions are its own.
    for (const Event& e : *chunk)
      if (!visit(e)) return Status::success();
    if (chunk->size() < static_cast<std::size_t>(kChunk)) return Status::success();
    next = chunk->back().seq + 1;
  }
}

Result<std::vector<Case>> PostgresStorage::query(const CaseQuery& q) const {
  return guarded<Result<std::vector<Case>>>(impl_->where, reading("querying cases"), [&] { return impl_->query(q); });
}

Result<std::uint64_t> PostgresStorage::count(const CaseQuery& q) const {
  return guarded<Result<std::uint64_t>>(impl_->where, reading("counting cases"), [&] { return impl_->count(q); });
}

Result<std::optional<DueEntry>> PostgresStorage::first_due(Instant up_to) const {
  return guarded<Result<std::optional<DueEntry>>>(impl_->where, reading("reading the due index"),
                                                   [&] { return impl_->first_due(up_to); });
}

Status PostgresStorage::begin_batch() {
  return guarded<Status>(impl_->where, reading("opening a batch"), [&] { return impl_->begin_batch(); });
}

Status PostgresStorage::end_batch(bool commit) {
  const Doing doing{commit ? "committing a batch" : "rolling back a batch", std::nullopt,
                    "load a case the batch changed: its version says whether the batch was stored"};
  return guarded<Status>(impl_->where, doing, [&] { return impl_->end_batch(commit); });
}

Result<std::vector<OutboxMessage>> PostgresStorage::outbox_fetch(std::size_t max) const {
  return guarded<Result<std::vector<OutboxMessage>>>(impl_->where, reading("fetching outbox messages"),
                                                     [&] { return impl_->outbox_fetch(max); });
}

Status PostgresStorage::outbox_ack(const std::vector<std::uint64_t>& ids) {
  // An ack whose outcome is unknown is harmless to repeat: acks are idempotent.
  const Doing doing{"acknowledging outbox messages", std::nullopt, "acknowledge them again (acks are idempotent)"};
  return guarded<Status>(impl_->where, doing, [&] { return impl_->outbox_ack(ids); });
}

Result<bool> PostgresStorage::outbox_take_lease() {
  return guarded<Result<bool>>(impl_->where, reading("taking the outbox relay lease"),
                               [&] { return impl_->outbox_take_lease(); });
}

Status PostgresStorage::outbox_release_lease() {
  // A connection lost here has released the lease with its session: the error still
  // says so, and the next outbox_take_lease starts from a new connection holding none.
  return guarded<Status>(impl_->where, reading("releasing the outbox relay lease"),
                         [&] { return impl_->outbox_release_lease(); });
}

Result<std::uint64_t> PostgresStorage::outbox_depth() const {
  return guarded<Result<std::uint64_t>>(impl_->where, reading("counting outbox messages"),
                                        [&] { return impl_->outbox_depth(); });
}

Status PostgresStorage::add_visit(const Visit& v) {
  const Doing doing{"adding visit \"" + v.id + "\"", ErrorCode::duplicate_visit,
                    "query the visit by id (VisitQuery::id): it was stored if it is there"};
  return guarded<Status>(impl_->where, doing, [&] { return impl_->add_visit(v); });
}

Result<std::vector<Visit>> PostgresStorage::visits(const VisitQuery& q) const {
  return guarded<Result<std::vector<Visit>>>(impl_->where, reading("querying visits"), [&] { return impl_->visits(q); });
}

Result<std::uint64_t> PostgresStorage::count_visits(const VisitQuery& q) const {
  return guarded<Result<std::uint64_t>>(impl_->where, reading("counting visits"), [&] { return impl_->count_visits(q); });
}

Result<std::optional<ConfigRecord>> PostgresStorage::configuration() const {
  return guarded<Result<std::optional<ConfigRecord>>>(impl_->where, reading("reading the configuration"),
                                                      [&] { return impl_->configuration(); });
}

Status PostgresStorage::read_configurations(std::uint64_t from_seq,
                                            const std::function<bool(const ConfigRecord&)>& visit) const {
  std::uint64_t next = from_seq == 0 ? 1 : from_seq;
  for (;;) {
    auto chunk = guarded<Result<std::vector<ConfigRecord>>>(impl_->where, reading("reading the configuration records"),
                                                            [&] { return impl_->configurations_chunk(next); });
    if (!chunk) return chunk.error();
    for (const ConfigRecord& r : *chunk)
      if (!visit(r)) return Status::success();
    if (chunk->size() < static_cast<std::size_t>(kChunk)) return Status::success();
    next = chunk->back().seq + 1;
  }
}

Status PostgresStorage::commit_configuration(const ConfigCommit& c) {
  const std::string seq = std::to_string(c.record.seq);
  const Doing doing{"committing configuration record " + seq, ErrorCode::conflict,
                    "read configuration(): it was stored if its seq is " + seq + " and it is this record"};
  return guarded<Status>(impl_->where, doing, [&] { return impl_->commit_configuration(c); });
}

Status PostgresStorage::rewrite_snapshot(const Case& snapshot) {
  const Doing doing{about("rewriting", snapshot.id), std::nullopt,
                    "load case \"" + snapshot.id + "\" and compare its snapshot with the rewrite"};
  return guarded<Status>(impl_->where, doing, [&] { return impl_->rewrite_snapshot(snapshot); });
}

Status PostgresStorage::check_integrity() const {
  return guarded<Status>(impl_->where, Doing{"checking its integrity", std::nullopt, ""},
                         [&] { return impl_->check_integrity(); });
}

}  // namespace fengqiao
